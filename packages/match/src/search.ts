import type { KnnMethod } from '@prodmatch/knn/search';
import type { NeighbourLists } from '@prodmatch/knn';
import type { FeatureMatrix } from '@prodmatch/features';
import type { TfRuntime } from '@prodmatch/tf';

export interface KnnSpec {
  /** Neighbours kept per row before thresholding (the seed's k = 50). */
  k: number;
  /** For dense vectors: exact batched matmul or hnswlib ANN. Sparse and hash features always search exactly. */
  method?: KnnMethod;
  /**
   * Instead of searching the whole gallery, rank only the candidates that these other channels found
   * (their top-k lists, united), by this channel's exact distance. For features whose full search costs
   * far more than it adds: char n-gram TF-IDF's self-search is ~70x word TF-IDF's on the real titles.
   */
  candidatesFrom?: readonly string[];
  /**
   * Hash features only: keep just the neighbours within this many bits (at most 32), found by a
   * multi-index search instead of all pairs. Fine for a channel whose grid stops there and that is not
   * the first source (min2's top-up reads the first source beyond its threshold).
   */
  maxDistance?: number;
  /**
   * Sparse features only: keep just the neighbours within this cosine distance (below 1), found by the
   * inverted index with prefix filtering (sparseCosineWithin) instead of every pair sharing a term. Its
   * lists are the full search's cut at that distance, bit for bit; what a run can lose is only what
   * lay beyond it (min2's top-up from the first source, candidates another channel ranks).
   */
  sparseWithin?: number;
}

const WORKER_MIN_ROWS = 10_000;

/** True when searchGallery hands this search to a worker thread: start it before the searches that block. */
export const searchesOffThread = (features: FeatureMatrix, knn: KnnSpec): boolean =>
  features.kind === 'hash64' && knn.maxDistance !== undefined && features.matrix.rows >= WORKER_MIN_ROWS;

/**
 * Every row against the same gallery (itself), by the search that suits the features. Each kind's search
 * module loads when a channel of that kind runs, so a text run never loads the dense or Hamming code.
 */
export async function searchGallery(features: FeatureMatrix, knn: KnnSpec, runtime: () => Promise<TfRuntime>): Promise<NeighbourLists> {
  switch (features.kind) {
    case 'sparse': {
      if (knn.sparseWithin !== undefined) {
        const { sparseCosineWithin } = await import('@prodmatch/knn/sparse-within');
        return sparseCosineWithin(features.matrix, features.matrix, knn.k, knn.sparseWithin);
      }
      const { sparseCosineTopK } = await import('@prodmatch/knn/sparse');
      return sparseCosineTopK(features.matrix, features.matrix, knn.k);
    }
    case 'hash64': {
      const { hammingTopK, hammingWithin, hammingWithinOnWorker } = await import('@prodmatch/knn/hamming');
      if (knn.maxDistance === undefined) return hammingTopK(features.matrix, features.matrix, knn.k, { sameSet: true });
      // Large galleries search on a worker thread, so the caller can search other channels meanwhile
      // (starting one costs a few hundred ms, more than a small gallery's whole search).
      return features.matrix.rows >= WORKER_MIN_ROWS
        ? hammingWithinOnWorker(features.matrix, knn.k, knn.maxDistance)
        : hammingWithin(features.matrix, knn.k, knn.maxDistance);
    }
    case 'dense': {
      const { cosineTopK } = await import('@prodmatch/knn/search');
      const method = knn.method ?? 'exact';
      return cosineTopK(method, features.matrix, features.matrix, knn.k, method === 'exact' ? { runtime: await runtime() } : {});
    }
  }
}

/**
 * Exact distances from one row at a time to any other rows of a feature matrix: the cosine distance the
 * searches report (rows L2-normalised on the fly) or Hamming bits. `from(a)` prepares row a (a sparse row
 * is scattered into a dense buffer once, so each pair costs one pass over the other row's entries);
 * calls for one `a` should come together.
 */
export function distancesFrom(features: FeatureMatrix): (a: number) => (b: number) => number {
  switch (features.kind) {
    case 'dense': {
      const { data, dim, rows } = features.matrix;
      const norms = new Float64Array(rows);
      for (let i = 0; i < rows; i++) {
        let s = 0;
        for (let d = i * dim; d < (i + 1) * dim; d++) s += data[d] * data[d];
        norms[i] = s > 0 ? 1 / Math.sqrt(s) : 0;
      }
      return (a) => (b) => {
        if (norms[a] === 0 || norms[b] === 0) return 1;
        let dot = 0;
        for (let d = 0, i = a * dim, j = b * dim; d < dim; d++, i++, j++) dot += data[i] * data[j];
        return Math.min(2, Math.max(0, 1 - dot * norms[a] * norms[b]));
      };
    }
    case 'sparse': {
      const { indptr, indices, values, rows, cols } = features.matrix;
      const norms = new Float64Array(rows);
      for (let i = 0; i < rows; i++) {
        let s = 0;
        for (let p = indptr[i]; p < indptr[i + 1]; p++) s += values[p] * values[p];
        norms[i] = s > 0 ? 1 / Math.sqrt(s) : 0;
      }
      const dense = new Float64Array(cols);
      let scattered = -1;
      return (a) => {
        if (scattered >= 0) for (let p = indptr[scattered]; p < indptr[scattered + 1]; p++) dense[indices[p]] = 0;
        for (let p = indptr[a]; p < indptr[a + 1]; p++) dense[indices[p]] = values[p];
        scattered = a;
        return (b) => {
          if (scattered !== a) throw new Error('distancesFrom: a sparse row was prepared again before its distances were taken');
          if (norms[a] === 0 || norms[b] === 0) return 1;
          let dot = 0;
          for (let q = indptr[b]; q < indptr[b + 1]; q++) dot += dense[indices[q]] * values[q];
          return Math.min(2, Math.max(0, 1 - dot * norms[a] * norms[b]));
        };
      };
    }
    case 'hash64': {
      const w = features.matrix.words;
      return (a) => (b) => popcount32((w[2 * a] ^ w[2 * b]) >>> 0) + popcount32((w[2 * a + 1] ^ w[2 * b + 1]) >>> 0);
    }
  }
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/**
 * Per row, the union of candidate lists (self first), ranked by `distanceFrom(row)(candidate)`, nearest first
 * (ties by index, as the exact searches break them), at most k.
 */
export function rankCandidates(
  candidates: readonly NeighbourLists[],
  distanceFrom: (a: number) => (b: number) => number,
  k: number,
): NeighbourLists {
  const rows = candidates[0]?.indices.length ?? 0;
  const stamp = new Int32Array(rows).fill(-1);
  const indices: Int32Array[] = new Array(rows);
  const distances: Float32Array[] = new Array(rows);
  // One set of buffers for every row: the pool of candidates, their distances and a sort order.
  let widest = 1;
  for (let row = 0; row < rows; row++) widest = Math.max(widest, 1 + candidates.reduce((sum, lists) => sum + lists.indices[row].length, 0));
  const pool = new Int32Array(widest);
  const poolDistance = new Float32Array(widest);
  const order = new Int32Array(widest);
  for (let row = 0; row < rows; row++) {
    let size = 0;
    pool[size++] = row;
    stamp[row] = row;
    for (const lists of candidates) {
      const list = lists.indices[row];
      for (let c = 0; c < list.length; c++) {
        if (stamp[list[c]] === row) continue;
        stamp[list[c]] = row;
        pool[size++] = list[c];
      }
    }
    const distance = distanceFrom(row);
    poolDistance[0] = 0;
    for (let p = 1; p < size; p++) poolDistance[p] = Math.fround(distance(pool[p]));
    for (let p = 0; p < size; p++) order[p] = p;
    // Nearest first; self (position 0) first among zeros; then lower index, as the exact searches break ties.
    const ranked = order
      .subarray(0, size)
      .sort((x, y) => poolDistance[x] - poolDistance[y] || (x === 0 ? -1 : y === 0 ? 1 : pool[x] - pool[y]));
    const kept = Math.min(k, size);
    const rowIndices = new Int32Array(kept);
    const rowDistances = new Float32Array(kept);
    for (let c = 0; c < kept; c++) {
      rowIndices[c] = pool[ranked[c]];
      rowDistances[c] = poolDistance[ranked[c]];
    }
    indices[row] = rowIndices;
    distances[row] = rowDistances;
  }
  return { indices, distances };
}
