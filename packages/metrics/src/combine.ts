import { MATCH_CAP } from './f1.ts';

/** Union of several match lists per row (e.g. image matches ∪ text matches), first list's order first. */
export function unionMatches(...sets: readonly (readonly ArrayLike<number>[])[]): Int32Array[] {
  const rows = sets[0]?.length ?? 0;
  if (sets.some((s) => s.length !== rows)) throw new Error('unionMatches: match sets cover different numbers of rows');
  return Array.from({ length: rows }, (_, row) => {
    const seen = new Set<number>([row]);
    for (const set of sets) for (let j = 0; j < set[row].length && seen.size < MATCH_CAP; j++) seen.add(set[row][j]);
    return Int32Array.from(seen);
  });
}

/** Per row, the longest of several match lists (seed 004's DBSCAN/OPTICS/kNN ensemble). */
export function longestMatches(...sets: readonly (readonly ArrayLike<number>[])[]): ArrayLike<number>[] {
  const rows = sets[0]?.length ?? 0;
  if (sets.some((s) => s.length !== rows)) throw new Error('longestMatches: match sets cover different numbers of rows');
  return Array.from({ length: rows }, (_, row) => sets.reduce((best, set) => (set[row].length > best[row].length ? set : best))[row]);
}

/** One neighbour list of a row (nearest first) and the distance up to which its neighbours are matches. */
export interface ThresholdedList {
  indices: ArrayLike<number>;
  distances: ArrayLike<number>;
  threshold: number;
  /** Keep at least this many of this list's postings (self included) even past the threshold: per-list min2. */
  minMatches?: number;
}

/**
 * The matches of one row under the thresholded-union rule every fused experiment and the match explorer
 * share: the row itself; then, list by list, its neighbours within that list's threshold (nearest first,
 * each posting once), keeping at least the list's `minMatches`; then, if fewer than `minMatches` in all,
 * the first list's next nearest (min2 after fusion); at most `cap` postings.
 */
export function matchesWithin(row: number, lists: readonly ThresholdedList[], opts: { minMatches?: number; cap?: number } = {}): number[] {
  const cap = opts.cap ?? MATCH_CAP;
  const out = [row];
  // A linear scan of at most `cap` (50) entries: cheaper than a Set per row when a whole gallery is re-matched.
  const add = (j: number): void => {
    if (out.length < cap && !out.includes(j)) out.push(j);
  };
  for (const list of lists) {
    // Distances are float32 in the searches: compare at that precision, so a distance stored from 0.3 is within 0.3.
    const threshold = Math.fround(list.threshold);
    const keep = list.minMatches ?? 1;
    let kept = 1;
    for (let c = 0; c < list.indices.length; c++) {
      const j = list.indices[c];
      if (j === row) continue;
      if (!(list.distances[c] <= threshold) && kept >= keep) break;
      add(j);
      kept++;
    }
  }
  const first = lists[0];
  const minMatches = opts.minMatches ?? 1;
  for (let c = 0; first && c < first.indices.length && out.length < Math.min(minMatches, cap); c++)
    if (first.indices[c] !== row) add(first.indices[c]);
  return out;
}
