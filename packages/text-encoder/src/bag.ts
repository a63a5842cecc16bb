// The embedding bag and its table. A title is the weighted sum of the table rows of its n-grams. The
// forward pass is tfjs gather + unsortedSegmentSum over the batch's own rows, which both have
// gradients, so neither the input nor the table's gradient is ever dense: the batch reads a few
// thousand of the table's rows, and only those rows get a gradient and an Adam update.
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import type { Tf } from '@prodmatch/tf';
import { seededRandom } from '@prodmatch/data';

/**
 * out[s] = sum over entries e with segments[e] = s of weights[e] * rows[local[e]]; `rows` is [R, D],
 * the result [titles, D]. The dense equivalent is W @ rows with W[s, local[e]] += weights[e].
 */
export function embeddingBag(tf: Tf, rows: Tensor2D, local: Tensor1D, weights: Tensor1D, segments: Tensor1D, titles: number): Tensor2D {
  return tf.tidy(() => {
    const picked = tf.gather(rows, local);
    return tf.unsortedSegmentSum(tf.mul(picked, tf.expandDims(weights, 1)), segments, titles) as Tensor2D;
  });
}

export interface AdamSettings {
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** tfjs' Adam defaults (epsilon is tfjs' float32 backend epsilon). */
export const ADAM: AdamSettings = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

/**
 * A [rows, dim] float32 table trained by lazy Adam (TensorFlow's LazyAdam, PyTorch's SparseAdam): each
 * step updates the first and second moments of the rows it has a gradient for, with the bias
 * correction of the global step count, and leaves every other row as it is. Dense Adam would decay
 * the moments of, and move, all of the table's rows on every step.
 */
export class SparseAdamTable {
  readonly rows: number;
  readonly dim: number;
  readonly values: Float32Array;
  readonly moment1: Float32Array;
  readonly moment2: Float32Array;
  steps = 0;
  private readonly adam: AdamSettings;

  /** Rows start uniform in [-initScale, initScale], drawn from `seed`. */
  constructor(rows: number, dim: number, initScale: number, seed: number, adam: AdamSettings = ADAM) {
    this.rows = rows;
    this.dim = dim;
    this.adam = adam;
    this.values = new Float32Array(rows * dim);
    this.moment1 = new Float32Array(rows * dim);
    this.moment2 = new Float32Array(rows * dim);
    const random = seededRandom(seed);
    for (let i = 0; i < this.values.length; i++) this.values[i] = (2 * random() - 1) * initScale;
  }

  /** The listed rows as a [rows.length, dim] tensor. */
  gather(tf: Tf, rows: Int32Array): Tensor2D {
    const out = new Float32Array(rows.length * this.dim);
    rows.forEach((row, i) => out.set(this.values.subarray(row * this.dim, (row + 1) * this.dim), i * this.dim));
    return tf.tensor2d(out, [rows.length, this.dim]);
  }

  /** One Adam step at learning rate `rate`: `gradient` is [rows.length, dim], the loss's gradient for those rows. */
  update(rows: Int32Array, gradient: Float32Array, rate: number): void {
    if (gradient.length !== rows.length * this.dim) throw new Error(`SparseAdamTable.update: ${gradient.length} gradient values for ${rows.length} rows of ${this.dim}`);
    const { beta1, beta2, epsilon } = this.adam;
    this.steps++;
    // tfjs' Adam arithmetic (bias-corrected moments, epsilon outside the root), so that rows touched
    // on every step train exactly as a dense tf.train.adam would train them.
    const correction1 = 1 - beta1 ** this.steps;
    const correction2 = 1 - beta2 ** this.steps;
    const { values, moment1, moment2, dim } = this;
    for (let i = 0; i < rows.length; i++) {
      const base = rows[i] * dim;
      const from = i * dim;
      for (let j = 0; j < dim; j++) {
        const g = gradient[from + j];
        const m = (moment1[base + j] = beta1 * moment1[base + j] + (1 - beta1) * g);
        const v = (moment2[base + j] = beta2 * moment2[base + j] + (1 - beta2) * g * g);
        values[base + j] -= (rate * (m / correction1)) / (Math.sqrt(v / correction2) + epsilon);
      }
    }
  }
}
