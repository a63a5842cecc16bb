import { seededRandom } from '@prodmatch/data';
import type { PairTable } from './table.ts';

/** Which pairs a model fits on, and how much each counts (negatives sampled at rate r weigh 1 / r). */
export interface FitSet {
  rows: Int32Array;
  weights: Float32Array;
}

/** A pair model: fit on a table's pairs and their 0/1 labels, predict p(match) for any table of the same features. */
export interface PairModel {
  /** 'logistic', 'mlp', 'gbdt'. */
  readonly kind: string;
  /** Fits on the pairs `set.rows` of `table` (all pairs, weight 1, when absent). */
  fit(table: PairTable, labels: Uint8Array, set?: FitSet): Promise<void>;
  /** p(match) of each pair in `rows` (all pairs when absent), in that order. */
  predict(table: PairTable, rows?: Int32Array): Promise<Float32Array>;
  /** Learned numbers: weights, biases, tree thresholds and leaf values. */
  parameterCount(): number;
  /** Settings and fitted facts for a result row (no large arrays). */
  describe(): Record<string, unknown>;
}

export type PairModelFactory = () => PairModel;

/** Every row of a table, in order. */
export const allRows = (pairs: number): Int32Array => {
  const rows = new Int32Array(pairs);
  for (let p = 0; p < pairs; p++) rows[p] = p;
  return rows;
};

/**
 * Every positive pair and a seeded sample of the negatives, each negative weighted 1 / rate so the
 * weighted data keep the full set's class balance. Candidates are ~98% negatives, most of them easy:
 * sampling them is what keeps fitting fast without changing what the model estimates.
 */
export function sampleFitSet(labels: Uint8Array, options: { negativeRate: number; seed: number; rows?: Int32Array }): FitSet {
  const { negativeRate, seed } = options;
  if (!(negativeRate > 0 && negativeRate <= 1)) throw new Error(`sampleFitSet: negativeRate must be in (0, 1], got ${negativeRate}`);
  const random = seededRandom(seed);
  const from = options.rows ?? allRows(labels.length);
  const rows = new Int32Array(from.length);
  const weights = new Float32Array(from.length);
  let size = 0;
  for (let c = 0; c < from.length; c++) {
    const p = from[c];
    if (labels[p] === 1) {
      rows[size] = p;
      weights[size++] = 1;
    } else if (random() < negativeRate) {
      rows[size] = p;
      weights[size++] = 1 / negativeRate;
    }
  }
  return { rows: rows.slice(0, size), weights: weights.slice(0, size) };
}

/** A copy of the table with some columns' values permuted together across pairs (permutation importance). */
export function permutedTable(table: PairTable, columns: readonly number[], seed: number): PairTable {
  const random = seededRandom(seed);
  const order = allRows(table.pairs);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const replaced = new Set(columns);
  return {
    ...table,
    columns: table.columns.map((column, f) => {
      if (!replaced.has(f)) return column;
      const out = new Float32Array(column.length);
      for (let p = 0; p < out.length; p++) out[p] = column[order[p]];
      return out;
    }),
  };
}
