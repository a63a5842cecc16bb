import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterMatches, neighboursWithin } from './index.ts';
import { listsFrom } from './testing.ts';

const asArrays = (rows: Int32Array[]) => rows.map((r) => Array.from(r));

test('neighboursWithin keeps rows within the threshold, self first even when not ranked first', () => {
  const lists = listsFrom([
    [
      [0, 0],
      [1, 0.1],
      [2, 0.3],
      [3, 0.6],
    ],
    [
      [2, 0],
      [1, 0],
      [0, 0.1],
      [3, 0.9],
    ], // a duplicate of row 1 ranked before row 1 itself
    [
      [2, 0],
      [1, 0.2],
      [0, 0.3],
    ],
    [
      [3, 0],
      [0, 0.6],
      [1, 0.9],
    ],
  ]);
  assert.deepEqual(asArrays(neighboursWithin(lists, 0.3)), [[0, 1, 2], [1, 2, 0], [2, 1, 0], [3]]);
  // min2: row 3 keeps its nearest other row beyond the threshold; the others already have 2.
  assert.deepEqual(asArrays(neighboursWithin(lists, 0.3, { minMatches: 2 })), [
    [0, 1, 2],
    [1, 2, 0],
    [2, 1, 0],
    [3, 0],
  ]);
  assert.deepEqual(asArrays(neighboursWithin(lists, 0.05, { minMatches: 3 })), [
    [0, 1, 2],
    [1, 2, 0],
    [2, 1, 0],
    [3, 0, 1],
  ]);
  assert.deepEqual(asArrays(neighboursWithin(lists, 1, { cap: 2 })), [
    [0, 1],
    [1, 2],
    [2, 1],
    [3, 0],
  ]);
});

test('neighboursWithin caps at 50 matches by default', () => {
  const row = Array.from({ length: 80 }, (_, j) => [j, j / 1000] as [number, number]);
  const lists = listsFrom(Array.from({ length: 80 }, () => row));
  const matches = neighboursWithin(lists, 1);
  assert.equal(matches[0].length, 50);
  assert.equal(matches[79].length, 50);
  assert.equal(matches[79][0], 79);
  assert.deepEqual(Array.from(matches[79].subarray(1, 4)), [0, 1, 2]);
});

test('clusterMatches: cluster members share matches, noise matches only itself, capped', () => {
  const labels = Int32Array.of(0, -1, 1, 0, 1, -1, 0);
  assert.deepEqual(asArrays(clusterMatches(labels)), [[0, 3, 6], [1], [2, 4], [3, 0, 6], [4, 2], [5], [6, 0, 3]]);
  assert.deepEqual(asArrays(clusterMatches(labels, { cap: 2 })), [[0, 3], [1], [2, 4], [3, 0], [4, 2], [5], [6, 0]]);
  const big = clusterMatches(new Int32Array(120));
  assert.equal(big[100].length, 50);
  assert.equal(big[100][0], 100);
});

test('bad thresholds and caps are rejected', () => {
  const lists = listsFrom([[[0, 0]]]);
  assert.throws(() => neighboursWithin(lists, NaN), /maxDistance is NaN/);
  assert.throws(() => neighboursWithin(lists, 0.5, { minMatches: 0 }), /minMatches must be a positive integer/);
  assert.throws(() => clusterMatches(Int32Array.of(0), { cap: 0 }), /cap must be a positive integer/);
});
