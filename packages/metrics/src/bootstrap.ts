// Intervals for the competition score. Rows of one label group are not independent (they match each
// other), so the unit that is resampled is the group: draw as many groups as there are, with
// replacement, take every row of each drawn group, and take the mean of their per-row F1. The interval
// is the percentile interval of that mean over the resamples (linear interpolation between order
// statistics). Seeded by the project's one generator, so a row's interval is reproducible.
import { seededRandom } from '@prodmatch/data/random';

export const DEFAULT_RESAMPLES = 1000;
export const DEFAULT_LEVEL = 0.95;
const TIE = 1e-12;

export interface BootstrapOptions {
  seed: number;
  /** Default 1,000. */
  resamples?: number;
  /** Coverage of the interval; default 0.95. */
  level?: number;
}

/** How an interval was made: enough to make it again. */
export interface IntervalSettings {
  level: number;
  resamples: number;
  unit: 'label group';
  seed: number;
}

export interface GroupInterval extends IntervalSettings {
  /** The statistic on the rows as they are (no resampling). */
  estimate: number;
  low: number;
  high: number;
}

export interface PairedInterval extends IntervalSettings {
  /** mean(a) - mean(b) on the rows as they are. */
  difference: number;
  low: number;
  high: number;
  /** Share of resamples with mean(a) > mean(b); a resample where they are equal (within 1e-12) counts one half. */
  pGreater: number;
}

/** Per group (groups in sorted order, so the draws do not depend on row order): the sum of `values` over its rows and its row count. */
export function groupSums(
  values: ArrayLike<number>,
  groups: ArrayLike<string>,
): { sums: Float64Array; counts: Int32Array; names: string[] } {
  if (values.length !== groups.length) throw new Error(`group bootstrap: ${values.length} values for ${groups.length} group labels`);
  if (values.length === 0) throw new Error('group bootstrap: no rows');
  const names = [...new Set(Array.from(groups))].sort();
  const index = new Map(names.map((name, i) => [name, i]));
  const sums = new Float64Array(names.length);
  const counts = new Int32Array(names.length);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new Error(`group bootstrap: value ${i} is ${values[i]}`);
    const g = index.get(groups[i]) as number;
    sums[g] += values[i];
    counts[g]++;
  }
  return { sums, counts, names };
}

/** The q-quantile of sorted values, interpolating linearly between order statistics (R's type 7). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q;
  const below = Math.floor(h);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (h - below) * (sorted[above] - sorted[below]);
}

function settingsOf(options: BootstrapOptions): IntervalSettings {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const level = options.level ?? DEFAULT_LEVEL;
  if (!Number.isInteger(resamples) || resamples < 1)
    throw new Error(`group bootstrap: resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new Error(`group bootstrap: level must be within (0, 1), got ${level}`);
  return { level, resamples, unit: 'label group', seed: options.seed };
}

/** The resampled means of `sums` / `counts` (one draw of all groups with replacement per resample), sorted. */
function resampledMeans(sums: Float64Array, counts: Int32Array, settings: IntervalSettings): Float64Array {
  const random = seededRandom(settings.seed);
  const groups = sums.length;
  const means = new Float64Array(settings.resamples);
  for (let r = 0; r < settings.resamples; r++) {
    let sum = 0;
    let count = 0;
    for (let k = 0; k < groups; k++) {
      const g = Math.floor(random() * groups);
      sum += sums[g];
      count += counts[g];
    }
    means[r] = sum / count;
  }
  return means.sort();
}

function meanOf(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

/** The mean of `values` (one per row) with its bootstrap interval over the rows' groups. */
export function groupBootstrap(values: ArrayLike<number>, groups: ArrayLike<string>, options: BootstrapOptions): GroupInterval {
  const settings = settingsOf(options);
  const { sums, counts } = groupSums(values, groups);
  const means = resampledMeans(sums, counts, settings);
  const tail = (1 - settings.level) / 2;
  return { estimate: meanOf(values), low: quantile(means, tail), high: quantile(means, 1 - tail), ...settings };
}

/**
 * A paired comparison on the same rows: the bootstrap of mean(a - b) over the rows' groups, where a and
 * b are two methods' per-row F1 on the same postings (same order). Identical inputs give exactly 0 [0, 0].
 */
export function pairedGroupBootstrap(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  groups: ArrayLike<string>,
  options: BootstrapOptions,
): PairedInterval {
  if (a.length !== b.length) throw new Error(`paired bootstrap: ${a.length} rows against ${b.length}`);
  const settings = settingsOf(options);
  const differences = Float64Array.from(a, (value, i) => value - b[i]);
  const { sums, counts } = groupSums(differences, groups);
  const means = resampledMeans(sums, counts, settings);
  let greater = 0;
  // Sums of differences in another order can leave 1e-17 where the means are equal: that is a tie.
  for (const m of means) greater += m > TIE ? 1 : m >= -TIE ? 0.5 : 0;
  const tail = (1 - settings.level) / 2;
  return {
    difference: meanOf(differences),
    low: quantile(means, tail),
    high: quantile(means, 1 - tail),
    pGreater: greater / means.length,
    ...settings,
  };
}
