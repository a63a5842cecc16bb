export type { DenseMatrix, CsrMatrix, NeighbourLists } from './types.ts';
