import type { CandidatePairs } from './candidates.ts';
import { pairIndex } from './candidates.ts';

/**
 * The strongest two-step path between i and j through a third posting k among i's candidates:
 * max over k of min(s(i, k), s(k, j)), 0 when no such path (or both links) exist. Links below `floor` are
 * skipped (they cannot make a path that matters). Symmetric scores give a symmetric result.
 */
export function twoHopScores(pairs: CandidatePairs, scores: Float32Array, floor = 0.05): Float32Array {
  const { left, right, offsets } = pairs;
  const out = new Float32Array(scores.length);
  for (let p = 0; p < scores.length; p++) {
    const i = left[p];
    const j = right[p];
    let best = 0;
    for (let q = offsets[i]; q < offsets[i + 1]; q++) {
      const link = scores[q];
      if (link < floor || link <= best) continue;
      const k = right[q];
      if (k === j) continue;
      const r = pairIndex(pairs, k, j);
      if (r >= 0) best = Math.max(best, Math.min(link, scores[r]));
    }
    out[p] = best;
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
