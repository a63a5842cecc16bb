import { labelIds, MATCH_CAP, type MatchScores } from '@prodmatch/metrics';
import { reversePairs, type CandidatePairs } from './candidates.ts';
import { smoothScores, type Smoothing } from './smoothing.ts';

/** How p(i, j) and p(j, i) become one score for the pair (both directions get the same score). */
export type Symmetrisation = 'mean' | 'geometric' | 'min' | 'max';
export const SYMMETRISATIONS: readonly Symmetrisation[] = ['mean', 'geometric', 'min', 'max'];

export function symmetricScores(
  pairs: CandidatePairs,
  probabilities: Float32Array,
  rule: Symmetrisation,
  reverse: Int32Array = reversePairs(pairs),
): Float32Array {
  if (probabilities.length !== pairs.left.length)
    throw new Error(`symmetricScores: ${probabilities.length} probabilities for ${pairs.left.length} pairs`);
  const out = new Float32Array(probabilities.length);
  for (let p = 0; p < out.length; p++) {
    const a = probabilities[p];
    const b = probabilities[reverse[p]];
    out[p] = rule === 'mean' ? (a + b) / 2 : rule === 'geometric' ? Math.sqrt(a * b) : rule === 'min' ? Math.min(a, b) : Math.max(a, b);
  }
  return out;
}

export interface DecisionPost {
  /** min2: rows with fewer matches (self included) than this take their best-scored candidates. Default 2. */
  minMatches?: number;
  /** At most this many postings per row, self included. Default 50 (Kaggle's cap). */
  cap?: number;
}

/** Each row's pair indices, best score first (ties: lower partner index first). */
function rankedPairs(pairs: CandidatePairs, scores: Float32Array): Int32Array {
  const order = new Int32Array(pairs.left.length);
  for (let p = 0; p < order.length; p++) order[p] = p;
  for (let i = 0; i < pairs.rows; i++) {
    order.subarray(pairs.offsets[i], pairs.offsets[i + 1]).sort((x, y) => scores[y] - scores[x] || pairs.right[x] - pairs.right[y]);
  }
  return order;
}

/** How many of a row's ranked pairs the rule keeps at `cut`: those scoring >= cut, topped up to min2, capped. */
function keptCount(
  scores: Float32Array,
  order: Int32Array,
  start: number,
  end: number,
  cut: number,
  minOthers: number,
  maxOthers: number,
): number {
  // Binary search for the first ranked pair below the cut.
  let lo = start;
  let hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (scores[order[mid]] >= cut) lo = mid + 1;
    else hi = mid;
  }
  return Math.min(Math.max(lo - start, Math.min(minOthers, end - start)), maxOthers);
}

/**
 * The matches of every row: itself, then its candidates scoring at least `cut`, best first; a row left
 * with fewer than minMatches postings takes its best-scored candidates (min2); at most `cap`.
 */
export function rerankMatches(pairs: CandidatePairs, scores: Float32Array, cut: number, post: DecisionPost = {}): Int32Array[] {
  const cap = post.cap ?? MATCH_CAP;
  const minOthers = Math.max(0, Math.min(post.minMatches ?? 2, cap) - 1);
  const order = rankedPairs(pairs, scores);
  const limit = Math.fround(cut);
  return Array.from({ length: pairs.rows }, (_, i) => {
    const start = pairs.offsets[i];
    const kept = keptCount(scores, order, start, pairs.offsets[i + 1], limit, minOthers, cap - 1);
    const out = new Int32Array(kept + 1);
    out[0] = i;
    for (let c = 0; c < kept; c++) out[c + 1] = pairs.right[order[start + c]];
    return out;
  });
}

/**
 * Scores rerankMatches at any cut without building lists: each row's pairs are ranked once with a
 * running count of true matches, so one cut costs a binary search per row. Equal to
 * matchScores(rerankMatches(...)) (tested).
 */
export function cutScorer(
  pairs: CandidatePairs,
  scores: Float32Array,
  labels: readonly string[],
  post: DecisionPost = {},
): { score(cut: number): MatchScores; rowF1(cut: number): Float64Array } {
  if (labels.length !== pairs.rows) throw new Error(`cutScorer: ${labels.length} labels for ${pairs.rows} rows`);
  const cap = post.cap ?? MATCH_CAP;
  const minOthers = Math.max(0, Math.min(post.minMatches ?? 2, cap) - 1);
  const { ids, groupSize } = labelIds(labels);
  const order = rankedPairs(pairs, scores);
  // hitsBefore[c]: true matches among the row's first (c - start) ranked pairs.
  const hitsBefore = new Int32Array(order.length + pairs.rows);
  for (let i = 0; i < pairs.rows; i++) {
    const base = pairs.offsets[i] + i;
    hitsBefore[base] = 0;
    for (let c = pairs.offsets[i]; c < pairs.offsets[i + 1]; c++)
      hitsBefore[base + c - pairs.offsets[i] + 1] =
        hitsBefore[base + c - pairs.offsets[i]] + (ids[pairs.right[order[c]]] === ids[i] ? 1 : 0);
  }
  const run = (cut: number, perRow: Float64Array | null): MatchScores => {
    const limit = Math.fround(cut);
    let f1 = 0;
    let precision = 0;
    let recall = 0;
    for (let i = 0; i < pairs.rows; i++) {
      const start = pairs.offsets[i];
      const kept = keptCount(scores, order, start, pairs.offsets[i + 1], limit, minOthers, cap - 1);
      const hits = 1 + hitsBefore[start + i + kept];
      const size = 1 + kept;
      const truth = groupSize[ids[i]];
      const rowF1 = (2 * hits) / (size + truth);
      if (perRow) perRow[i] = rowF1;
      f1 += rowF1;
      precision += hits / size;
      recall += hits / truth;
    }
    const n = pairs.rows;
    return { f1: f1 / n, precision: precision / n, recall: recall / n };
  };
  return {
    score: (cut) => run(cut, null),
    rowF1(cut) {
      const out = new Float64Array(pairs.rows);
      run(cut, out);
      return out;
    },
  };
}

/** The default grid of cuts on a pair probability. */
export const CUT_GRID: readonly number[] = Array.from({ length: 99 }, (_, i) => Math.round((0.01 + 0.01 * i) * 100) / 100);

/** The default smoothing options: none, and one or two passes at a few weights. */
export const SMOOTHING_GRID: readonly Smoothing[] = [
  { lambda: 0, passes: 0 },
  ...[0.2, 0.3, 0.4, 0.5].flatMap((lambda) => [1, 2].map((passes) => ({ lambda, passes }))),
];

/** Everything the decision stage applies to a model's pair probabilities, chosen on val. */
export interface Decision {
  rule: Symmetrisation;
  smoothing: Smoothing;
  cut: number;
}

export interface DecisionChoice extends Decision {
  f1: number;
  /** F1 at every (rule, smoothing, cut) tried, on the tuning gallery. */
  sweep: { rule: Symmetrisation; lambda: number; passes: number; cut: number; f1: number }[];
}

/** The final pair scores of a decision: symmetrised, then smoothed. */
export function decisionScores(
  pairs: CandidatePairs,
  probabilities: Float32Array,
  decision: Omit<Decision, 'cut'>,
  reverse?: Int32Array,
): Float32Array {
  return smoothScores(pairs, symmetricScores(pairs, probabilities, decision.rule, reverse), decision.smoothing);
}

/** The matches a decision makes (see rerankMatches). */
export function decide(pairs: CandidatePairs, probabilities: Float32Array, decision: Decision, post: DecisionPost = {}): Int32Array[] {
  return rerankMatches(pairs, decisionScores(pairs, probabilities, decision), decision.cut, post);
}

/**
 * The symmetrisation rule, smoothing and cut that maximise F1 on a tuning gallery (ties: the earlier
 * option, the lower cut). Rules are compared without smoothing; the smoothing grid is then tried with
 * the best rule.
 */
export function chooseDecision(
  pairs: CandidatePairs,
  probabilities: Float32Array,
  labels: readonly string[],
  options: { rules?: readonly Symmetrisation[]; smoothing?: readonly Smoothing[]; cuts?: readonly number[]; post?: DecisionPost } = {},
): DecisionChoice {
  const reverse = reversePairs(pairs);
  const sweep: DecisionChoice['sweep'] = [];
  let best: (Decision & { f1: number }) | null = null;
  const tryScores = (rule: Symmetrisation, smoothing: Smoothing, scores: Float32Array): void => {
    const scorer = cutScorer(pairs, scores, labels, options.post);
    for (const cut of options.cuts ?? CUT_GRID) {
      const { f1 } = scorer.score(cut);
      sweep.push({ rule, lambda: smoothing.lambda, passes: smoothing.passes, cut, f1 });
      if (!best || f1 > best.f1 + 1e-12) best = { rule, smoothing, cut, f1 };
    }
  };
  const none: Smoothing = { lambda: 0, passes: 0 };
  const symmetric = new Map<Symmetrisation, Float32Array>();
  for (const rule of options.rules ?? SYMMETRISATIONS) {
    symmetric.set(rule, symmetricScores(pairs, probabilities, rule, reverse));
    tryScores(rule, none, symmetric.get(rule) as Float32Array);
  }
  if (!best) throw new Error('chooseDecision: no rule or no cut to choose from');
  const rule = (best as Decision).rule;
  for (const smoothing of options.smoothing ?? SMOOTHING_GRID) {
    if (smoothing.lambda === 0) continue;
    tryScores(rule, smoothing, smoothScores(pairs, symmetric.get(rule) as Float32Array, smoothing));
  }
  const chosen = best as Decision & { f1: number };
  return { ...chosen, sweep };
}
