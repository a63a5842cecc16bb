// Times the kNN package on random unit vectors: exact vs HNSW top-k (with HNSW's recall against
// exact), then thresholding, DBSCAN and OPTICS on the exact lists. Sizes are fixed so runs compare.
// Run: node --import tsx packages/knn/bench/search.ts
import { initTf } from '@prodmatch/tf';
import { dbscanLabels, exactCosineTopK, hnswCosineTopK, neighboursWithin, opticsLabels } from '../src/index.ts';
import { randomMatrix } from '../src/testing.ts';

const ROWS = 10_000;
const DIM = 256;
const K = 50;

async function timed<T>(label: string, run: () => T | Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await run();
  console.log(`${label}: ${((performance.now() - start) / 1000).toFixed(2)} s`);
  return result;
}

const runtime = await initTf();
console.log(`backend ${runtime.backend.name} ${runtime.backend.version}; ${ROWS} rows x ${DIM} dims, k=${K}`);
const points = randomMatrix(ROWS, DIM, 1);

// Why exactCosineTopK transposes the gallery once instead of using matMul's transposeB flag.
{
  const { tf } = runtime;
  const batch = tf.tensor2d(points.data.subarray(0, 1024 * DIM), [1024, DIM]);
  const gallery = tf.tensor2d(points.data, [ROWS, DIM]);
  const transposed = tf.transpose(gallery);
  await timed(`matMul 1024x${DIM} by (${ROWS}x${DIM})^T with transposeB`, () => tf.matMul(batch, gallery, false, true).data());
  await timed(`matMul 1024x${DIM} by the transposed ${DIM}x${ROWS} copy`, () => tf.matMul(batch, transposed).data());
  tf.dispose([batch, gallery, transposed]);
}
const exact = await timed('exact top-k (tf matMul + topk, batch 1024)', () => exactCosineTopK(points, points, K, { runtime }));
const approx = await timed('hnsw top-k (build + search, M 16, efConstruction 200, efSearch 100)', () => hnswCosineTopK(points, points, K));
let hits = 0;
exact.indices.forEach((truth, i) => {
  const found = new Set(approx.indices[i]);
  for (const j of truth.subarray(0, 10)) if (found.has(j)) hits++;
});
console.log(`hnsw recall@10 vs exact: ${(hits / (ROWS * 10)).toFixed(4)}`);
const median = [...exact.distances.map((d) => d[1])].sort((a, b) => a - b)[ROWS >> 1];
const threshold = median;
await timed(`neighboursWithin (threshold ${threshold.toFixed(3)} = median nearest-other distance, min2)`, () =>
  neighboursWithin(exact, threshold, { minMatches: 2 }),
);
const dbscan = await timed('dbscanLabels (same eps, min_samples 2)', () => dbscanLabels(exact, threshold, 2));
console.log(`  ${new Set(dbscan).size - (dbscan.includes(-1) ? 1 : 0)} clusters, ${dbscan.filter((l) => l === -1).length} noise rows`);
const optics = await timed('opticsLabels (min_samples 2, max_eps 2 * eps, xi)', () =>
  opticsLabels(exact, { minSamples: 2, maxEps: 2 * threshold }),
);
console.log(`  ${new Set(optics).size - (optics.includes(-1) ? 1 : 0)} clusters, ${optics.filter((l) => l === -1).length} noise rows`);
