import { allRows, type FitSet, type PairModel } from './model.ts';
import type { PairTable } from './table.ts';
import { binEdges, binRows, type Tree, growTree } from './trees.ts';

export interface GbdtOptions {
  /** Boosting rounds (trees). Default 300. */
  trees?: number;
  /** Shrinkage applied to every leaf value. Default 0.1. */
  learningRate?: number;
  /** Leaves per tree at most (grown best-first). Default 31. */
  maxLeaves?: number;
  /** Depth at most. Default 8. */
  maxDepth?: number;
  /** A leaf needs at least this much hessian (sum of w p (1 - p)). Default 1. */
  minChildWeight?: number;
  /** L2 penalty on leaf values. Default 1. */
  l2?: number;
  /** Quantile bins per feature at most (<= 255). Default 255. */
  bins?: number;
}

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/**
 * Gradient-boosted trees for the log-loss, histogram-based as LightGBM: features are cut into quantile
 * bins once, each tree is grown best-first from per-node gradient/hessian histograms (the larger child's
 * histogram is the parent's minus the smaller's), leaf values are Newton steps -G / (H + l2) shrunk by
 * the learning rate. Plain typed arrays on one thread; no npm GBDT library qualified (docs/rerank.md).
 */
export function gbdtModel(options: GbdtOptions = {}): PairModel {
  const settings = {
    trees: options.trees ?? 300,
    learningRate: options.learningRate ?? 0.1,
    maxLeaves: options.maxLeaves ?? 31,
    maxDepth: options.maxDepth ?? 8,
    minChildWeight: options.minChildWeight ?? 1,
    l2: options.l2 ?? 1,
    bins: options.bins ?? 255,
  };
  if (!(settings.bins >= 2 && settings.bins <= 255)) throw new Error(`gbdtModel: bins must be in 2..255, got ${settings.bins}`);
  let trees: Tree[] = [];
  let baseScore = 0;
  let features = 0;
  let fitted: { pairs: number; loss: number } | null = null;
  return {
    kind: 'gbdt',
    async fit(table, labels, set?: FitSet) {
      const rows = set?.rows ?? allRows(table.pairs);
      const weights = set?.weights ?? new Float32Array(rows.length).fill(1);
      features = table.columns.length;
      const edges = table.columns.map((column) => binEdges(column, rows, settings.bins));
      const binned = binRows(table, rows, edges);
      const y = Uint8Array.from(rows, (p) => labels[p]);
      let positive = 0;
      let total = 0;
      for (let c = 0; c < rows.length; c++) {
        positive += weights[c] * y[c];
        total += weights[c];
      }
      const prior = Math.min(1 - 1e-6, Math.max(1e-6, positive / total));
      baseScore = Math.log(prior / (1 - prior));
      const score = new Float64Array(rows.length).fill(baseScore);
      const gradient = new Float64Array(rows.length);
      const hessian = new Float64Array(rows.length);
      trees = [];
      for (let t = 0; t < settings.trees; t++) {
        for (let c = 0; c < rows.length; c++) {
          const p = sigmoid(score[c]);
          gradient[c] = weights[c] * (p - y[c]);
          hessian[c] = Math.max(1e-12, weights[c] * p * (1 - p));
        }
        const tree = growTree(binned, features, gradient, hessian, edges, settings, score);
        trees.push(tree);
      }
      let loss = 0;
      for (let c = 0; c < rows.length; c++) {
        const z = score[c];
        loss += weights[c] * ((z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - y[c] * z);
      }
      fitted = { pairs: rows.length, loss: loss / total };
    },
    async predict(table: PairTable, rows = allRows(table.pairs)) {
      if (trees.length === 0) throw new Error('gbdtModel: predict before fit');
      if (table.columns.length !== features)
        throw new Error(`gbdtModel: fitted on ${features} features, the table has ${table.columns.length}`);
      const out = new Float32Array(rows.length);
      const { columns } = table;
      for (let c = 0; c < rows.length; c++) {
        const p = rows[c];
        let z = baseScore;
        for (const tree of trees) {
          let node = 0;
          while (tree.feature[node] >= 0)
            node = columns[tree.feature[node]][p] <= tree.threshold[node] ? tree.left[node] : tree.right[node];
          z += tree.value[node];
        }
        out[c] = sigmoid(z);
      }
      return out;
    },
    parameterCount: () => trees.reduce((sum, tree) => sum + tree.feature.length * 2, 0),
    describe: () => ({
      model: 'gradient-boosted trees',
      implementation: 'histogram GBDT (typed arrays)',
      ...settings,
      leaves: trees.reduce((s, t) => s + t.leaves, 0),
      ...(fitted ?? {}),
    }),
  };
}
