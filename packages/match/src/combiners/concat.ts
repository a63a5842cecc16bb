import { asDisplay, type Combiner } from '../combiner.ts';
import { unionMatcher } from '../score.ts';
import { distancesFrom, rankCandidates } from '../search.ts';

export interface ConcatOptions {
  /** Weight of each channel's L2-normalised embedding in the concatenation (every channel needs one). */
  weights: Readonly<Record<string, number>>;
  /** Cosine-distance grid for the concatenated embedding's threshold. */
  grid: readonly number[];
}

/**
 * Concatenation of the channels' L2-normalised embeddings, channel c scaled by w_c: its cosine similarity
 * is sum_c w_c^2 sim_c / sum_c w_c^2. Scored exactly over the union of the channels' top-k candidates
 * (a pair that no channel ranks in its top k has a low similarity in every channel, so it cannot be a
 * near neighbour of the concatenation either), which works for sparse and dense channels alike.
 */
export function concat(options: ConcatOptions): Combiner {
  const name = 'concat';
  return {
    name: 'concat',
    params: { weights: { ...options.weights }, candidates: "union of the channels' top-k" },
    sources(channels) {
      for (const c of channels) {
        if (c.unit !== 'cosine distance')
          throw new Error(`concat: channel "${c.name}" measures ${c.unit}; only cosine channels can be concatenated`);
        if (!(options.weights[c.name] > 0))
          throw new Error(`concat: channel "${c.name}" has no positive weight; give weights for ${channels.map((x) => x.name).join(', ')}`);
      }
      return [{ name, unit: 'cosine distance' }];
    },
    async combine(channels, context) {
      const squares = channels.map((c) => options.weights[c.name] ** 2);
      const total = squares.reduce((a, b) => a + b, 0);
      const perChannel = channels.map((c) => distancesFrom(c.features));
      const distanceFrom = (a: number) => {
        const from = perChannel.map((f) => f(a));
        return (b: number): number => {
          let similarity = 0;
          for (let i = 0; i < from.length; i++) similarity += squares[i] * (1 - from[i](b));
          return 1 - similarity / total;
        };
      };
      const lists = rankCandidates(
        channels.map((c) => c.lists),
        distanceFrom,
        context.k,
      );
      return unionMatcher([
        { name, lists, unit: 'cosine distance', grid: options.grid, minMatches: 1, source: true },
        ...channels.map(asDisplay),
      ]);
    },
  };
}
