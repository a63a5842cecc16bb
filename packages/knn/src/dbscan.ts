import { checkListLength, checkSelfLists, radiusGraph } from './graph.ts';
import type { NeighbourLists } from './types.ts';

/**
 * DBSCAN labels with scikit-learn's semantics (metric cosine): a row is core when its
 * eps-neighbourhood (distance <= eps, the row itself counted) has at least minSamples rows; clusters
 * are numbered in the order of their lowest-index core row, and a border row joins the first cluster
 * that reaches it. -1 = noise. Neighbourhoods come from `lists` (a search of the set against itself),
 * so they are exact when every eps-neighbourhood has fewer than k rows; see `radiusGraph`.
 */
export function dbscanLabels(lists: NeighbourLists, eps: number, minSamples: number): Int32Array {
  if (!(eps >= 0)) throw new Error(`eps must be a non-negative cosine distance, got ${eps}`);
  if (!Number.isInteger(minSamples) || minSamples < 1) throw new Error(`minSamples must be a positive integer, got ${minSamples}`);
  const n = checkSelfLists(lists, 'dbscanLabels');
  checkListLength(lists, minSamples, 'dbscanLabels');
  const graph = radiusGraph(lists, eps);
  const isCore = (i: number) => 1 + graph.indptr[i + 1] - graph.indptr[i] >= minSamples;
  const labels = new Int32Array(n).fill(-1);
  const stack: number[] = [];
  let next = 0;
  for (let seed = 0; seed < n; seed++) {
    if (labels[seed] !== -1 || !isCore(seed)) continue;
    labels[seed] = next;
    stack.push(seed);
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (!isCore(i)) continue;
      for (let p = graph.indptr[i]; p < graph.indptr[i + 1]; p++) {
        const j = graph.indices[p];
        if (labels[j] !== -1) continue;
        labels[j] = next;
        stack.push(j);
      }
    }
    next++;
  }
  return labels;
}
