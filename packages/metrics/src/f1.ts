/** Kaggle's Shopee scoring caps every prediction list at 50 postings. */
export const MATCH_CAP = 50;

export interface MatchScores {
  /** Mean over rows of 2|P∩T| / (|P| + |T|): the competition score. */
  f1: number;
  precision: number;
  recall: number;
}

/** Dense integer ids for labels, so per-row intersections are integer comparisons. */
export function labelIds(labels: ArrayLike<string>): { ids: Int32Array; groupSize: Int32Array } {
  const idOf = new Map<string, number>();
  const ids = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    let id = idOf.get(labels[i]);
    if (id === undefined) idOf.set(labels[i], (id = idOf.size));
    ids[i] = id;
  }
  const groupSize = new Int32Array(idOf.size);
  for (let i = 0; i < ids.length; i++) groupSize[ids[i]]++;
  return { ids, groupSize };
}

/**
 * Scores match predictions as Kaggle does: each row's prediction always contains the row itself,
 * duplicates count once, and only the first 50 distinct postings (self first) count. The truth set
 * of a row is every row with the same label (self included).
 */
export function matchScores(predictions: readonly ArrayLike<number>[], labels: ArrayLike<string>, perRow?: Float64Array): MatchScores {
  const n = labels.length;
  if (predictions.length !== n) throw new Error(`matchScores: ${predictions.length} prediction lists for ${n} labelled rows`);
  if (n === 0) throw new Error('matchScores: no rows to score');
  const { ids, groupSize } = labelIds(labels);
  // Per-row stamp instead of a Set: marks which indices this row already counted.
  const stamp = new Int32Array(n).fill(-1);
  let f1 = 0;
  let precision = 0;
  let recall = 0;
  for (let i = 0; i < n; i++) {
    stamp[i] = i;
    let size = 1;
    let hits = 1;
    const list = predictions[i];
    for (let j = 0; j < list.length && size < MATCH_CAP; j++) {
      const other = list[j];
      if (other < 0 || other >= n || !Number.isInteger(other)) throw new Error(`matchScores: row ${i} predicts index ${other}, outside 0..${n - 1}`);
      if (stamp[other] === i) continue;
      stamp[other] = i;
      size++;
      if (ids[other] === ids[i]) hits++;
    }
    const truth = groupSize[ids[i]];
    const rowF1 = (2 * hits) / (size + truth);
    if (perRow) perRow[i] = rowF1;
    f1 += rowF1;
    precision += hits / size;
    recall += hits / truth;
  }
  return { f1: f1 / n, precision: precision / n, recall: recall / n };
}
