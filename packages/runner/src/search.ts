import type { Posting } from '@prodmatch/data';
import type { FeatureMatrix } from '@prodmatch/match';

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
