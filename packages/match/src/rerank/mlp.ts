import { seededRandom } from '@prodmatch/data';
import type { Tf, TfRuntime } from '@prodmatch/tf';
import { allRows, type FitSet, type PairModel } from './model.ts';
import { fitStandardiser, standardise, type Standardiser } from './transform.ts';

export interface MlpOptions {
  /** Hidden layer widths (ReLU); [] is logistic regression trained by minibatch Adam. Default [64, 32]. */
  hidden?: readonly number[];
  /** Passes over the fit set. Default 8. */
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** L2 penalty on the weight matrices (not biases). Default 1e-6. */
  l2?: number;
  /** Add log1p copies of the features (as the linear model). Default true. */
  log1p?: boolean;
  seed?: number;
  /** Where tfjs comes from: the run's loader (so its row names the backend). Default: initTf(). */
  runtime?: () => Promise<TfRuntime>;
}

interface Layer {
  w: ReturnType<Tf['variable']>;
  b: ReturnType<Tf['variable']>;
}

/**
 * A small multilayer perceptron on the standardised features, trained with tfjs (loaded on the first
 * fit or predict, never at import, so a run that does not use it never loads tfjs): Adam on the
 * weighted log-loss, seeded Glorot initialisation and seeded shuffles.
 */
export function mlpModel(options: MlpOptions = {}): PairModel {
  const settings = {
    hidden: [...(options.hidden ?? [64, 32])],
    epochs: options.epochs ?? 8,
    batchSize: options.batchSize ?? 1024,
    learningRate: options.learningRate ?? 1e-3,
    l2: options.l2 ?? 1e-6,
    log1p: options.log1p ?? true,
    seed: options.seed ?? 42,
  };
  let standardiser: Standardiser | null = null;
  let layers: Layer[] = [];
  let tf: Tf | null = null;
  let backend = '';
  let fitted: { pairs: number; loss: number[] } | null = null;
  const load = async (): Promise<Tf> => {
    if (!tf) {
      const runtime = options.runtime ? await options.runtime() : await import('@prodmatch/tf').then(({ initTf }) => initTf());
      tf = runtime.tf;
      backend = runtime.backend.name;
    }
    return tf;
  };
  const forward = (t: Tf, x: ReturnType<Tf['tensor2d']>): ReturnType<Tf['tensor2d']> => {
    let h = x;
    layers.forEach((layer, l) => {
      h = t.add(t.matMul(h, layer.w), layer.b);
      if (l < layers.length - 1) h = t.relu(h);
    });
    return h;
  };
  return {
    kind: settings.hidden.length === 0 ? 'logistic (tfjs)' : 'mlp',
    async fit(table, labels, set?: FitSet) {
      const t = await load();
      const rows = set?.rows ?? allRows(table.pairs);
      const weights = set?.weights ?? new Float32Array(rows.length).fill(1);
      standardiser = fitStandardiser(table, rows, weights, settings.log1p);
      const dim = standardiser.dim;
      const x = standardise(standardiser, table, rows);
      // Sample weights scaled to mean 1, so the learning rate means the same whatever the sampling.
      let total = 0;
      for (let c = 0; c < rows.length; c++) total += weights[c];
      const w = Float32Array.from(weights, (v) => (v * rows.length) / total);
      const y = Float32Array.from(rows, (p) => labels[p]);
      const random = seededRandom(settings.seed);
      for (const layer of layers) {
        layer.w.dispose();
        layer.b.dispose();
      }
      const widths = [dim, ...settings.hidden, 1];
      layers = widths.slice(1).map((out, l) => {
        const fanIn = widths[l];
        const limit = Math.sqrt(6 / (fanIn + out));
        const init = Float32Array.from({ length: fanIn * out }, () => (2 * random() - 1) * limit);
        return { w: t.variable(t.tensor2d(init, [fanIn, out])), b: t.variable(t.zeros([out])) };
      });
      const optimizer = t.train.adam(settings.learningRate);
      const order = allRows(rows.length);
      const batch = settings.batchSize;
      const xb = new Float32Array(batch * dim);
      const yb = new Float32Array(batch);
      const wb = new Float32Array(batch);
      const losses: number[] = [];
      for (let epoch = 0; epoch < settings.epochs; epoch++) {
        for (let i = order.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          const s = order[i];
          order[i] = order[j];
          order[j] = s;
        }
        let epochLoss = 0;
        for (let start = 0; start < order.length; start += batch) {
          const size = Math.min(batch, order.length - start);
          for (let c = 0; c < size; c++) {
            const r = order[start + c];
            xb.set(x.subarray(r * dim, (r + 1) * dim), c * dim);
            yb[c] = y[r];
            wb[c] = w[r];
          }
          const cost = optimizer.minimize(() => {
            const xs = t.tensor2d(xb.subarray(0, size * dim), [size, dim]);
            const ys = t.tensor2d(yb.subarray(0, size), [size, 1]);
            const ws = t.tensor2d(wb.subarray(0, size), [size, 1]);
            const z = forward(t, xs);
            // Weighted log-loss, stable form: max(z, 0) - z y + log(1 + e^-|z|).
            const loss = t.mean(t.mul(ws, t.add(t.sub(t.relu(z), t.mul(z, ys)), t.log1p(t.exp(t.neg(t.abs(z)))))));
            const penalty = layers.reduce((sum, layer) => t.add(sum, t.sum(t.square(layer.w))), t.scalar(0));
            return t.add(loss, t.mul(t.scalar(settings.l2 / 2), penalty)) as ReturnType<Tf['scalar']>;
          }, true);
          if (cost) {
            epochLoss += (await cost.data())[0] * size;
            cost.dispose();
          }
        }
        losses.push(epochLoss / order.length);
      }
      optimizer.dispose();
      fitted = { pairs: rows.length, loss: losses };
    },
    async predict(table, rows = allRows(table.pairs)) {
      if (!standardiser || layers.length === 0) throw new Error('mlpModel: predict before fit');
      const t = await load();
      const s = standardiser;
      const out = new Float32Array(rows.length);
      const block = 16384;
      for (let start = 0; start < rows.length; start += block) {
        const part = rows.subarray(start, Math.min(rows.length, start + block));
        const x = standardise(s, table, part);
        const p = t.tidy(() => t.sigmoid(forward(t, t.tensor2d(x, [part.length, s.dim]))));
        out.set(await p.data(), start);
        p.dispose();
      }
      return out;
    },
    parameterCount: () => {
      if (!standardiser) return 0;
      const widths = [standardiser.dim, ...settings.hidden, 1];
      return widths.slice(1).reduce((sum, out, l) => sum + widths[l] * out + out, 0);
    },
    describe: () => ({
      model: settings.hidden.length === 0 ? 'logistic regression (tfjs, minibatch Adam)' : 'multilayer perceptron (tfjs)',
      backend: backend || null,
      ...settings,
      inputs: standardiser?.dim ?? null,
      ...(fitted ?? {}),
    }),
  };
}
