import { matchScores, type MatchScores } from './f1.ts';

export interface SweepPoint extends MatchScores {
  threshold: number;
}

/**
 * Scores every threshold of a grid. `predictAt` turns a threshold into match lists, so the same sweep
 * serves thresholded neighbours, min2, and clustering ensembles whose "threshold" is an eps.
 */
export function thresholdSweep(
  predictAt: (threshold: number) => readonly ArrayLike<number>[],
  labels: ArrayLike<string>,
  thresholds: readonly number[],
): SweepPoint[] {
  if (thresholds.length === 0) throw new Error('thresholdSweep: empty threshold grid');
  return thresholds.map((threshold) => ({ threshold, ...matchScores(predictAt(threshold), labels) }));
}

/** Best point of a sweep; ties go to the smaller threshold (the more conservative matcher). */
export function bestThreshold(sweep: readonly SweepPoint[]): SweepPoint {
  return sweep.reduce((best, p) =>
    p.f1 > best.f1 + 1e-12 || (Math.abs(p.f1 - best.f1) <= 1e-12 && p.threshold < best.threshold) ? p : best,
  );
}

/** Evenly spaced grid, rounded so that thresholds print and compare cleanly. */
export function thresholdGrid(from: number, to: number, step: number): number[] {
  if (!(step > 0) || to < from) throw new Error(`thresholdGrid: need from <= to and step > 0 (got ${from}, ${to}, ${step})`);
  const out: number[] = [];
  for (let i = 0; from + i * step <= to + 1e-9; i++) out.push(Math.round((from + i * step) * 1e6) / 1e6);
  return out;
}
