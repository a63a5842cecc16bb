import type { Posting } from '@prodmatch/data';
import type { FeatureMatrix } from '@prodmatch/features';
import type { DistanceUnit, NeighbourLists } from '@prodmatch/knn';
import type { MatchScores } from '@prodmatch/metrics';
import type { TfRuntime } from '@prodmatch/tf';

/** One channel's features and top-k lists on one gallery. */
export interface ChannelGallery {
  name: string;
  features: FeatureMatrix;
  lists: NeighbourLists;
  unit: DistanceUnit;
  /** The channel's threshold grid. */
  grid: readonly number[];
  /** Per-channel min2: keep at least this many of the channel's own postings, self included. */
  minMatches: number;
}

/** A neighbour list the matcher thresholds (a source) or keeps only to show distances beside a match. */
export interface MatchList {
  name: string;
  lists: NeighbourLists;
  unit: DistanceUnit;
  grid: readonly number[];
  minMatches: number;
  source: boolean;
}

/** Why a learned matcher scored a pair as it did (the explorer shows it beside a match). */
export interface PairExplanation {
  /** The pair's final score (symmetrised, smoothed): it matches at or above the cut, 1 - the rerank threshold. */
  score: number;
  /**
   * Three features: for a linear model the largest contributions to the logit (weight x standardised
   * input); for the others the pair's most unusual values (largest |z| against the gallery's pairs).
   */
  features: { name: string; value: number; contribution: number | null }[];
}

export interface PostProcessing {
  /** min2 after fusion: at least this many matches per row, self included. Default 1. */
  minMatches?: number;
  cap?: number;
}

/** Scores one gallery's matches against its labels, at any thresholds (tuning calls it hundreds of times). */
export interface GalleryScorer {
  score(thresholds: readonly number[]): MatchScores;
  rowF1(thresholds: readonly number[]): Float64Array;
}

/**
 * What a combiner makes of the channels on one gallery. Every matcher answers the same two questions
 * at the sources' thresholds (in order): which postings match each row, and how well, against labels.
 */
export interface GalleryMatcher {
  /** Every list kept: the thresholded sources and the ones shown beside a match. */
  lists: MatchList[];
  /** False when the matches are no thresholded union of `lists` (a clustering): a viewer cannot re-make them. */
  recomputable: boolean;
  matches(thresholds: readonly number[], post: PostProcessing): ArrayLike<number>[];
  scorer(labels: readonly string[], post: PostProcessing): GalleryScorer;
  /** A learned matcher's reasons for pair (i, j), or null when it is no candidate; absent for threshold matchers. */
  explain?(i: number, j: number): PairExplanation | null;
}

export interface CombineContext {
  /** The runner's search of a feature matrix against itself (exact or ANN by the channel's settings). */
  search(features: FeatureMatrix, k: number): Promise<NeighbourLists>;
  /** Neighbours to keep per row in lists a combiner makes (the first channel's k). */
  k: number;
  /** The gallery's postings (titles, ids), for combiners that read more than the channels. */
  postings: readonly Posting[];
  /** The run's tfjs runtime, loaded on first call (a combiner that trains with tfjs, so the row names its backend). */
  tf(): Promise<TfRuntime>;
  /**
   * Set when this gallery is also the one a learning combiner must learn from (protocol full): its
   * labels, so the combiner can cross-fit by group folds instead of scoring rows it learnt from.
   */
  crossFit?: { labels: readonly string[]; seed: number };
  /**
   * Set on the gallery the thresholds are tuned on under split (val): its labels, so a learning combiner
   * can measure itself there for the row (permutation importance). It never learns from them.
   */
  measure?: { labels: readonly string[] };
}

export interface Combiner {
  name: string;
  /** Recorded in the result row. */
  params: Record<string, unknown>;
  /** Source list names, known before any gallery is embedded, so --threshold flags can be checked up front. */
  sources(channels: readonly { name: string; unit: DistanceUnit }[]): { name: string; unit: DistanceUnit }[];
  /** Combiners that learn do it here, from the train split's gallery and labels; the others omit it. */
  fit?(channels: readonly ChannelGallery[], labels: readonly string[], context: CombineContext): Promise<void>;
  combine(channels: readonly ChannelGallery[], context: CombineContext): Promise<GalleryMatcher>;
  /**
   * True when the combiner reads a source channel's lists only within that source's threshold (beyond it
   * only for a min-matches top-up). A submission, whose thresholds are fixed, may then stop a channel's
   * search at its threshold (runner/src/search-cuts.ts).
   */
  readsWithinThresholds?: boolean;
}

export const asSource = (channel: ChannelGallery): MatchList => ({
  name: channel.name,
  lists: channel.lists,
  unit: channel.unit,
  grid: channel.grid,
  minMatches: channel.minMatches,
  source: true,
});

export const asDisplay = (channel: ChannelGallery): MatchList => ({ ...asSource(channel), source: false });
