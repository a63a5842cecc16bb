import type { Posting } from '@prodmatch/data';
import type { NeighbourLists } from '@prodmatch/knn';
import { matchScores, type MatchScores } from '@prodmatch/metrics';
import { distancesFrom, rankCandidates, searchGallery, searchesOffThread, galleryMatches, unionScorer, type ChannelGallery, type FeatureMatrix, type GalleryMatcher, type KnnSpec } from '@prodmatch/match';
import type { DistanceUnit, PredictionRow } from '@prodmatch/results';
import type { FeatureExtractor } from './features.ts';
import type { PreparedExperiment } from './run.ts';
import { assertFinite } from './search.ts';

/** A channel of a prepared run: its features (built from the options) and resolved kNN settings. */
export interface ChannelPlan {
  name: string;
  features: FeatureExtractor;
  unit: DistanceUnit;
  knn: KnnSpec;
  grid: readonly number[];
  minMatches: number;
}

export const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

/**
 * Embeds one gallery in every channel and searches it once per channel (channels that rank other
 * channels' candidates go last), then lets the combiner build the matcher.
 */
export async function embedGallery(prepared: PreparedExperiment, gallery: readonly Posting[], label: string, timings: { embed: number; search: number }): Promise<{ matcher: GalleryMatcher; channels: ChannelGallery[] }> {
  const { channels, context, dataset, tf } = prepared;
  const features = new Map<string, FeatureMatrix>();
  const lists = new Map<string, NeighbourLists>();
  for (const channel of channels) {
    const t = process.hrtime.bigint();
    const matrix = await channel.features.extract(gallery, context);
    assertFinite(matrix, gallery, `${dataset.train.path} (${label} gallery, channel ${channel.name})`);
    if (matrix.matrix.rows !== gallery.length) throw new Error(`channel ${channel.name}: features have ${matrix.matrix.rows} rows for ${gallery.length} postings`);
    features.set(channel.name, matrix);
    timings.embed += seconds(t);
  }
  // Searches that run on a worker thread start first, so they overlap the ones that block this thread.
  let t = process.hrtime.bigint();
  const searched = channels.filter((c) => !c.knn.candidatesFrom);
  const ordered = [...searched.filter((c) => searchesOffThread(features.get(c.name) as FeatureMatrix, c.knn)), ...searched.filter((c) => !searchesOffThread(features.get(c.name) as FeatureMatrix, c.knn))];
  const pending = ordered.map((c) => searchGallery(features.get(c.name) as FeatureMatrix, c.knn, tf.load).then((found) => lists.set(c.name, found)));
  await Promise.all(pending);
  timings.search += seconds(t);
  t = process.hrtime.bigint();
  for (const channel of channels) {
    if (!channel.knn.candidatesFrom) continue;
    const matrix = features.get(channel.name) as FeatureMatrix;
    const candidates = channel.knn.candidatesFrom.map((name) => lists.get(name) ?? missingCandidates(channel.name, name));
    lists.set(channel.name, rankCandidates(candidates, distancesFrom(matrix), channel.knn.k));
  }
  const channelGalleries: ChannelGallery[] = channels.map((c) => ({ name: c.name, features: features.get(c.name) as FeatureMatrix, lists: lists.get(c.name) as NeighbourLists, unit: c.unit, grid: c.grid, minMatches: c.minMatches }));
  const dense = channels.find((c) => c.knn.method !== undefined) ?? channels[0];
  const matcher = await prepared.combiner.combine(channelGalleries, {
    search: (matrix, k) => searchGallery(matrix, { k, method: dense.knn.method }, tf.load),
    k: channels[0].knn.k,
  });
  timings.search += seconds(t);
  return { matcher, channels: channelGalleries };
}

function missingCandidates(channel: string, from: string): never {
  throw new Error(`channel ${channel} ranks the candidates of "${from}", which itself takes candidates from others; let it search on its own`);
}

/** One gallery, ready to be scored at any thresholds (one per source, in order). */
export interface EvaluatedGallery {
  rows: number;
  postings: readonly Posting[];
  matcher: GalleryMatcher;
  /** Each source's grid, with a fixed --threshold value added so it can be swept through. */
  grids: number[][];
  score(thresholds: readonly number[]): MatchScores;
  /** Source `s` on its own (its min2 and the post-fusion min2 still apply). */
  alone(s: number, threshold: number): MatchScores;
  matchesAt(thresholds: readonly number[]): ArrayLike<number>[];
}

export function evaluateGallery(embedded: { matcher: GalleryMatcher }, gallery: readonly Posting[], prepared: PreparedExperiment): EvaluatedGallery {
  const { matcher } = embedded;
  const sources = matcher.lists.filter((l) => l.source);
  const labels = gallery.map((p) => p.labelGroup as string);
  const post = { minMatches: prepared.minMatches };
  const grids = sources.map((s, i) => [...new Set([...s.grid, ...(prepared.fixed ? [prepared.fixed[i]] : [])])].sort((a, b) => a - b));
  const scorer = unionScorer(sources, labels, post);
  const cache = new Map<string, MatchScores>();
  const matchesAt = (thresholds: readonly number[]): ArrayLike<number>[] => galleryMatches(matcher, thresholds, post);
  const score = (thresholds: readonly number[]): MatchScores => {
    const key = thresholds.join(',');
    let value = cache.get(key);
    if (value === undefined) cache.set(key, (value = matcher.matchesAt ? matchScores(matcher.matchesAt(thresholds), labels) : scorer.score(thresholds)));
    return value;
  };
  const alone = (s: number, threshold: number): MatchScores => (sources.length === 1 ? score([threshold]) : unionScorer([sources[s]], labels, post).score([threshold]));
  return { rows: gallery.length, postings: gallery, matcher, grids, score, alone, matchesAt };
}

/** The reported gallery's rows for the predictions file: every list's neighbours and the chosen matches. */
export function* predictionRows(evaluated: EvaluatedGallery, chosen: readonly number[]): Generator<PredictionRow> {
  const matches = evaluated.matchesAt(chosen);
  for (let i = 0; i < evaluated.rows; i++) {
    const neighbours: PredictionRow['neighbours'] = {};
    for (const list of evaluated.matcher.lists) neighbours[list.name] = [Array.from(list.lists.indices[i]), Array.from(list.lists.distances[i])];
    yield { postingId: evaluated.postings[i].postingId, labelGroup: evaluated.postings[i].labelGroup ?? null, neighbours, matches: Array.from(matches[i]) };
  }
}
