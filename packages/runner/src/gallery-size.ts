// Thresholds depend on the gallery's size: the more postings, the more near neighbours of other products,
// so the best distance cut moves. This file draws dev galleries of a given size by label group and fits
// each source's tuned threshold against log(rows), so `pnpm submit` can size its thresholds for test.csv.
import { seededRandom, type Posting } from '@prodmatch/data';
import type { GallerySizeExperiment, GallerySizeTuned } from '@prodmatch/results';

/**
 * Indices (ascending) of whole label groups drawn in a seeded random order until at least `rows` postings
 * are taken: a dev gallery of about that size whose groups are complete, as a test gallery's are.
 */
export function groupSample(postings: readonly Posting[], rows: number, seed: number): number[] {
  if (rows >= postings.length) return postings.map((_, i) => i);
  const byGroup = new Map<string, number[]>();
  postings.forEach((p, i) => {
    const group = p.labelGroup as string;
    const members = byGroup.get(group);
    if (members) members.push(i);
    else byGroup.set(group, [i]);
  });
  const groups = [...byGroup.values()];
  const random = seededRandom(seed);
  // Fisher-Yates over the groups in first-seen order: the same postings and seed give the same draw.
  for (let i = groups.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [groups[i], groups[j]] = [groups[j], groups[i]];
  }
  const taken: number[] = [];
  for (const members of groups) {
    if (taken.length >= rows) break;
    taken.push(...members);
  }
  return taken.sort((a, b) => a - b);
}

/** A seed per (draw, size), so that each size's gallery is drawn independently of the others. */
export const drawSeed = (seed: number, size: number): number => (Math.imul(seed, 1_000_003) + size) >>> 0;

/** Thresholds for a gallery size, one per source in the order asked for, and a sentence saying where they came from. */
export interface SizedThresholds {
  values: number[];
  how: string;
}

/** Least squares y = a + b·x; a constant (the mean) when the xs do not vary. */
function lineFit(xs: readonly number[], ys: readonly number[]): (x: number) => number {
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  const sxx = xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  if (sxx === 0) return () => my;
  const b = xs.reduce((s, x, i) => s + (x - mx) * (ys[i] - my), 0) / sxx;
  return (x) => my + b * (x - mx);
}

/** The grid value nearest `value` (the lower on a tie), so a sized threshold is one tuning could pick. */
function snap(grid: readonly number[], value: number): number {
  let best = grid[0];
  for (const g of grid) if (Math.abs(g - value) < Math.abs(best - value) - 1e-12) best = g;
  return best;
}

/**
 * Each source's threshold for a gallery of `rows` postings: a line through the thresholds tuned at the
 * measured sizes against ln(rows), read at `rows` and snapped to the source's grid. Below the smallest
 * measured gallery the line is read at that gallery's size (a tiny gallery is not extrapolated to);
 * above the largest it is extrapolated, and `how` says so. `only` restricts the fit to those sizes
 * (the benchmark leaves a held-out size out).
 */
export function thresholdsForSize(
  entry: Pick<GallerySizeExperiment, 'experiment' | 'sources' | 'tuned'>,
  sourceNames: readonly string[],
  rows: number,
  only?: (tuned: GallerySizeTuned) => boolean,
): SizedThresholds {
  const points = entry.tuned.filter(only ?? (() => true)).sort((a, b) => a.rows - b.rows);
  if (points.length === 0) throw new Error(`${entry.experiment}: no tuned gallery sizes to fit thresholds on`);
  const smallest = points[0].rows;
  const largest = points[points.length - 1].rows;
  const at = Math.max(rows, smallest);
  const values = sourceNames.map((name) => {
    const source = entry.sources.find((s) => s.name === name);
    if (!source)
      throw new Error(
        `${entry.experiment}: the gallery-size benchmark has no source "${name}" (it has ${entry.sources.map((s) => s.name).join(', ')}); run \`pnpm bench:gallery-size\` again`,
      );
    const line = lineFit(
      points.map((p) => Math.log(p.rows)),
      points.map((p) => p.thresholds[name]),
    );
    return snap(source.grid, line(Math.log(at)));
  });
  const measured = `tuned at ${points.map((p) => p.rows).join(', ')} rows`;
  const how =
    rows < smallest
      ? `${rows} rows is below the smallest measured gallery (${smallest} rows): the log-linear fit of the thresholds ${measured}, read at ${smallest} rows (not extrapolated below)`
      : rows > largest
        ? `${rows} rows is beyond the largest measured gallery (${largest} rows): extrapolated by the log-linear fit of the thresholds ${measured}`
        : `${rows} rows is within the measured galleries: interpolated by the log-linear fit of the thresholds ${measured}`;
  return { values, how };
}
