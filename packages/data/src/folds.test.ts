import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Posting } from './csv.ts';
import { groupFolds } from './folds.ts';

const posting = (id: number, group: string): Posting => ({
  postingId: `p${id}`,
  image: `${id}.jpg`,
  imagePhash: '0'.repeat(16),
  title: 't',
  labelGroup: group,
});
// 23 groups of 1 to 3 rows.
const postings = Array.from({ length: 50 }, (_, i) => posting(i, `g${(i * 7) % 23}`));

test('group folds cover every row once, keep each group in one fold, and balance groups', () => {
  const folds = groupFolds(postings, 42, 5);
  assert.equal(folds.length, 5);
  assert.deepEqual(
    folds.flat().sort((a, b) => a - b),
    postings.map((_, i) => i),
  );
  const foldOfGroup = new Map<string, number>();
  folds.forEach((rows, f) =>
    rows.forEach((i) => {
      const g = postings[i].labelGroup as string;
      assert.equal(foldOfGroup.get(g) ?? f, f, `group ${g} in two folds`);
      foldOfGroup.set(g, f);
    }),
  );
  const groupsPerFold = folds.map((rows) => new Set(rows.map((i) => postings[i].labelGroup)).size);
  assert.ok(Math.max(...groupsPerFold) - Math.min(...groupsPerFold) <= 1, String(groupsPerFold));
});

test('folds depend on the seed and the groups, not on row order', () => {
  const byGroup = (folds: number[][], rows: readonly Posting[]) => folds.map((f) => [...new Set(f.map((i) => rows[i].labelGroup))].sort());
  const reversed = [...postings].reverse();
  assert.deepEqual(byGroup(groupFolds(reversed, 42, 5), reversed), byGroup(groupFolds(postings, 42, 5), postings));
  assert.notDeepEqual(byGroup(groupFolds(postings, 7, 5), postings), byGroup(groupFolds(postings, 42, 5), postings));
});

test('too few folds or groups are refused', () => {
  assert.throws(() => groupFolds(postings, 1, 1), /at least 2 folds, got 1/);
  assert.throws(
    () => groupFolds(postings.slice(0, 3), 1, 5),
    /5 group folds need at least 5 label groups, the data has 3; use fewer --folds/,
  );
});
