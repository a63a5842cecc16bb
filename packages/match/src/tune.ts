export interface TuneResult {
  thresholds: number[];
  f1: number;
  method: 'grid' | 'coordinate ascent';
  evaluations: number;
}

export interface TuneOptions {
  /** A full grid search when the grids' product is at most this; coordinate ascent beyond. Default 2500. */
  maxGrid?: number;
  /** Rounds of coordinate ascent at most. Default 20. */
  maxRounds?: number;
}

const EPS = 1e-12;

/**
 * The thresholds (one per source, each from its grid) that maximise `f1`. Ties go to the combination met
 * first, so grids in ascending order prefer the more conservative matcher, as a single sweep does.
 * Coordinate ascent starts every source at its smallest threshold and, source by source, moves one to its
 * best grid value with the others fixed, until a whole round changes nothing.
 */
export function tuneThresholds(
  f1: (thresholds: readonly number[]) => number,
  grids: readonly (readonly number[])[],
  opts: TuneOptions = {},
): TuneResult {
  if (grids.length === 0 || grids.some((g) => g.length === 0))
    throw new Error('tuneThresholds: every source needs a non-empty threshold grid');
  const cache = new Map<string, number>();
  const evaluate = (t: readonly number[]): number => {
    const key = t.join(',');
    let value = cache.get(key);
    if (value === undefined) cache.set(key, (value = f1(t)));
    return value;
  };
  const size = grids.reduce((product, g) => product * g.length, 1);
  if (size <= (opts.maxGrid ?? 2500)) {
    let best: number[] = grids.map((g) => g[0]);
    let bestF1 = -Infinity;
    const at = new Array<number>(grids.length).fill(0);
    for (let count = 0; count < size; count++) {
      const t = at.map((i, s) => grids[s][i]);
      const value = evaluate(t);
      if (value > bestF1 + EPS) [best, bestF1] = [t, value];
      for (let s = grids.length - 1; s >= 0; s--) {
        if (++at[s] < grids[s].length) break;
        at[s] = 0;
      }
    }
    return { thresholds: best, f1: bestF1, method: 'grid', evaluations: cache.size };
  }
  const current = grids.map((g) => g[0]);
  let currentF1 = evaluate(current);
  for (let round = 0; round < (opts.maxRounds ?? 20); round++) {
    let moved = false;
    grids.forEach((grid, s) => {
      let best = current[s];
      let bestF1 = currentF1;
      for (const value of grid) {
        const f = evaluate(current.map((t, i) => (i === s ? value : t)));
        if (f > bestF1 + EPS) [best, bestF1] = [value, f];
      }
      if (best !== current[s]) {
        current[s] = best;
        currentF1 = bestF1;
        moved = true;
      }
    });
    if (!moved) break;
  }
  return { thresholds: current, f1: currentF1, method: 'coordinate ascent', evaluations: cache.size };
}
