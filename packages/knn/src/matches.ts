import { MATCH_CAP } from '@prodmatch/metrics';
import type { NeighbourLists } from './types.ts';

function checkCap(cap: number): void {
  if (!Number.isInteger(cap) || cap < 1) throw new Error(`cap must be a positive integer, got ${cap}`);
}

export interface NeighboursWithinOptions {
  /**
   * Keep at least this many matches (self included) even past the threshold, taking the nearest
   * other rows: 2 is the "min2" trick, so that no posting is left matching only itself. Default 1.
   */
  minMatches?: number;
  /** Most matches per row, self included. Default 50. */
  cap?: number;
}

/**
 * Per row: itself, then its neighbours at cosine distance <= maxDistance, nearest first.
 * `lists` must come from a search of a set against itself, so that row i's own index is i.
 */
export function neighboursWithin(lists: NeighbourLists, maxDistance: number, opts: NeighboursWithinOptions = {}): Int32Array[] {
  const cap = opts.cap ?? MATCH_CAP;
  const minMatches = opts.minMatches ?? 1;
  checkCap(cap);
  if (!Number.isInteger(minMatches) || minMatches < 1) throw new Error(`minMatches must be a positive integer, got ${minMatches}`);
  if (Number.isNaN(maxDistance)) throw new Error('maxDistance is NaN; pass a cosine distance threshold');
  const keepAtLeast = Math.min(minMatches, cap);
  // Distances are float32: compare at that precision, so a distance stored from 0.3 is within 0.3.
  const threshold = Math.fround(maxDistance);
  return lists.indices.map((indices, row) => {
    const distances = lists.distances[row];
    const out: number[] = [row];
    for (let c = 0; c < indices.length && out.length < cap; c++) {
      const j = indices[c];
      if (j === row) continue;
      if (distances[c] <= threshold || out.length < keepAtLeast) out.push(j);
      // Lists are sorted, so once past the threshold only the minMatches top-up can add more.
      else if (out.length >= keepAtLeast) break;
    }
    return Int32Array.from(out);
  });
}

/** Per row: itself, then the other rows of its cluster in index order (noise, label -1, matches only itself). */
export function clusterMatches(labels: Int32Array, opts: { cap?: number } = {}): Int32Array[] {
  const cap = opts.cap ?? MATCH_CAP;
  checkCap(cap);
  const members = new Map<number, number[]>();
  labels.forEach((label, row) => {
    if (label < 0) return;
    let list = members.get(label);
    if (!list) members.set(label, (list = []));
    list.push(row);
  });
  return Array.from(labels, (label, row) => {
    if (label < 0) return Int32Array.of(row);
    const out: number[] = [row];
    for (const j of members.get(label)!) {
      if (out.length >= cap) break;
      if (j !== row) out.push(j);
    }
    return Int32Array.from(out);
  });
}
