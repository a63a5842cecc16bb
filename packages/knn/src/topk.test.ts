import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TopKAccumulator } from './topk.ts';
import { tileAt, tileCount, type BlockPlan } from './blocks.ts';
import { seededRandom } from './testing.ts';

/** The reference: every candidate of a row sorted by similarity (desc), then index (asc). */
function bruteForce(sims: number[], k: number): { indices: number[]; sims: number[] } {
  const order = sims
    .map((_, j) => j)
    .sort((a, b) => sims[b] - sims[a] || a - b)
    .slice(0, k);
  return { indices: order, sims: order.map((j) => sims[j]) };
}

/** Rows of float32 similarities; with `levels` the values come from that few distinct ones (many ties). */
function randomRows(rows: number, cols: number, seed: number, levels?: number): number[][] {
  const random = seededRandom(seed);
  return Array.from({ length: rows }, () =>
    Array.from({ length: cols }, () => {
      const x = levels ? Math.floor(random() * levels) / levels : random() * 2 - 1;
      return Math.fround(x);
    }),
  );
}

function shuffled(n: number, seed: number): number[] {
  const random = seededRandom(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

function assertMatchesBruteForce(acc: TopKAccumulator, rows: number[][], k: number): void {
  const lists = acc.toNeighbourLists();
  rows.forEach((sims, r) => {
    const expected = bruteForce(sims, k);
    assert.deepEqual(Array.from(lists.indices[r]), expected.indices, `row ${r} indices`);
    assert.deepEqual(
      Array.from(lists.distances[r]),
      expected.sims.map((s) => Math.fround(Math.min(2, Math.max(0, 1 - s)))),
      `row ${r} distances`,
    );
  });
}

for (const { name, cols, k, levels } of [
  { name: 'distinct values, k < candidates', cols: 40, k: 7, levels: undefined },
  { name: 'many ties (4 distinct values)', cols: 40, k: 9, levels: 4 },
  { name: 'all candidates equal', cols: 12, k: 5, levels: 1 },
  { name: 'k = candidates', cols: 11, k: 11, levels: 3 },
  { name: 'k > candidates', cols: 6, k: 10, levels: undefined },
  { name: 'k = 1 with ties', cols: 9, k: 1, levels: 2 },
]) {
  test(`TopKAccumulator equals a full sort in any arrival order: ${name}`, () => {
    const rows = randomRows(5, cols, cols * 31 + k);
    if (levels) rows.splice(0, rows.length, ...randomRows(5, cols, cols + k, levels));
    for (const seed of [1, 2, 3]) {
      const acc = new TopKAccumulator(rows.length, k);
      rows.forEach((sims, r) => {
        for (const j of shuffled(cols, seed * 100 + r)) acc.offer(r, sims[j], j);
      });
      assertMatchesBruteForce(acc, rows, k);
      rows.forEach((_, r) => assert.equal(acc.sizes[r], Math.min(k, cols)));
    }
  });
}

test('TopKAccumulator.threshold is -Infinity until a row is full, then its worst kept similarity', () => {
  const acc = new TopKAccumulator(1, 3);
  acc.offer(0, 0.5, 0);
  acc.offer(0, 0.9, 1);
  assert.equal(acc.threshold[0], -Infinity);
  acc.offer(0, 0.1, 2);
  assert.equal(acc.threshold[0], Math.fround(0.1));
  acc.offer(0, 0.7, 3);
  assert.equal(acc.threshold[0], Math.fround(0.5));
  acc.offer(0, 0.5, 4); // ties the worst kept (index 0) but ranks after it: rejected
  assert.deepEqual(Array.from(acc.toNeighbourLists().indices[0]), [1, 3, 0]);
});

test('merging two accumulators over halves of the candidates equals one over all of them', () => {
  const k = 6;
  const rows = randomRows(7, 30, 11, 5);
  const whole = new TopKAccumulator(rows.length, k);
  const first = new TopKAccumulator(rows.length, k);
  const second = new TopKAccumulator(rows.length, k);
  rows.forEach((sims, r) =>
    sims.forEach((s, j) => {
      whole.offer(r, s, j);
      (j % 3 === 0 ? first : second).offer(r, s, j);
    }),
  );
  const merged = new TopKAccumulator(rows.length, k, first.state());
  merged.merge(second.state());
  assert.deepEqual(merged.toNeighbourLists(), whole.toNeighbourLists());
  assertMatchesBruteForce(merged, rows, k);
});

test('scanBlock over the upper-triangle tiles of a symmetric matrix equals scanning every row', () => {
  const n = 23;
  const k = 5;
  const random = seededRandom(5);
  const matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) matrix[i][j] = matrix[j][i] = Math.fround(Math.floor(random() * 6) / 6);
  }
  const plan: BlockPlan = { queryRows: n, galleryRows: n, dim: 1, k, blockSize: 4, symmetric: true };
  const acc = new TopKAccumulator(n, k);
  for (let t = 0; t < tileCount(plan); t++) {
    const tile = tileAt(plan, t);
    const rows = tile.rowEnd - tile.rowStart;
    const cols = tile.colEnd - tile.colStart;
    const block = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) block[r * cols + c] = matrix[tile.rowStart + r][tile.colStart + c];
    acc.scanBlock(block, rows, cols, tile.rowStart, tile.colStart, tile.mirrored);
  }
  assertMatchesBruteForce(acc, matrix, k);
});

test('tileAt covers every tile once: the upper triangle when symmetric, the whole grid otherwise', () => {
  for (const [queryRows, galleryRows, blockSize, symmetric] of [
    [10, 10, 3, true],
    [9, 9, 3, true],
    [1, 1, 5, true],
    [7, 12, 5, false],
    [5, 2, 5, false],
  ] as const) {
    const plan: BlockPlan = { queryRows, galleryRows, dim: 1, k: 1, blockSize, symmetric };
    const covered = Array.from({ length: queryRows }, () => new Array<number>(galleryRows).fill(0));
    for (let t = 0; t < tileCount(plan); t++) {
      const tile = tileAt(plan, t);
      assert.equal(tile.mirrored, symmetric && tile.rowStart !== tile.colStart);
      for (let r = tile.rowStart; r < tile.rowEnd; r++) {
        for (let c = tile.colStart; c < tile.colEnd; c++) {
          covered[r][c]++;
          if (tile.mirrored) covered[c][r]++;
        }
      }
    }
    assert.ok(
      covered.every((row) => row.every((n) => n === 1)),
      `${queryRows}x${galleryRows} block ${blockSize} symmetric ${symmetric}`,
    );
  }
});

test('TopKAccumulator rejects bad sizes and a state of another shape', () => {
  assert.throws(() => new TopKAccumulator(3, 0), /k must be a positive integer, got 0/);
  assert.throws(() => new TopKAccumulator(-1, 2), /rows must be a non-negative integer/);
  assert.throws(() => new TopKAccumulator(3, 2, new TopKAccumulator(2, 2).state()), /state for 2 rows x k 2 does not fit 3 rows x k 2/);
  assert.throws(() => new TopKAccumulator(3, 2).merge(new TopKAccumulator(3, 1).state()), /3 rows x k 1 into 3 rows x k 2/);
});
