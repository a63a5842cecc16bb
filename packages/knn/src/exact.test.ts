import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cosineTopK, exactCosineTopK, l2Normalize } from './index.ts';
import { naiveCosineDistances, randomMatrix } from './testing.ts';

test('exactCosineTopK matches a naive O(n^2) search on odd sizes and batch boundaries', async () => {
  const queries = randomMatrix(37, 13, 1);
  const gallery = randomMatrix(53, 13, 2);
  const reference = naiveCosineDistances(queries, gallery);
  const k = 7;
  const lists = await exactCosineTopK(queries, gallery, k, { batchSize: 8 });
  assert.equal(lists.indices.length, 37);
  lists.indices.forEach((indices, i) => {
    const expected = Array.from(reference[i].keys())
      .sort((a, b) => reference[i][a] - reference[i][b])
      .slice(0, k);
    assert.equal(indices.length, k);
    for (let c = 0; c < k; c++) {
      // An index may differ from the reference only where two distances tie within float32 precision.
      assert.ok(Math.abs(lists.distances[i][c] - reference[i][expected[c]]) < 1e-5, `row ${i} rank ${c} distance`);
      assert.ok(Math.abs(reference[i][indices[c]] - reference[i][expected[c]]) < 1e-5, `row ${i} rank ${c} index`);
    }
    assert.deepEqual(new Set(indices).size, k, `row ${i} repeats a neighbour`);
  });
});

test('exactCosineTopK with k beyond the gallery ranks the whole gallery, self first', async () => {
  const points = randomMatrix(9, 4, 3);
  const lists = await exactCosineTopK(points, points, 50);
  lists.indices.forEach((indices, i) => {
    assert.equal(indices.length, 9);
    assert.equal(indices[0], i);
    assert.ok(lists.distances[i][0] < 1e-6 && lists.distances[i][0] >= 0);
    assert.deepEqual(
      [...indices].sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7, 8],
    );
    for (let c = 1; c < 9; c++) assert.ok(lists.distances[i][c] >= lists.distances[i][c - 1]);
  });
});

test('exactCosineTopK gives identical lists on worker threads, on one thread, and without the symmetric shortcut', async () => {
  // Rows 20 and 41 are copies of row 0, so every query ties on the three.
  const points = randomMatrix(45, 16, 7);
  for (const twin of [20, 41]) for (let j = 0; j < 16; j++) points.data[twin * 16 + j] = points.data[j];
  const copy = { rows: points.rows, dim: points.dim, data: points.data.slice() };
  // Each worker thread loads its own tfjs first, so this is the package's only test that starts them.
  const twoThreads = await exactCosineTopK(points, points, 6, { batchSize: 8, threads: 2 });
  const oneThread = await exactCosineTopK(points, points, 6, { batchSize: 8, threads: 1 });
  const fullGrid = await exactCosineTopK(points, copy, 6, { batchSize: 8, threads: 1 });
  assert.deepEqual(twoThreads, oneThread);
  assert.deepEqual(fullGrid, oneThread);
  const reference = naiveCosineDistances(points, points);
  oneThread.indices.forEach((indices, i) => {
    const expected = Array.from(reference[i].keys())
      .sort((a, b) => reference[i][a] - reference[i][b])
      .slice(0, 6);
    for (let c = 0; c < 6; c++) assert.ok(Math.abs(reference[i][indices[c]] - reference[i][expected[c]]) < 1e-5, `row ${i} rank ${c}`);
  });
  for (const i of [0, 20, 41]) {
    assert.deepEqual(Array.from(oneThread.indices[i].subarray(0, 3)), [0, 20, 41], `row ${i} ranks its tied twins in index order`);
  }
});

test('exactCosineTopK with k = gallery rows returns every row, ranked', async () => {
  const points = randomMatrix(11, 5, 8);
  const lists = await exactCosineTopK(points, points, 11, { batchSize: 4 });
  lists.indices.forEach((indices, i) => {
    assert.deepEqual(
      [...indices].sort((a, b) => a - b),
      Array.from({ length: 11 }, (_, j) => j),
      `row ${i} holds the whole gallery`,
    );
    assert.equal(indices[0], i);
    for (let c = 1; c < 11; c++) assert.ok(lists.distances[i][c] >= lists.distances[i][c - 1]);
  });
});

test('exactCosineTopK on an empty gallery returns empty lists', async () => {
  const lists = await exactCosineTopK(randomMatrix(3, 4, 4), { rows: 0, dim: 4, data: new Float32Array(0) }, 5);
  assert.deepEqual(
    lists.indices.map((x) => x.length),
    [0, 0, 0],
  );
});

test('l2Normalize scales rows to unit length and keeps zero rows zero', () => {
  const m = l2Normalize({ rows: 2, dim: 2, data: Float32Array.of(3, 4, 0, 0) });
  assert.deepEqual(Array.from(m.data), [0.6000000238418579, 0.800000011920929, 0, 0]);
});

test('non-finite input fails with a message naming the row', async () => {
  const data = new Float32Array(12).fill(1);
  data[7] = NaN;
  assert.throws(() => l2Normalize({ rows: 4, dim: 3, data }), /row 2 has a non-finite value \(NaN\) at column 1/);
  const points = { rows: 4, dim: 3, data };
  await assert.rejects(exactCosineTopK(points, points, 2), /row 2 has a non-finite value/);
  data[7] = Infinity;
  await assert.rejects(cosineTopK('hnsw', points, points, 2), /row 2 has a non-finite value \(Infinity\)/);
});

test('bad shapes and k are rejected', async () => {
  await assert.rejects(exactCosineTopK(randomMatrix(2, 3, 5), randomMatrix(2, 4, 6), 1), /queries have dim 3 but the gallery has dim 4/);
  await assert.rejects(exactCosineTopK(randomMatrix(2, 3, 5), randomMatrix(2, 3, 6), 0), /k must be a positive integer/);
  await assert.rejects(
    exactCosineTopK({ rows: 2, dim: 3, data: new Float32Array(5) }, randomMatrix(2, 3, 6), 1),
    /data has 5 values but rows \* dim = 6/,
  );
  await assert.rejects(
    exactCosineTopK(randomMatrix(2, 3, 5), randomMatrix(2, 3, 6), 1, { threads: 0 }),
    /threads must be an integer in 1\.\.8, got 0/,
  );
});
