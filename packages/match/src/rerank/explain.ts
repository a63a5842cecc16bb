import type { PairExplanation } from '../combiner.ts';
import { pairIndex, type CandidatePairs } from './candidates.ts';
import { logisticContributions, type LogisticModel } from './logistic.ts';
import type { PairModel } from './model.ts';
import type { PairTable } from './table.ts';

/** Features shown per pair. */
const SHOWN = 3;

const isLinear = (model: PairModel | null): model is LogisticModel => model?.kind === 'logistic' && 'internals' in model;

/**
 * The reasons for each candidate pair's score on one gallery: its final score and three features. A linear
 * model's contributions are its own account of the logit; a non-linear model (or the several models of a
 * cross-fit) has no such sum, so the pair's most unusual feature values are shown instead.
 */
export function pairExplainer(
  table: PairTable,
  pairs: CandidatePairs,
  scores: Float32Array,
  model: PairModel | null,
): (i: number, j: number) => PairExplanation | null {
  let moments: { mean: Float64Array; sd: Float64Array } | null = null;
  const momentsOf = (): { mean: Float64Array; sd: Float64Array } => {
    if (moments) return moments;
    const mean = new Float64Array(table.columns.length);
    const sd = new Float64Array(table.columns.length);
    table.columns.forEach((column, f) => {
      let s = 0;
      let s2 = 0;
      for (const x of column) {
        s += x;
        s2 += x * x;
      }
      mean[f] = s / column.length;
      sd[f] = Math.sqrt(Math.max(0, s2 / column.length - mean[f] ** 2));
    });
    return (moments = { mean, sd });
  };
  const round = (x: number): number => Number(x.toPrecision(4));
  return (i, j) => {
    const p = pairIndex(pairs, i, j);
    if (p < 0) return null;
    if (isLinear(model)) {
      const names = table.features.map((f) => f.name);
      const features = logisticContributions(model, table, p)
        .slice(0, SHOWN)
        .map(({ input, contribution }) => {
          const base = input.startsWith('log1p(') ? input.slice(6, -1) : input;
          return { name: input, value: round(table.columns[names.indexOf(base)][p]), contribution: round(contribution) };
        });
      return { score: round(scores[p]), features };
    }
    const { mean, sd } = momentsOf();
    const features = table.features
      .map((f, c) => ({ name: f.name, value: table.columns[c][p], z: sd[c] > 0 ? Math.abs(table.columns[c][p] - mean[c]) / sd[c] : 0 }))
      .sort((a, b) => b.z - a.z)
      .slice(0, SHOWN)
      .map(({ name, value }) => ({ name, value: round(value), contribution: null }));
    return { score: round(scores[p]), features };
  };
}
