import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildHnswIndex, cosineTopK, exactCosineTopK, hnswCosineTopK } from './index.ts';
import { randomMatrix } from './testing.ts';

test('hnsw recall@10 against exact search is at least 0.95 on 3,000 random vectors', async (t) => {
  const points = randomMatrix(3000, 32, 42);
  const k = 10;
  const [exact, approx] = await Promise.all([exactCosineTopK(points, points, k), hnswCosineTopK(points, points, k, { seed: 1 })]);
  let hits = 0;
  exact.indices.forEach((truth, i) => {
    const found = new Set(approx.indices[i]);
    for (const j of truth) if (found.has(j)) hits++;
  });
  const recall = hits / (points.rows * k);
  t.diagnostic(`recall@10 = ${recall.toFixed(4)} (3000 x 32, M 16, efConstruction 200, efSearch 100)`);
  assert.ok(recall >= 0.95, `recall@10 = ${recall.toFixed(4)}`);
  approx.distances.forEach((d, i) => {
    for (let c = 1; c < d.length; c++) assert.ok(d[c] >= d[c - 1], `row ${i} is not sorted nearest first`);
  });
});

test('hnsw and the dispatcher agree with exact search on a small set, k beyond the set', async () => {
  const points = randomMatrix(25, 6, 7);
  const exact = await cosineTopK('exact', points, points, 40);
  const approx = await cosineTopK('hnsw', points, points, 40, { efSearch: 64 });
  // With efSearch above the set size the graph search visits every row, so it is exact.
  assert.deepEqual(
    approx.indices.map((x) => Array.from(x)),
    exact.indices.map((x) => Array.from(x)),
  );
  approx.distances.forEach((d, i) => d.forEach((v, c) => assert.ok(Math.abs(v - exact.distances[i][c]) < 1e-5)));
  await assert.rejects(cosineTopK('annoy' as never, points, points, 3), /unknown kNN method 'annoy'/);
});

test('threaded hnsw (one graph per shard, lists merged) finds what one graph finds, nearest first', async () => {
  const points = randomMatrix(2000, 16, 5);
  const exact = await exactCosineTopK(points, points, 10);
  const index = await buildHnswIndex(points, { threads: 2 });
  assert.equal(index.threads, 2);
  const sharded = await index.search(points, 10);
  // The workers stay for more searches (at other efSearch) until closed.
  const wider = await index.search(points, 10, 200);
  await index.close();
  let hits = 0;
  exact.indices.forEach((truth, i) => {
    const found = new Set(sharded.indices[i]);
    for (const j of truth) if (found.has(j)) hits++;
    assert.equal(sharded.indices[i].length, 10);
    assert.equal(sharded.indices[i][0], i, `row ${i} finds itself first`);
    for (let c = 1; c < 10; c++) assert.ok(sharded.distances[i][c] >= sharded.distances[i][c - 1]);
  });
  assert.ok(hits / (points.rows * 10) >= 0.99, `recall@10 ${hits / (points.rows * 10)}`);
  assert.equal(wider.indices.length, points.rows);
  // Queries other than the gallery, and a k beyond a shard's rows.
  const few = randomMatrix(7, 16, 6);
  const small = await hnswCosineTopK(few, randomMatrix(9, 16, 8), 6, { threads: 2, efSearch: 16 });
  const want = await exactCosineTopK(few, randomMatrix(9, 16, 8), 6);
  assert.deepEqual(
    small.indices.map((x) => Array.from(x)),
    want.indices.map((x) => Array.from(x)),
  );
});
