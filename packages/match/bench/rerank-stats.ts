import { seededRandom } from '@prodmatch/data';
import type { PairTable } from '../src/rerank/index.ts';

/**
 * Group bootstrap of a paired per-row difference: resample the label groups with replacement, and
 * take the mean row difference over the rows of the groups drawn. 95% percentile interval.
 */
export function groupBootstrap(
  labels: readonly string[],
  ours: Float64Array,
  theirs: Float64Array,
  resamples: number,
  seed: number,
): { gain: number; low: number; high: number; resamples: number } {
  const byGroup = new Map<string, { sum: number; rows: number }>();
  let total = 0;
  labels.forEach((label, i) => {
    const d = ours[i] - theirs[i];
    total += d;
    const g = byGroup.get(label) ?? { sum: 0, rows: 0 };
    g.sum += d;
    g.rows++;
    byGroup.set(label, g);
  });
  const groups = [...byGroup.values()];
  const random = seededRandom(seed);
  const gains = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    let rows = 0;
    for (let k = 0; k < groups.length; k++) {
      const g = groups[Math.floor(random() * groups.length)];
      sum += g.sum;
      rows += g.rows;
    }
    gains[r] = sum / rows;
  }
  gains.sort();
  return {
    gain: total / labels.length,
    low: gains[Math.floor(0.025 * resamples)],
    high: gains[Math.ceil(0.975 * resamples) - 1],
    resamples,
  };
}

/** The same pairs with only the named features (an ablation: "only the raw similarities"). */
export function selectFeatures(table: PairTable, names: readonly string[]): PairTable {
  const at = names.map((name) => {
    const f = table.features.findIndex((x) => x.name === name);
    if (f < 0) throw new Error(`selectFeatures: no feature ${name}`);
    return f;
  });
  return { pairs: table.pairs, features: at.map((f) => table.features[f]), columns: at.map((f) => table.columns[f]) };
}

/** Wall and CPU seconds of an async step (CPU: this process, all threads). */
export async function timed<T>(step: () => Promise<T> | T): Promise<{ value: T; wall: number; cpu: number }> {
  const cpu = process.cpuUsage();
  const t = process.hrtime.bigint();
  const value = await step();
  const used = process.cpuUsage(cpu);
  return { value, wall: Number(process.hrtime.bigint() - t) / 1e9, cpu: (used.user + used.system) / 1e6 };
}
