import { MATCH_CAP, matchScores, type MatchScores } from './f1.ts';

/** Any ranked candidate lists: indices nearest first with their distances (cosine, Hamming, ...). */
export interface RankedLists {
  indices: readonly ArrayLike<number>[];
  distances: readonly ArrayLike<number>[];
}

export interface ThresholdOptions {
  /** Keep at least this many postings per row (self included) even beyond the threshold: 2 is the
   *  "min2" trick, since every Shopee posting has at least one other posting of its product. */
  minMatches?: number;
}

/** Rows within `threshold` of each row (self first), capped at 50. */
export function matchesWithin(lists: RankedLists, threshold: number, options: ThresholdOptions = {}): Int32Array[] {
  const minMatches = options.minMatches ?? 1;
  return lists.indices.map((indices, row) => {
    const distances = lists.distances[row];
    const out: number[] = [row];
    for (let j = 0; j < indices.length && out.length < MATCH_CAP; j++) {
      const other = indices[j];
      if (other === row) continue;
      if (distances[j] <= threshold || out.length < minMatches) out.push(other);
      else break;
    }
    return Int32Array.from(out);
  });
}

export interface SweepPoint extends MatchScores {
  threshold: number;
}

/** Scores every threshold of a grid on the same ranked lists. */
export function thresholdSweep(lists: RankedLists, labels: ArrayLike<string>, thresholds: readonly number[], options: ThresholdOptions = {}): SweepPoint[] {
  if (thresholds.length === 0) throw new Error('thresholdSweep: empty threshold grid');
  return thresholds.map((threshold) => ({ threshold, ...matchScores(matchesWithin(lists, threshold, options), labels) }));
}

/** Best point of a sweep; ties go to the smaller threshold (the more conservative matcher). */
export function bestThreshold(sweep: readonly SweepPoint[]): SweepPoint {
  return sweep.reduce((best, p) => (p.f1 > best.f1 + 1e-12 || (Math.abs(p.f1 - best.f1) <= 1e-12 && p.threshold < best.threshold) ? p : best));
}

/** Evenly spaced grid, rounded so that thresholds print and compare cleanly. */
export function thresholdGrid(from: number, to: number, step: number): number[] {
  if (!(step > 0) || to < from) throw new Error(`thresholdGrid: need from <= to and step > 0 (got ${from}, ${to}, ${step})`);
  const out: number[] = [];
  for (let i = 0; from + i * step <= to + 1e-9; i++) out.push(Math.round((from + i * step) * 1e6) / 1e6);
  return out;
}
