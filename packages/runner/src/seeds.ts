// --seeds 1,2,3: the same experiment once per seed (the seed picks the split or folds and seeds
// training), summarised in one row, so that a difference between two trained experiments can be held
// against how much one of them moves from seed to seed.
import type { ResultRow, SeedsSummary } from '@prodmatch/results';
import type { PreparedExperiment } from './prepare.ts';

/** The prepared experiment with another seed: the protocol's split and every feature's training use it. */
export function withSeed(prepared: PreparedExperiment, seed: number): PreparedExperiment {
  return { ...prepared, run: { ...prepared.run, seed }, context: { ...prepared.context, seed } };
}

const mean = (values: readonly number[]): number => values.reduce((s, v) => s + v, 0) / values.length;
const sd = (values: readonly number[]): number => Math.sqrt(values.reduce((s, v) => s + (v - mean(values)) ** 2, 0) / (values.length - 1));

/**
 * One row for the seeds' rows (in seed order): f1, precision and recall are their means, `seeds` keeps
 * each seed's F1, thresholds and interval with the mean and sample standard deviation of the reported F1;
 * the thresholds, sweeps and channels are the first seed's (its predictions file is the one written).
 */
export function seedsRow(rows: readonly ResultRow[], timings: ResultRow['timings']): ResultRow {
  const [first] = rows;
  const tests = rows.map((r) => r.f1.test);
  const vals = rows.map((r) => r.f1.val);
  const seeds: SeedsSummary = {
    values: rows.map((r) => r.seed),
    perSeed: rows.map((r) => ({
      seed: r.seed,
      f1: r.f1,
      thresholds: r.thresholds ?? {},
      ...(r.f1Interval ? { f1Interval: r.f1Interval } : {}),
    })),
    mean: mean(tests),
    sd: sd(tests),
  };
  const { f1Interval: _interval, cv: _cv, ...rest } = first;
  return {
    ...rest,
    f1: { val: vals.every((v) => v !== null) ? mean(vals as number[]) : null, test: seeds.mean },
    seeds,
    precision: mean(rows.map((r) => r.precision)),
    recall: mean(rows.map((r) => r.recall)),
    timings,
  };
}
