/** Row-major dense matrix: `data[i * dim + j]`. */
export interface DenseMatrix {
  rows: number;
  dim: number;
  data: Float32Array;
}

/** Compressed sparse rows: row i has columns `indices[indptr[i]..indptr[i+1])` with `values` alongside. */
export interface CsrMatrix {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

/** Top-k neighbours of every row, nearest first; distances are cosine distances (1 - cosine similarity).
 *  Row i's own index is included when the gallery is the query set. */
export interface NeighbourLists {
  indices: Int32Array[];
  distances: Float32Array[];
}
