export type { DenseMatrix, CsrMatrix, NeighbourLists } from './types.ts';
export { DISTANCE_RANGE, type DistanceUnit } from './units.ts';
export { l2Normalize } from './normalize.ts';
export { exactCosineTopK, type ExactSearchOptions, type ExactSearchProfile } from './exact.ts';
export {
  hnswCosineTopK,
  buildHnswIndex,
  HNSW_DEFAULTS,
  HNSW_WORKER_MIN_ROWS,
  type HnswSearchOptions,
  type HnswBuildOptions,
  type HnswIndex,
} from './hnsw.ts';
export { cosineTopK, type KnnMethod, type CosineTopKOptions } from './search.ts';
export { neighboursWithin, clusterMatches, type NeighboursWithinOptions } from './matches.ts';
export { dbscanLabels } from './dbscan.ts';
export {
  opticsLabels,
  opticsGraph,
  opticsXiLabels,
  opticsDbscanLabels,
  type OpticsOptions,
  type OpticsGraphOptions,
  type OpticsGraph,
} from './optics.ts';
export {
  HAMMING_WITHIN_MAX,
  hammingLayout,
  hammingTopK,
  hammingWithin,
  hammingWithinOnWorker,
  hash64FromHex,
  type Hash64Matrix,
} from './hamming.ts';
export { sparseCosineTopK } from './sparse.ts';
export { sparseCosineWithin, emptySparseWithinProfile, type SparseWithinProfile } from './sparse-within.ts';
