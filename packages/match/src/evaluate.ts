import type { Posting } from '@prodmatch/data';
import type { MatchScores } from '@prodmatch/metrics';
import type { GalleryMatcher, PostProcessing } from './combiner.ts';
import { unionScorer } from './score.ts';

/** One labelled gallery, ready to be scored at any thresholds (one per source, in order). */
export interface EvaluatedGallery {
  rows: number;
  postings: readonly Posting[];
  matcher: GalleryMatcher;
  /** Each source's grid, with fixed thresholds added so a sweep passes through them. */
  grids: number[][];
  score(thresholds: readonly number[]): MatchScores;
  /** Per-row F1 at these thresholds (for intervals and paired comparisons). */
  rowF1(thresholds: readonly number[]): Float64Array;
  /** Source `s` on its own (its min2 and the post-fusion min2 still apply). */
  alone(s: number, threshold: number): MatchScores;
  matches(thresholds: readonly number[]): ArrayLike<number>[];
}

/** Scores are cached by thresholds: tuning, sweeps and the row ask for the same points again. */
export function evaluateGallery(
  matcher: GalleryMatcher,
  gallery: readonly Posting[],
  post: PostProcessing,
  fixed: readonly number[] | null,
): EvaluatedGallery {
  const sources = matcher.lists.filter((l) => l.source);
  const labels = gallery.map((p) => p.labelGroup as string);
  const grids = sources.map((s, i) => [...new Set([...s.grid, ...(fixed ? [fixed[i]] : [])])].sort((a, b) => a - b));
  const scorer = matcher.scorer(labels, post);
  const cache = new Map<string, MatchScores>();
  const score = (thresholds: readonly number[]): MatchScores => {
    const key = thresholds.join(',');
    let value = cache.get(key);
    if (value === undefined) cache.set(key, (value = scorer.score(thresholds)));
    return value;
  };
  const alone = (s: number, threshold: number): MatchScores =>
    sources.length === 1 || !matcher.recomputable ? score([threshold]) : unionScorer([sources[s]], labels, post).score([threshold]);
  return {
    rows: gallery.length,
    postings: gallery,
    matcher,
    grids,
    score,
    rowF1: (thresholds) => scorer.rowF1(thresholds),
    alone,
    matches: (thresholds) => matcher.matches(thresholds, post),
  };
}
