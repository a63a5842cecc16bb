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
