import type { NeighbourLists } from './types.ts';

/**
 * The radius-neighbourhood graph that DBSCAN and OPTICS walk, built from top-k lists instead of an
 * n x n distance matrix: memory O(n * k). An edge i-j exists when either row found the other within
 * `radius`, so a neighbourhood is complete whenever it holds fewer than k rows; a denser
 * neighbourhood is truncated at about k (plus the rows that found i from their side). Self edges are left out.
 */
export interface RadiusGraph {
  indptr: Int32Array;
  indices: Int32Array;
  /** Row i's entries come from its own list first, so d(i, j) is the distance as row i measured it. */
  distances: Float64Array;
}

export function checkSelfLists(lists: NeighbourLists, what: string): number {
  const n = lists.indices.length;
  if (lists.distances.length !== n) {
    throw new Error(`${what}: ${n} index lists but ${lists.distances.length} distance lists; pass the output of one search`);
  }
  for (let i = 0; i < n; i++) {
    const indices = lists.indices[i];
    if (lists.distances[i].length !== indices.length) {
      throw new Error(`${what}: row ${i} has ${indices.length} indices but ${lists.distances[i].length} distances`);
    }
    for (const j of indices) {
      if (j < 0 || j >= n) {
        throw new Error(`${what}: row ${i} lists neighbour ${j}, outside 0..${n - 1}; search the set against itself (queries = gallery)`);
      }
    }
  }
  return n;
}

export function radiusGraph(lists: NeighbourLists, radius: number): RadiusGraph {
  const n = lists.indices.length;
  const degree = new Int32Array(n + 1);
  // Distances are float32: compare at that precision, as neighboursWithin does.
  const limit = Math.fround(radius);
  const within = (i: number, c: number) => lists.indices[i][c] !== i && lists.distances[i][c] <= limit;
  for (let i = 0; i < n; i++) {
    const indices = lists.indices[i];
    for (let c = 0; c < indices.length; c++) {
      if (!within(i, c)) continue;
      degree[i]++;
      degree[indices[c]]++;
    }
  }
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) start[i + 1] = start[i] + degree[i];
  const rawIndices = new Int32Array(start[n]);
  const rawDistances = new Float64Array(start[n]);
  const cursor = start.slice(0, n);
  // Own entries first (all rows), reverse entries after, so deduplication keeps each row's own measurement.
  for (let i = 0; i < n; i++) {
    const indices = lists.indices[i];
    for (let c = 0; c < indices.length; c++) {
      if (!within(i, c)) continue;
      rawIndices[cursor[i]] = indices[c];
      rawDistances[cursor[i]++] = lists.distances[i][c];
    }
  }
  for (let i = 0; i < n; i++) {
    const indices = lists.indices[i];
    for (let c = 0; c < indices.length; c++) {
      if (!within(i, c)) continue;
      const j = indices[c];
      rawIndices[cursor[j]] = i;
      rawDistances[cursor[j]++] = lists.distances[i][c];
    }
  }
  const seenBy = new Int32Array(n).fill(-1);
  const indptr = new Int32Array(n + 1);
  const indices = new Int32Array(start[n]);
  const distances = new Float64Array(start[n]);
  let out = 0;
  for (let i = 0; i < n; i++) {
    for (let p = start[i]; p < start[i + 1]; p++) {
      const j = rawIndices[p];
      if (seenBy[j] === i) continue;
      seenBy[j] = i;
      indices[out] = j;
      distances[out++] = rawDistances[p];
    }
    indptr[i + 1] = out;
  }
  return { indptr, indices: indices.slice(0, out), distances: distances.slice(0, out) };
}

/** Throws unless every row lists at least `needed` neighbours (or the whole set), naming the first short row. */
export function checkListLength(lists: NeighbourLists, needed: number, what: string): void {
  const n = lists.indices.length;
  const want = Math.min(needed, n);
  lists.indices.forEach((indices, i) => {
    if (indices.length < want) {
      throw new Error(`${what}: row ${i} has ${indices.length} neighbours but ${want} are needed; search with k >= minSamples`);
    }
  });
}
