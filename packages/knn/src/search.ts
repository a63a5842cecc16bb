import { exactCosineTopK, type ExactSearchOptions } from './exact.ts';
import type { HnswSearchOptions } from './hnsw.ts';
import type { DenseMatrix, NeighbourLists } from './types.ts';

export type KnnMethod = 'exact' | 'hnsw';

/** Either method's options; `threads` sets both methods' thread counts. */
export type CosineTopKOptions = Omit<ExactSearchOptions, 'profile'> & HnswSearchOptions;

/** Cosine top-k by a method named in an experiment's parameters; each method reads only its own options. */
export async function cosineTopK(
  method: KnnMethod,
  queries: DenseMatrix,
  gallery: DenseMatrix,
  k: number,
  opts: CosineTopKOptions = {},
): Promise<NeighbourLists> {
  switch (method) {
    case 'exact':
      return exactCosineTopK(queries, gallery, k, { batchSize: opts.batchSize, runtime: opts.runtime, threads: opts.threads });
    case 'hnsw': {
      // hnswlib's native addon loads only for runs that ask for it.
      const { hnswCosineTopK } = await import('./hnsw.ts');
      return hnswCosineTopK(queries, gallery, k, {
        efConstruction: opts.efConstruction,
        M: opts.M,
        efSearch: opts.efSearch,
        seed: opts.seed,
        threads: opts.threads,
      });
    }
    default:
      throw new Error(`unknown kNN method '${String(method)}'; use 'exact' or 'hnsw'`);
  }
}
