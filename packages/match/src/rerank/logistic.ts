import { lbfgs } from './lbfgs.ts';
import { newtonLogistic } from './newton.ts';
import { allRows, type FitSet, type PairModel } from './model.ts';
import { fitStandardiser, standardise, type Standardiser } from './transform.ts';
import type { PairTable } from './table.ts';

export interface LogisticOptions {
  /** L2 penalty on the weights (not the bias), per unit of total sample weight. Default 1e-4. */
  l2?: number;
  /** Add sign(x) log(1 + |x|) copies of every feature. Default true. */
  log1p?: boolean;
  /** 'newton' (default): Newton steps with a Cholesky solve; 'lbfgs': quasi-Newton, for comparison. */
  solver?: 'newton' | 'lbfgs';
  /** L-BFGS iterations at most. Default 300. */
  maxIterations?: number;
}

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/**
 * Logistic regression on standardised features (and their log1p copies), L2-regularised, fitted by
 * L-BFGS over typed arrays: the weighted mean log-loss plus l2/2 |w|^2. On the real train split's
 * sampled pairs this converges in seconds on 2 cores, where tfjs (wasm or cpu) needs many epochs of
 * minibatch gradient steps for the same fit (docs/rerank.md).
 */
export interface LogisticModel extends PairModel {
  /** The fitted standardiser and weights (inputs in standardiser.names order, then the bias); null before fit. */
  internals(): { standardiser: Standardiser; weights: Float64Array } | null;
}

export function logisticModel(options: LogisticOptions = {}): LogisticModel {
  const l2 = options.l2 ?? 1e-4;
  const log1p = options.log1p ?? true;
  const maxIterations = options.maxIterations ?? 300;
  const solver = options.solver ?? 'newton';
  let standardiser: Standardiser | null = null;
  let weights: Float64Array | null = null;
  let fitted: { iterations: number; converged: boolean; loss: number; pairs: number } | null = null;
  const model: LogisticModel = {
    kind: 'logistic',
    async fit(table, labels, set?: FitSet) {
      const rows = set?.rows ?? allRows(table.pairs);
      const sampleWeights = set?.weights ?? new Float32Array(rows.length).fill(1);
      standardiser = fitStandardiser(table, rows, sampleWeights, log1p);
      const dim = standardiser.dim;
      const x = standardise(standardiser, table, rows);
      const y = Uint8Array.from(rows, (p) => labels[p]);
      const result =
        solver === 'newton'
          ? newtonLogistic({ x, dim, y, weights: sampleWeights }, { l2 })
          : lbfgsLogistic(x, dim, y, sampleWeights, l2, maxIterations);
      weights = result.w;
      fitted = { iterations: result.iterations, converged: result.converged, loss: result.loss, pairs: rows.length };
    },
    async predict(table, rows = allRows(table.pairs)) {
      if (!standardiser || !weights) throw new Error('logisticModel: predict before fit');
      const dim = standardiser.dim;
      const out = new Float32Array(rows.length);
      // In blocks, so a large gallery never holds all its standardised inputs at once.
      const block = 65536;
      for (let start = 0; start < rows.length; start += block) {
        const part = rows.subarray(start, Math.min(rows.length, start + block));
        const x = standardise(standardiser, table, part);
        for (let c = 0, at = 0; c < part.length; c++, at += dim) {
          let z = weights[dim];
          for (let d = 0; d < dim; d++) z += x[at + d] * weights[d];
          out[start + c] = sigmoid(z);
        }
      }
      return out;
    },
    parameterCount: () => (standardiser ? standardiser.dim + 1 : 0),
    describe: () => ({
      model: 'logistic regression',
      solver: solver === 'newton' ? 'Newton / Cholesky (typed arrays)' : 'L-BFGS (typed arrays)',
      l2,
      log1p,
      inputs: standardiser?.dim ?? null,
      ...(fitted ?? {}),
    }),
    internals: () => (standardiser && weights ? { standardiser, weights } : null),
  };
  return model;
}

/**
 * The linear model's contributions to one pair's logit: weight x standardised input, largest magnitude
 * first (the explorer's "three largest feature contributions").
 */
export function logisticContributions(model: LogisticModel, table: PairTable, pair: number): { input: string; contribution: number }[] {
  const internals = model.internals();
  if (!internals) throw new Error('logisticContributions: the model is not fitted');
  const { standardiser, weights } = internals;
  const x = standardise(standardiser, table, Int32Array.of(pair));
  return standardiser.names
    .map((input, d) => ({ input, contribution: x[d] * weights[d] }))
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
}

/** The logistic fit by L-BFGS over the same objective as newtonLogistic. */
function lbfgsLogistic(
  x: Float32Array,
  dim: number,
  y: Uint8Array,
  sampleWeights: Float32Array,
  l2: number,
  maxIterations: number,
): { w: Float64Array; loss: number; iterations: number; converged: boolean } {
  let total = 0;
  for (let c = 0; c < y.length; c++) total += sampleWeights[c];
  const objective = (w: Float64Array, gradient: Float64Array): number => {
    gradient.fill(0);
    let loss = 0;
    const bias = w[dim];
    for (let c = 0, at = 0; c < y.length; c++, at += dim) {
      let z = bias;
      for (let d = 0; d < dim; d++) z += x[at + d] * w[d];
      loss += sampleWeights[c] * ((z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - y[c] * z);
      const r = sampleWeights[c] * (sigmoid(z) - y[c]);
      for (let d = 0; d < dim; d++) gradient[d] += r * x[at + d];
      gradient[dim] += r;
    }
    let penalty = 0;
    for (let d = 0; d <= dim; d++) gradient[d] /= total;
    for (let d = 0; d < dim; d++) {
      penalty += w[d] * w[d];
      gradient[d] += l2 * w[d];
    }
    return loss / total + (l2 / 2) * penalty;
  };
  const result = lbfgs(objective, new Float64Array(dim + 1), { maxIterations, gradientTolerance: 1e-6 });
  return { w: result.x, loss: result.value, iterations: result.iterations, converged: result.converged };
}
