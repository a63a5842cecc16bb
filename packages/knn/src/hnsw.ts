import hnswlib from 'hnswlib-node';
import { checkSearchInputs, emptyNeighbourLists } from './exact.ts';
import { l2Normalize } from './normalize.ts';
import type { DenseMatrix, NeighbourLists } from './types.ts';

export interface HnswSearchOptions {
  /** Candidate list size while building (hnswlib default 200). */
  efConstruction?: number;
  /** Graph out-degree (hnswlib default 16). */
  M?: number;
  /** Candidate list size while searching; raised to k when smaller. */
  efSearch?: number;
  /** hnswlib's level-assignment seed, so that an index is reproducible. */
  seed?: number;
}

/** Approximate cosine top-k with an HNSW graph over the gallery; same output shape as `exactCosineTopK`. */
export async function hnswCosineTopK(
  queries: DenseMatrix,
  gallery: DenseMatrix,
  k: number,
  opts: HnswSearchOptions = {},
): Promise<NeighbourLists> {
  checkSearchInputs(queries, gallery, k);
  const kEff = Math.min(k, gallery.rows);
  if (kEff === 0) return emptyNeighbourLists(queries.rows);
  const result: NeighbourLists = { indices: [], distances: [] };
  const q = l2Normalize(queries);
  const g = gallery === queries ? q : l2Normalize(gallery);
  const dim = g.dim;
  // Rows are unit length already, so the inner-product space gives 1 - cos without hnswlib re-normalising.
  const index = new hnswlib.HierarchicalNSW('ip', dim);
  index.initIndex(g.rows, opts.M ?? 16, opts.efConstruction ?? 200, opts.seed ?? 100);
  for (let i = 0; i < g.rows; i++) index.addPoint(Array.from(g.data.subarray(i * dim, (i + 1) * dim)), i);
  index.setEf(Math.max(opts.efSearch ?? 100, kEff));
  const order = new Int32Array(kEff);
  for (let i = 0; i < q.rows; i++) {
    const found = index.searchKnn(Array.from(q.data.subarray(i * dim, (i + 1) * dim)), kEff);
    const n = found.neighbors.length;
    for (let c = 0; c < n; c++) order[c] = c;
    const byDistance = order.subarray(0, n).sort((a, b) => found.distances[a] - found.distances[b]);
    const indices = new Int32Array(n);
    const distances = new Float32Array(n);
    for (let c = 0; c < n; c++) {
      indices[c] = found.neighbors[byDistance[c]];
      distances[c] = Math.min(2, Math.max(0, found.distances[byDistance[c]]));
    }
    result.indices.push(indices);
    result.distances.push(distances);
  }
  return result;
}
