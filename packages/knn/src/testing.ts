// Helpers shared by this package's tests; not part of the public API.
import { seededRandom } from '@prodmatch/data';
import type { DenseMatrix, NeighbourLists } from './types.ts';

export { seededRandom };

export function randomMatrix(rows: number, dim: number, seed: number): DenseMatrix {
  const random = seededRandom(seed);
  return { rows, dim, data: Float32Array.from({ length: rows * dim }, () => random() * 2 - 1) };
}

/** O(n^2) float64 cosine distances of every query to every gallery row. */
export function naiveCosineDistances(queries: DenseMatrix, gallery: DenseMatrix): Float64Array[] {
  const norm = (m: DenseMatrix, i: number) => {
    let s = 0;
    for (let j = 0; j < m.dim; j++) s += m.data[i * m.dim + j] ** 2;
    return Math.sqrt(s);
  };
  return Array.from({ length: queries.rows }, (_, i) => {
    const out = new Float64Array(gallery.rows);
    const ni = norm(queries, i);
    for (let g = 0; g < gallery.rows; g++) {
      let dot = 0;
      for (let j = 0; j < queries.dim; j++) dot += queries.data[i * queries.dim + j] * gallery.data[g * gallery.dim + j];
      out[g] = 1 - dot / (ni * norm(gallery, g));
    }
    return out;
  });
}

/** Neighbour lists built by hand: row i's (index, distance) pairs, nearest first. */
export function listsFrom(rows: Array<Array<[number, number]>>): NeighbourLists {
  return {
    indices: rows.map((r) => Int32Array.from(r, ([j]) => j)),
    distances: rows.map((r) => Float32Array.from(r, ([, d]) => d)),
  };
}
