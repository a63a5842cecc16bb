import type { DistanceUnit, NeighbourLists } from '@prodmatch/knn';
import type { FeatureMatrix } from './features.ts';

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

/**
 * What a combiner makes of the channels on one gallery: the lists whose thresholded union is the match
 * set, and, for matchers that are no thresholded union (clustering), the match function itself, called
 * with the sources' thresholds in order.
 */
export interface GalleryMatcher {
  lists: MatchList[];
  matchesAt?: (thresholds: readonly number[]) => ArrayLike<number>[];
}

export interface CombineContext {
  /** The runner's search of a feature matrix against itself (exact or ANN by the channel's settings). */
  search(features: FeatureMatrix, k: number): Promise<NeighbourLists>;
  /** Neighbours to keep per row in lists a combiner makes (the first channel's k). */
  k: number;
}

export interface Combiner {
  name: string;
  /** Recorded in the result row. */
  params: Record<string, unknown>;
  /** Source list names, known before any gallery is embedded, so --threshold flags can be checked up front. */
  sources(channels: readonly { name: string; unit: DistanceUnit }[]): { name: string; unit: DistanceUnit }[];
  combine(channels: readonly ChannelGallery[], context: CombineContext): Promise<GalleryMatcher>;
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
