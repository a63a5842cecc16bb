import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countMatch, finishRow, labelIds, matchScores, MATCH_CAP, rowF1, rowScoring, startRow } from './f1.ts';
import { thresholdSweep, bestThreshold, thresholdGrid } from './sweep.ts';
import { unionMatches, longestMatches } from './combine.ts';

// Groups: rows 0,1,2 = A; row 3 = B; rows 4,5 = C.
const labels = ['A', 'A', 'A', 'B', 'C', 'C'];

test('perfect predictions score 1', () => {
  const s = matchScores([[0, 1, 2], [1, 0, 2], [2, 1, 0], [3], [4, 5], [5, 4]], labels);
  assert.deepEqual(s, { f1: 1, precision: 1, recall: 1 });
});

test('hand-computed partial case: self is added, duplicates count once', () => {
  // row0 predicts {0,1,3}: hits 2, |P| 3, |T| 3 -> f1 4/6
  // row1 predicts [] -> {1}: hits 1, |P| 1, |T| 3 -> f1 2/4
  // row2 predicts {2,0,0,1}: perfect -> 1
  // row3 predicts {3,0}: hits 1, |P| 2, |T| 1 -> 2/3
  // row4 predicts {4,5}: 1 ; row5 predicts {5}: hits 1, |P| 1, |T| 2 -> 2/3
  const s = matchScores([[1, 3], [], [0, 0, 1], [0], [5], []], labels);
  const f1 = (4 / 6 + 2 / 4 + 1 + 2 / 3 + 1 + 2 / 3) / 6;
  const precision = (2 / 3 + 1 + 1 + 1 / 2 + 1 + 1) / 6;
  const recall = (2 / 3 + 1 / 3 + 1 + 1 + 1 + 1 / 2) / 6;
  assert.ok(Math.abs(s.f1 - f1) < 1e-12, `${s.f1} vs ${f1}`);
  assert.ok(Math.abs(s.precision - precision) < 1e-12);
  assert.ok(Math.abs(s.recall - recall) < 1e-12);
});

test('predictions beyond 50 distinct postings are ignored', () => {
  const n = 120;
  const big = Array.from({ length: n }, (_, i) => (i < 60 ? 'G' : `other${i}`));
  // row 0 first lists 55 non-matching rows, then all its true matches: none of those count.
  const row0 = [...Array.from({ length: 55 }, (_, i) => 60 + i), ...Array.from({ length: 59 }, (_, i) => i + 1)];
  const preds = Array.from({ length: n }, (_, i) => (i === 0 ? row0 : [i]));
  const s = matchScores(preds, big);
  const row0F1 = (2 * 1) / (MATCH_CAP + 60);
  const rowsG = 59 * ((2 * 1) / (1 + 60));
  assert.ok(Math.abs(s.f1 - (row0F1 + rowsG + 60) / n) < 1e-12);
});

test("rowF1: the per-row score, by label ids or by a 0/1 membership of the row's group (the page), and by its steps", () => {
  const { ids, groupSize } = labelIds(labels);
  const scoring = rowScoring(ids, groupSize);
  // row0 predicts {0,1,3}: hits 2, |P| 3, |T| 3 -> 4/6; the row itself and duplicates count once.
  assert.equal(rowF1(scoring, 0, [1, 3, 0, 1]), 4 / 6);
  assert.deepEqual([scoring.predicted, scoring.hits, scoring.truth], [3, 2, 3]);
  assert.equal(rowF1(scoring, 0, [1, 3, 0, 1], 1), (2 * 2) / (2 + 3), 'only the first `length` entries');
  // The page knows only the query's group members: label 1 for them.
  const member = Int32Array.from(labels, (l) => (l === 'A' ? 1 : 0));
  assert.equal(rowF1(rowScoring(member, Int32Array.of(3, 3)), 0, [1, 3]), 4 / 6);
  // Scoring the same row twice in a row starts afresh.
  assert.equal(rowF1(scoring, 4, [5]), 1);
  assert.equal(rowF1(scoring, 4, []), 2 / 3);
  // The steps, as a scorer that walks several lists per row uses them; the cap counts the row itself.
  const capped = rowScoring(ids, groupSize, 2);
  startRow(capped, 1);
  for (const j of [3, 0, 2]) countMatch(capped, j);
  assert.equal(finishRow(capped), (2 * 1) / (2 + 3));
  assert.throws(() => rowF1(scoring, 0, [1, -1]), /row 0 predicts index -1, outside 0\.\.5/);
  assert.throws(() => rowF1(scoring, 0, [1.5]), /predicts index 1\.5/);
});

test('bad predictions are rejected with the row', () => {
  assert.throws(() => matchScores([[9], [], [], [], [], []], labels), /row 0 predicts index 9/);
  assert.throws(() => matchScores([[]], labels), /1 prediction lists for 6/);
});

test('thresholdSweep scores each threshold and picks the best, smaller on ties', () => {
  // A matcher that finds the whole group from 0.3 on, and adds a false match at 0.5.
  const perfect = [[0, 1, 2], [1, 0, 2], [2, 1, 0], [3], [4, 5], [5, 4]];
  const predictAt = (t: number) =>
    t < 0.3 ? labels.map((_, i) => [i]) : t < 0.5 ? perfect : perfect.map((l, i) => (i === 3 ? [3, 0] : l));
  const sweep = thresholdSweep(predictAt, labels, [0.1, 0.3, 0.4, 0.5]);
  assert.deepEqual(
    sweep.map((p) => p.threshold),
    [0.1, 0.3, 0.4, 0.5],
  );
  assert.equal(sweep[1].f1, 1);
  assert.equal(sweep[2].f1, 1);
  assert.ok(sweep[3].f1 < 1 && sweep[0].f1 < 1);
  assert.equal(bestThreshold(sweep).threshold, 0.3);
  assert.throws(() => thresholdSweep(predictAt, labels, []), /empty threshold grid/);
});

test('thresholdGrid is inclusive and clean', () => {
  assert.deepEqual(thresholdGrid(0.1, 0.3, 0.05), [0.1, 0.15, 0.2, 0.25, 0.3]);
  assert.throws(() => thresholdGrid(0.3, 0.1, 0.05));
});

test('union and longest combine per row', () => {
  const a = [[0, 1], [1], [2]];
  const b = [[0, 2], [1, 0, 2], [2]];
  assert.deepEqual(
    unionMatches(a, b).map((x) => [...x]),
    [[0, 1, 2], [1, 0, 2], [2]],
  );
  assert.deepEqual(
    longestMatches(a, b).map((x) => Array.from(x)),
    [[0, 1], [1, 0, 2], [2]],
  );
});
