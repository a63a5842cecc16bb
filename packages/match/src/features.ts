import { cosineTopK, hammingTopK, sparseCosineTopK, type CsrMatrix, type DenseMatrix, type Hash64Matrix, type KnnMethod, type NeighbourLists } from '@prodmatch/knn';
import type { DistanceUnit } from '@prodmatch/results';
import type { TfRuntime } from '@prodmatch/tf';

/** What a feature extractor hands the search step; the kind picks the kNN. */
export type FeatureMatrix =
  | { kind: 'dense'; matrix: DenseMatrix }
  | { kind: 'sparse'; matrix: CsrMatrix }
  | { kind: 'hash64'; matrix: Hash64Matrix };

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
}

export const unitOf = (features: FeatureMatrix): DistanceUnit => (features.kind === 'hash64' ? 'Hamming bits' : 'cosine distance');

export const rowsOf = (features: FeatureMatrix): number => features.matrix.rows;

/** Every row against the same gallery (itself), by the search that suits the features. */
export async function searchGallery(features: FeatureMatrix, knn: KnnSpec, runtime: () => Promise<TfRuntime>): Promise<NeighbourLists> {
  switch (features.kind) {
    case 'sparse':
      return sparseCosineTopK(features.matrix, features.matrix, knn.k);
    case 'hash64':
      return hammingTopK(features.matrix, features.matrix, knn.k, { sameSet: true });
    case 'dense': {
      const method = knn.method ?? 'exact';
      return cosineTopK(method, features.matrix, features.matrix, knn.k, method === 'exact' ? { runtime: await runtime() } : {});
    }
  }
}

/**
 * Exact distance between rows a and b of one feature matrix. Rows of dense and sparse matrices are
 * L2-normalised here on the fly, so the distance is the cosine distance the searches report.
 */
export function pairDistance(features: FeatureMatrix, a: number, b: number): number {
  switch (features.kind) {
    case 'dense': {
      const { data, dim } = features.matrix;
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let d = 0, i = a * dim, j = b * dim; d < dim; d++, i++, j++) {
        dot += data[i] * data[j];
        na += data[i] * data[i];
        nb += data[j] * data[j];
      }
      return na > 0 && nb > 0 ? Math.min(2, Math.max(0, 1 - dot / Math.sqrt(na * nb))) : 1;
    }
    case 'sparse': {
      const { indptr, indices, values } = features.matrix;
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let p = indptr[a]; p < indptr[a + 1]; p++) na += values[p] * values[p];
      for (let q = indptr[b]; q < indptr[b + 1]; q++) nb += values[q] * values[q];
      // Columns are sorted within a row (tfidfVectors sorts them), so one merge finds the shared ones.
      for (let p = indptr[a], q = indptr[b]; p < indptr[a + 1] && q < indptr[b + 1]; ) {
        if (indices[p] === indices[q]) dot += values[p++] * values[q++];
        else if (indices[p] < indices[q]) p++;
        else q++;
      }
      return na > 0 && nb > 0 ? Math.min(2, Math.max(0, 1 - dot / Math.sqrt(na * nb))) : 1;
    }
    case 'hash64': {
      const w = features.matrix.words;
      return popcount32((w[2 * a] ^ w[2 * b]) >>> 0) + popcount32((w[2 * a + 1] ^ w[2 * b + 1]) >>> 0);
    }
  }
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/**
 * Per row, the union of candidate lists (self first), ranked by `distance(row, candidate)`, nearest first
 * (ties by index, as the exact searches break them), at most k.
 */
export function rankCandidates(candidates: readonly NeighbourLists[], distance: (a: number, b: number) => number, k: number): NeighbourLists {
  const rows = candidates[0]?.indices.length ?? 0;
  const stamp = new Int32Array(rows).fill(-1);
  const indices: Int32Array[] = new Array(rows);
  const distances: Float32Array[] = new Array(rows);
  for (let row = 0; row < rows; row++) {
    const pool: number[] = [row];
    stamp[row] = row;
    for (const lists of candidates) {
      const list = lists.indices[row];
      for (let c = 0; c < list.length; c++) {
        if (stamp[list[c]] === row) continue;
        stamp[list[c]] = row;
        pool.push(list[c]);
      }
    }
    const scored = pool.map((j) => ({ j, d: j === row ? 0 : Math.fround(distance(row, j)) }));
    scored.sort((x, y) => x.d - y.d || (x.j === row ? -1 : y.j === row ? 1 : x.j - y.j));
    const kept = scored.slice(0, k);
    indices[row] = Int32Array.from(kept, (s) => s.j);
    distances[row] = Float32Array.from(kept, (s) => s.d);
  }
  return { indices, distances };
}
