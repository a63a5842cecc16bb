import { countMatch, finishRow, labelIds, matchesWithin, rowScoring, startRow, MATCH_CAP, type MatchScores } from '@prodmatch/metrics';
import type { NeighbourLists } from '@prodmatch/knn';
import type { GalleryMatcher, GalleryScorer, MatchList, PostProcessing } from './combiner.ts';

export interface ScoredSource {
  lists: NeighbourLists;
  minMatches: number;
}

/**
 * Scores the thresholded union (metrics' matchesWithin rule) without building match lists: tuning calls it
 * hundreds of times per gallery, so each row is counted in place, in one walk over its sources, with the
 * steps of metrics' rowF1 (startRow, countMatch, finishRow: the one per-row F1). Its result equals
 * matchScores(matchesWithin(...)) exactly (match.test.ts checks that on random lists).
 */
export function unionScorer(sources: readonly ScoredSource[], labels: readonly string[], post: PostProcessing = {}): GalleryScorer {
  const n = labels.length;
  const cap = post.cap ?? MATCH_CAP;
  const minMatches = Math.min(post.minMatches ?? 1, cap);
  const { ids, groupSize } = labelIds(labels);
  const row = rowScoring(ids, groupSize, cap);
  // Each source's lists flattened into one offsets/indices/distances triple: one typed-array walk per row
  // instead of an array of small arrays, which is what makes hundreds of evaluations per gallery cheap.
  const flat = sources.map((s) => {
    if (s.lists.indices.length !== n) throw new Error(`unionScorer: a source has ${s.lists.indices.length} rows, the gallery ${n}`);
    const offsets = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i] + s.lists.indices[i].length;
    const indices = new Int32Array(offsets[n]);
    const distances = new Float32Array(offsets[n]);
    for (let i = 0; i < n; i++) {
      indices.set(s.lists.indices[i], offsets[i]);
      distances.set(s.lists.distances[i], offsets[i]);
    }
    return { offsets, indices, distances, keep: s.minMatches };
  });

  const run = (thresholds: readonly number[], perRow: Float64Array | null): MatchScores => {
    if (thresholds.length !== sources.length) throw new Error(`unionScorer: ${thresholds.length} thresholds for ${sources.length} sources`);
    const limits = thresholds.map((t) => Math.fround(t));
    let f1 = 0;
    let precision = 0;
    let recall = 0;
    for (let i = 0; i < n; i++) {
      startRow(row, i);
      for (let s = 0; s < flat.length; s++) {
        const { offsets, indices, distances, keep } = flat[s];
        const limit = limits[s];
        let kept = 1;
        for (let c = offsets[i], end = offsets[i + 1]; c < end; c++) {
          const j = indices[c];
          if (j === i) continue;
          if (!(distances[c] <= limit) && kept >= keep) break;
          kept++;
          countMatch(row, j);
        }
      }
      // min2 after fusion: top up from the first source's nearest.
      if (row.predicted < minMatches && flat.length > 0) {
        const { offsets, indices } = flat[0];
        for (let c = offsets[i], end = offsets[i + 1]; c < end && row.predicted < minMatches; c++) countMatch(row, indices[c]);
      }
      const score = finishRow(row);
      if (perRow) perRow[i] = score;
      f1 += score;
      precision += row.hits / row.predicted;
      recall += row.hits / row.truth;
    }
    return { f1: f1 / n, precision: precision / n, recall: recall / n };
  };
  return {
    score: (thresholds) => run(thresholds, null),
    rowF1(thresholds) {
      const out = new Float64Array(n);
      run(thresholds, out);
      return out;
    },
  };
}

/** The match lists themselves, by the same rule. */
export function unionMatches(sources: readonly ScoredSource[], thresholds: readonly number[], post: PostProcessing = {}): number[][] {
  const n = sources[0]?.lists.indices.length ?? 0;
  return Array.from({ length: n }, (_, row) =>
    matchesWithin(
      row,
      sources.map((s, i) => ({
        indices: s.lists.indices[row],
        distances: s.lists.distances[row],
        threshold: thresholds[i],
        minMatches: s.minMatches,
      })),
      post,
    ),
  );
}

/** The thresholded union of a combiner's source lists (the others are kept for display). */
export function unionMatcher(lists: MatchList[]): GalleryMatcher {
  const sources = lists.filter((l) => l.source);
  return {
    lists,
    recomputable: true,
    matches: (thresholds, post) => unionMatches(sources, thresholds, post),
    scorer: (labels, post) => unionScorer(sources, labels, post),
  };
}
