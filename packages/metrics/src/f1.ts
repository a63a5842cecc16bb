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
 * Kaggle's per-row score over one gallery, as state: each posting's label group, the cap, and the row
 * being scored (its predicted set P so far, and |P∩T|). Made once per gallery (rowScoring) and reused for
 * every row, so scoring allocates nothing.
 */
export interface RowScoring {
  /** Each posting's label id: j is a true match of row i when group[j] === group[i]. */
  readonly group: Int32Array;
  /** Each label id's number of postings. */
  readonly groupSize: Int32Array;
  /** Only the first `cap` distinct postings of P (the row itself first) count. */
  readonly cap: number;
  /** Scratch: seen[j] === mark while posting j is in P. */
  readonly seen: Int32Array;
  mark: number;
  /** The row being scored. */
  row: number;
  /** |P|: the row itself, then each counted match once, at most `cap`. */
  predicted: number;
  /** |P∩T|: the postings of P in the row's label group (the row itself included). */
  hits: number;
  /** |T|: the row's label group, the row itself included (set by finishRow). */
  truth: number;
}

export function rowScoring(group: Int32Array, groupSize: Int32Array, cap: number = MATCH_CAP): RowScoring {
  return { group, groupSize, cap, seen: new Int32Array(group.length), mark: 0, row: -1, predicted: 0, hits: 0, truth: 0 };
}

/** Starts scoring `row`: P holds the row itself, which Kaggle counts whether it was predicted or not. */
export function startRow(scoring: RowScoring, row: number): void {
  // A fresh mark per row instead of clearing `seen`: marks of earlier rows never equal it.
  let mark = ++scoring.mark;
  if (mark === 0x7fffffff) {
    scoring.seen.fill(0);
    mark = scoring.mark = 1;
  }
  scoring.seen[row] = mark;
  scoring.row = row;
  scoring.predicted = 1;
  scoring.hits = 1;
}

/** Adds posting `j` (a valid gallery index) to P: once, and only while |P| is under the cap. */
export function countMatch(scoring: RowScoring, j: number): void {
  const { seen, mark } = scoring;
  if (scoring.predicted >= scoring.cap || seen[j] === mark) return;
  seen[j] = mark;
  scoring.predicted++;
  if (scoring.group[j] === scoring.group[scoring.row]) scoring.hits++;
}

/** The row's F1, 2|P∩T| / (|P| + |T|); precision is hits / predicted and recall hits / truth. */
export function finishRow(scoring: RowScoring): number {
  const truth = (scoring.truth = scoring.groupSize[scoring.group[scoring.row]]);
  return (2 * scoring.hits) / (scoring.predicted + truth);
}

/**
 * Kaggle's F1 of one row, the one definition behind every score: matchScores here, the fast union scorer
 * in @prodmatch/match, the explorer's server and its page. P is the row itself, then `matches[0 .. length)`
 * in order, duplicates once, at most `scoring.cap` postings; T is the row's label group. The counts stay
 * in `scoring` (predicted, hits, truth). A scorer that walks several lists per row calls its steps
 * (startRow, countMatch per posting, finishRow) inside its own walk: calling rowF1 per list measured
 * 40% slower in the joint-tuning loop (packages/match/bench/scorer.ts).
 */
export function rowF1(scoring: RowScoring, row: number, matches: ArrayLike<number>, length: number = matches.length): number {
  const n = scoring.seen.length;
  startRow(scoring, row);
  for (let c = 0; c < length && scoring.predicted < scoring.cap; c++) {
    const j = matches[c];
    if (j >>> 0 !== j || j >= n) throw new RangeError(`row ${row} predicts index ${j}, outside 0..${n - 1}`);
    countMatch(scoring, j);
  }
  return finishRow(scoring);
}

/**
 * Scores match predictions as Kaggle does (rowF1 per row): each row's prediction always contains the row
 * itself, duplicates count once, and only the first 50 distinct postings (self first) count. The truth set
 * of a row is every row with the same label (self included). `perRow`, when given, receives each row's F1.
 */
export function matchScores(predictions: readonly ArrayLike<number>[], labels: ArrayLike<string>, perRow?: Float64Array): MatchScores {
  const n = labels.length;
  if (predictions.length !== n) throw new Error(`matchScores: ${predictions.length} prediction lists for ${n} labelled rows`);
  if (n === 0) throw new Error('matchScores: no rows to score');
  const { ids, groupSize } = labelIds(labels);
  const scoring = rowScoring(ids, groupSize, MATCH_CAP);
  let f1 = 0;
  let precision = 0;
  let recall = 0;
  for (let i = 0; i < n; i++) {
    const score = rowF1(scoring, i, predictions[i]);
    if (perRow) perRow[i] = score;
    f1 += score;
    precision += scoring.hits / scoring.predicted;
    recall += scoring.hits / scoring.truth;
  }
  return { f1: f1 / n, precision: precision / n, recall: recall / n };
}
