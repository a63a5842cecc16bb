// The channel pipeline, one gallery at a time: extract each channel's features, check them, search
// the gallery against itself, rank other channels' candidates where a channel asks for that, and let
// the combiner make the matcher.
import type { Posting } from '@prodmatch/data';
import type { FeatureContext, FeatureMatrix, ResolvedFeature } from '@prodmatch/features';
import type { DistanceUnit, NeighbourLists } from '@prodmatch/knn';
import type { ChannelGallery, CombineContext, Combiner, GalleryMatcher } from './combiner.ts';
import { distancesFrom, rankCandidates, searchGallery, searchesOffThread, type KnnSpec } from './search.ts';

/** A channel of a run, resolved: its feature (config parsed, extractor made), kNN, grid and min2. */
export interface Channel {
  name: string;
  feature: ResolvedFeature;
  unit: DistanceUnit;
  knn: KnnSpec;
  grid: readonly number[];
  minMatches: number;
}

/** Seconds spent per stage, added to as galleries are embedded and searched. */
export interface StageTimings {
  embed: number;
  search: number;
}

export const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

/** NaN or infinite features would silently rank garbage; name the posting instead. */
export function assertFinite(features: FeatureMatrix, postings: readonly Posting[], source: string): void {
  if (features.kind === 'hash64') return;
  const { data, dim } = features.kind === 'dense' ? features.matrix : { data: features.matrix.values, dim: 0 };
  for (let i = 0; i < data.length; i++) {
    if (Number.isFinite(data[i])) continue;
    const row = features.kind === 'dense' ? Math.floor(i / dim) : sparseRowOf(features.matrix.indptr, i);
    throw new Error(
      `${source}: the embedding of posting_id "${postings[row]?.postingId}" contains ${data[i]}; check that posting's input (image/title) and the model's training (loss may have diverged)`,
    );
  }
}

function sparseRowOf(indptr: Int32Array, entry: number): number {
  let row = 0;
  while (indptr[row + 1] <= entry) row++;
  return row;
}

/**
 * Every channel's features and top-k lists on one gallery. Searches that run on a worker thread start
 * first, so they overlap the ones that block this thread; channels that rank other channels'
 * candidates go last.
 */
export async function channelGalleries(
  channels: readonly Channel[],
  gallery: readonly Posting[],
  context: FeatureContext,
  timings: StageTimings,
  label: string,
): Promise<ChannelGallery[]> {
  const features = new Map<string, FeatureMatrix>();
  for (const channel of channels) {
    const t = process.hrtime.bigint();
    const matrix = await channel.feature.extractor.extract(gallery, context);
    assertFinite(matrix, gallery, `${context.dataset.train.path} (${label} gallery, channel ${channel.name})`);
    if (matrix.matrix.rows !== gallery.length)
      throw new Error(`channel ${channel.name}: features have ${matrix.matrix.rows} rows for ${gallery.length} postings`);
    features.set(channel.name, matrix);
    timings.embed += seconds(t);
  }
  const matrixOf = (channel: Channel): FeatureMatrix => features.get(channel.name) as FeatureMatrix;
  const t = process.hrtime.bigint();
  const lists = new Map<string, NeighbourLists>();
  const searched = channels.filter((c) => !c.knn.candidatesFrom);
  const offThread = searched.filter((c) => searchesOffThread(matrixOf(c), c.knn));
  const ordered = [...offThread, ...searched.filter((c) => !offThread.includes(c))];
  await Promise.all(ordered.map((c) => searchGallery(matrixOf(c), c.knn, context.tf).then((found) => lists.set(c.name, found))));
  for (const channel of channels) {
    if (!channel.knn.candidatesFrom) continue;
    const candidates = channel.knn.candidatesFrom.map((name) => {
      const found = lists.get(name);
      if (!found)
        throw new Error(
          `channel ${channel.name} ranks the candidates of "${name}", which itself takes candidates from others; let it search on its own`,
        );
      return found;
    });
    lists.set(channel.name, rankCandidates(candidates, distancesFrom(matrixOf(channel)), channel.knn.k));
  }
  timings.search += seconds(t);
  return channels.map((c) => ({
    name: c.name,
    features: matrixOf(c),
    lists: lists.get(c.name) as NeighbourLists,
    unit: c.unit,
    grid: c.grid,
    minMatches: c.minMatches,
  }));
}

/** What a combiner may call on a gallery: the search of the run's dense channel settings, k, the postings. */
export function combineContext(channels: readonly Channel[], gallery: readonly Posting[], context: FeatureContext): CombineContext {
  const dense = channels.find((c) => c.knn.method !== undefined) ?? channels[0];
  return {
    search: (matrix, k) => searchGallery(matrix, { k, method: dense.knn.method }, context.tf),
    k: channels[0].knn.k,
    postings: gallery,
    tf: context.tf,
  };
}

/** One gallery through the whole pipeline: channels embedded and searched, then combined. */
export async function embedGallery(
  channels: readonly Channel[],
  combiner: Combiner,
  gallery: readonly Posting[],
  context: FeatureContext,
  timings: StageTimings,
  label: string,
  crossFit?: CombineContext['crossFit'],
  measure?: CombineContext['measure'],
): Promise<{ matcher: GalleryMatcher; channels: ChannelGallery[] }> {
  const galleries = await channelGalleries(channels, gallery, context, timings, label);
  const t = process.hrtime.bigint();
  const matcher = await combiner.combine(galleries, { ...combineContext(channels, gallery, context), crossFit, measure });
  timings.search += seconds(t);
  return { matcher, channels: galleries };
}
