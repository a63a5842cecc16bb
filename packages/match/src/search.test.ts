import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '@prodmatch/data';
import { sparseCosineTopK, type CsrMatrix } from '@prodmatch/knn';
import type { TfRuntime } from '@prodmatch/tf';
import { searchGallery } from './search.ts';

/** Random non-negative sparse rows over a small vocabulary, so that many rows share terms. */
function randomCsr(rows: number, cols: number, perRow: number, seed: number): CsrMatrix {
  const random = seededRandom(seed);
  const indptr = new Int32Array(rows + 1);
  const indices: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < rows; r++) {
    const terms = new Set<number>();
    while (terms.size < perRow) terms.add(Math.floor(random() * cols));
    for (const t of [...terms].sort((a, b) => a - b)) {
      indices.push(t);
      values.push(0.1 + random());
    }
    indptr[r + 1] = indices.length;
  }
  return { rows, cols, indptr, indices: Int32Array.from(indices), values: Float32Array.from(values) };
}

const noRuntime = (): Promise<TfRuntime> => Promise.reject(new Error('a sparse search must not load tfjs'));

test('sparseWithin: a sparse channel keeps exactly the full search lists cut at the distance', async () => {
  const matrix = randomCsr(300, 40, 4, 3);
  const features = { kind: 'sparse' as const, matrix };
  const cut = 0.6;
  const full = sparseCosineTopK(matrix, matrix, 20);
  const within = await searchGallery(features, { k: 20, sparseWithin: cut }, noRuntime);
  const everything = await searchGallery(features, { k: 20 }, noRuntime);
  let kept = 0;
  let cutOff = 0;
  for (let i = 0; i < matrix.rows; i++) {
    assert.deepEqual(everything.indices[i], full.indices[i]);
    const n = full.distances[i].findIndex((d) => d > Math.fround(cut));
    const end = n < 0 ? full.indices[i].length : n;
    assert.deepEqual(within.indices[i], full.indices[i].subarray(0, end), `row ${i}`);
    assert.deepEqual(within.distances[i], full.distances[i].subarray(0, end), `row ${i}`);
    kept += end;
    cutOff += full.indices[i].length - end;
  }
  // The fixture must exercise both sides of the cut, or the equality above proves nothing.
  assert.ok(kept > matrix.rows && cutOff > matrix.rows, `kept ${kept}, cut ${cutOff}`);
});
