import type { TfRuntime } from '@prodmatch/tf';
import { checkDense, l2Normalize } from './normalize.ts';
import type { DenseMatrix, NeighbourLists } from './types.ts';

export interface ExactSearchOptions {
  /** Query rows per matrix product; memory is O(batchSize * gallery rows). */
  batchSize?: number;
  /** The caller's tfjs runtime; without it the package initialises one (once) with `initTf()`. */
  runtime?: TfRuntime;
}

let defaultRuntime: Promise<TfRuntime> | undefined;

/** Reuses one runtime so that a caller that never passes one does not re-select the backend per search. */
export function knnRuntime(runtime?: TfRuntime): Promise<TfRuntime> {
  if (runtime) return Promise.resolve(runtime);
  // Loaded on first dense search only: sparse and Hamming users never pay for tfjs.
  defaultRuntime ??= import('@prodmatch/tf').then(({ initTf }) => initTf());
  return defaultRuntime;
}

/** An empty gallery (or k = 0) finds nothing for every query. */
export function emptyNeighbourLists(rows: number): NeighbourLists {
  return { indices: Array.from({ length: rows }, () => new Int32Array(0)), distances: Array.from({ length: rows }, () => new Float32Array(0)) };
}

export function checkSearchInputs(queries: DenseMatrix, gallery: DenseMatrix, k: number): void {
  checkDense(queries, 'queries');
  checkDense(gallery, 'gallery');
  if (queries.dim !== gallery.dim) {
    throw new Error(`queries have dim ${queries.dim} but the gallery has dim ${gallery.dim}; embed both with the same model`);
  }
  if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
}

/**
 * Exact cosine top-k of every query row among the gallery rows, nearest first.
 * k larger than the gallery returns the whole gallery, ranked.
 */
export async function exactCosineTopK(
  queries: DenseMatrix,
  gallery: DenseMatrix,
  k: number,
  opts: ExactSearchOptions = {},
): Promise<NeighbourLists> {
  checkSearchInputs(queries, gallery, k);
  const batchSize = opts.batchSize ?? 1024;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  const kEff = Math.min(k, gallery.rows);
  if (kEff === 0) return emptyNeighbourLists(queries.rows);
  const result: NeighbourLists = { indices: [], distances: [] };
  const { tf } = await knnRuntime(opts.runtime);
  const q = l2Normalize(queries);
  const g = gallery === queries ? q : l2Normalize(gallery);
  const dim = q.dim;
  // Transposed once up front: tfjs-wasm's matMul with transposeB=true is an order of magnitude
  // slower than on a transposed copy (packages/knn/bench/search.ts times both).
  const galleryT = tf.tidy(() => tf.transpose(tf.tensor2d(g.data, [g.rows, dim])));
  try {
    for (let start = 0; start < q.rows; start += batchSize) {
      const end = Math.min(start + batchSize, q.rows);
      const top = tf.tidy(() => {
        const queryT = tf.tensor2d(q.data.subarray(start * dim, end * dim), [end - start, dim]);
        return tf.topk(tf.matMul(queryT, galleryT), kEff, true);
      });
      const [sims, idx] = await Promise.all([top.values.data(), top.indices.data()]);
      top.values.dispose();
      top.indices.dispose();
      for (let r = 0; r < end - start; r++) {
        const distances = new Float32Array(kEff);
        // Rounding can push a self-similarity just above 1; cosine distances live in [0, 2].
        for (let c = 0; c < kEff; c++) distances[c] = Math.min(2, Math.max(0, 1 - sims[r * kEff + c]));
        result.indices.push(Int32Array.from(idx.subarray(r * kEff, (r + 1) * kEff)));
        result.distances.push(distances);
      }
    }
  } finally {
    galleryT.dispose();
  }
  return result;
}
