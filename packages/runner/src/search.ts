import { cosineTopK, hammingTopK, sparseCosineTopK, type KnnMethod, type NeighbourLists } from '@prodmatch/knn';
import type { Posting } from '@prodmatch/data';
import type { TfRuntime } from '@prodmatch/tf';
import type { FeatureMatrix } from './features.ts';

export interface KnnSpec {
  /** Neighbours kept per row before thresholding (the seed's k = 50). */
  k: number;
  /** For dense vectors: exact batched matmul or hnswlib ANN. Sparse and hash features always search exactly. */
  method?: KnnMethod;
}

/** NaN or infinite features would silently rank garbage; name the posting instead. */
export function assertFinite(features: FeatureMatrix, postings: readonly Posting[], source: string): void {
  if (features.kind === 'hash64') return;
  const { data, dim } = features.kind === 'dense' ? features.matrix : { data: features.matrix.values, dim: 0 };
  for (let i = 0; i < data.length; i++) {
    if (Number.isFinite(data[i])) continue;
    const row = features.kind === 'dense' ? Math.floor(i / dim) : rowOfSparse(features.matrix.indptr, i);
    const posting = postings[row];
    throw new Error(`${source}: the embedding of posting_id "${posting?.postingId}" contains ${data[i]}; check that posting's input (image/title) and the model's training (loss may have diverged)`);
  }
}

function rowOfSparse(indptr: Int32Array, entry: number): number {
  let row = 0;
  while (indptr[row + 1] <= entry) row++;
  return row;
}

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
