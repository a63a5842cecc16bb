import type { CandidatePairs } from './candidates.ts';

/**
 * The strongest two-step path between i and j through a third posting k among i's candidates:
 * max over k of min(s(i, k), s(k, j)), 0 when no such path (or both links) exist. Links below `floor` are
 * skipped (they cannot make a path that matters). Symmetric scores give a symmetric result.
 *
 * Walked from each row i outwards: for each strong link (i, k), every candidate j of k that is also a
 * candidate of i gets the path through k. Most of a row's links are weak, so this visits a few rows'
 * lists per row instead of searching k's list for every pair (i, j).
 */
export function twoHopScores(pairs: CandidatePairs, scores: Float32Array, floor = 0.05): Float32Array {
  const { right, offsets } = pairs;
  const out = new Float32Array(scores.length);
  // The pair index of (i, j) for the current row i, -1 where j is not i's candidate.
  const pairOf = new Int32Array(pairs.rows).fill(-1);
  for (let i = 0; i < pairs.rows; i++) {
    for (let p = offsets[i]; p < offsets[i + 1]; p++) pairOf[right[p]] = p;
    for (let q = offsets[i]; q < offsets[i + 1]; q++) {
      const link = scores[q];
      if (link < floor) continue;
      const k = right[q];
      for (let r = offsets[k]; r < offsets[k + 1]; r++) {
        const p = pairOf[right[r]];
        if (p < 0) continue;
        const path = link < scores[r] ? link : scores[r];
        if (path > out[p]) out[p] = path;
      }
    }
    for (let p = offsets[i]; p < offsets[i + 1]; p++) pairOf[right[p]] = -1;
  }
  return out;
}

export interface Smoothing {
  /** Weight of the two-hop score: s <- (1 - lambda) s + lambda twoHop(s). 0 leaves the scores as they are. */
  lambda: number;
  /** Times the step is applied (each on the previous step's scores). */
  passes: number;
}

/**
 * Transitivity on the pair graph: postings of one product are often linked through a third posting
 * more clearly than directly (a blurry photo, a terse title), so each pair's score is mixed with its
 * strongest two-step path. Chosen on val like the cut; lambda 0 is always among the options.
 */
export function smoothScores(pairs: CandidatePairs, scores: Float32Array, smoothing: Smoothing): Float32Array {
  let current = scores;
  if (smoothing.lambda === 0) return current;
  for (let pass = 0; pass < smoothing.passes; pass++) {
    const hop = twoHopScores(pairs, current);
    const next = new Float32Array(current.length);
    for (let p = 0; p < next.length; p++) next[p] = (1 - smoothing.lambda) * current[p] + smoothing.lambda * hop[p];
    current = next;
  }
  return current;
}
