import type { Channel } from '@prodmatch/match/channel';
import type { Combiner } from '@prodmatch/match/combiner';
import type { DistanceUnit } from '@prodmatch/knn';

/**
 * A submission's thresholds are fixed, so a hash channel's multi-index search (knn.maxDistance) need look
 * no further than its own threshold. At the grid's top (16 bits) it checks about a fifth of all rows per
 * query, which grows with the square of the catalogue; at 8 bits a few hundred rows (docs/scale.md).
 * Only under --sparse-search within, for a combiner that reads lists within thresholds, and never for the
 * first source or a channel with its own min-matches, whose top-ups read beyond the threshold. A channel
 * that takes its candidates from a cut channel sees only the cut lists; bench:scale measures what that
 * loses against the full search. A sparse channel cut tighter than its own threshold (--sparse-within)
 * is widened to that threshold.
 */
export function cutSearchesAtThresholds(
  sparseSearch: 'all' | 'within',
  channels: readonly Channel[],
  combiner: Combiner,
  sources: readonly { name: string; unit: DistanceUnit }[],
  thresholds: readonly number[],
): { channels: Channel[]; cuts: string[] } {
  if (sparseSearch !== 'within') return { channels: [...channels], cuts: [] };
  const cuts: string[] = [];
  const out = channels.map((channel) => {
    const at = sources.findIndex((s) => s.name === channel.name);
    const within = channel.knn.sparseWithin;
    // A --sparse-within below the channel's own threshold would drop its matches, not only what lies beyond.
    if (within !== undefined && at >= 0 && thresholds[at] > within && thresholds[at] < 1) {
      cuts.push(`${channel.name} within ${thresholds[at]} (its threshold; --sparse-within ${within} would drop its matches)`);
      return { ...channel, knn: { ...channel.knn, sparseWithin: thresholds[at] } };
    }
    const maxDistance = channel.knn.maxDistance;
    if (!combiner.readsWithinThresholds || at <= 0 || channel.minMatches > 1 || maxDistance === undefined) return channel;
    const cut = Math.floor(thresholds[at]);
    if (!(cut >= 0 && cut < maxDistance)) return channel;
    cuts.push(`${channel.name} within ${cut} (grid: ${maxDistance})`);
    return { ...channel, knn: { ...channel.knn, maxDistance: cut } };
  });
  return { channels: out, cuts };
}
