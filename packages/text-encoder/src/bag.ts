// The embedding bag and its table. A title is the weighted sum of the table rows of its n-grams. The
// table and its optimizer state are plain typed arrays outside tfjs, and the bag is summed and
// differentiated here, on them: a step hands tfjs only the [titles, dim] bags and takes back their
// gradient, so no table row is ever copied into the backend's memory (a wasm heap, which never shrinks
// and tops out at 4 GiB), and only the rows a batch reads get a gradient and an update.
import { seededRandom } from '@prodmatch/data';
import type { BagBatch } from './inputs.ts';

export interface AdamSettings {
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** tfjs' Adam defaults (epsilon is tfjs' float32 backend epsilon). */
export const ADAM: AdamSettings = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

/**
 * How the table trains. 'adam': lazy Adam with a first and second moment per value (3 floats per value
 * in all). 'rowwise-adam': a first moment per value and one second moment per row, the mean of the
 * row's squared gradient (FBGEMM's partial row-wise Adam for embedding tables): 2 floats per value.
 */
export type TableOptimizer = 'adam' | 'rowwise-adam';

/** Bytes per table row: the row, plus its optimizer state. */
export function tableRowBytes(dim: number, optimizer: TableOptimizer): { values: number; state: number } {
  return { values: dim * 4, state: optimizer === 'adam' ? 2 * dim * 4 : dim * 4 + 4 };
}

/**
 * out[t] = sum over the entries e of title t of weights[e] * row(local[e]), [titles, dim] row-major;
 * `row(slot)` is the table row of the batch's slot-th distinct row.
 */
export function bagSum(
  batch: BagBatch,
  dim: number,
  row: (slot: number) => Float32Array,
  out = new Float32Array(batch.titles * dim),
): Float32Array {
  out.fill(0);
  const rows = Array.from({ length: batch.tableRows.length }, (_, slot) => row(slot));
  for (let e = 0; e < batch.local.length; e++) {
    const source = rows[batch.local[e]];
    const w = batch.weights[e];
    const base = batch.segments[e] * dim;
    for (let j = 0; j < dim; j++) out[base + j] += w * source[j];
  }
  return out;
}

/**
 * The gradient of each of the batch's distinct rows, given the bags' gradient [titles, dim]: row slot s
 * gets sum over its entries e of weights[e] * bagGradient[segments[e]]. `visit(slot, gradient)` is
 * called once per slot, in slot order, with a scratch buffer reused across slots (never the whole
 * batch's rows at once).
 */
export function bagRowGradients(
  batch: BagBatch,
  dim: number,
  bagGradient: Float32Array,
  visit: (slot: number, gradient: Float64Array) => void,
): void {
  if (bagGradient.length !== batch.titles * dim)
    throw new Error(`bagRowGradients: ${bagGradient.length} gradient values for ${batch.titles} titles of ${dim}`);
  const slots = batch.tableRows.length;
  // The entries grouped by slot (a counting sort), so each row's gradient is summed in one place.
  const start = new Int32Array(slots + 1);
  for (let e = 0; e < batch.local.length; e++) start[batch.local[e] + 1]++;
  for (let s = 0; s < slots; s++) start[s + 1] += start[s];
  const order = new Int32Array(batch.local.length);
  const next = start.slice(0, slots);
  for (let e = 0; e < batch.local.length; e++) order[next[batch.local[e]]++] = e;
  const gradient = new Float64Array(dim);
  for (let s = 0; s < slots; s++) {
    gradient.fill(0);
    for (let p = start[s]; p < start[s + 1]; p++) {
      const e = order[p];
      const w = batch.weights[e];
      const base = batch.segments[e] * dim;
      for (let j = 0; j < dim; j++) gradient[j] += w * bagGradient[base + j];
    }
    visit(s, gradient);
  }
}

/**
 * A [rows, dim] float32 table trained by lazy Adam (TensorFlow's LazyAdam, PyTorch's SparseAdam): each
 * step updates the moments of the rows it has a gradient for, with the bias correction of the global
 * step count, and leaves every other row as it is. Dense Adam would decay the moments of, and move, all
 * of the table's rows on every step. With 'rowwise-adam' the second moment is one value per row.
 */
export class EmbeddingTable {
  readonly rows: number;
  readonly dim: number;
  readonly optimizer: TableOptimizer;
  readonly values: Float32Array;
  readonly moment1: Float32Array;
  /** [rows, dim] with 'adam', [rows] with 'rowwise-adam'. */
  readonly moment2: Float32Array;
  steps = 0;
  private readonly adam: AdamSettings;

  /** Rows start uniform in [-initScale, initScale], drawn from `seed`. */
  constructor(rows: number, dim: number, initScale: number, seed: number, optimizer: TableOptimizer = 'adam', adam: AdamSettings = ADAM) {
    this.rows = rows;
    this.dim = dim;
    this.optimizer = optimizer;
    this.adam = adam;
    this.values = new Float32Array(rows * dim);
    this.moment1 = new Float32Array(rows * dim);
    this.moment2 = new Float32Array(optimizer === 'adam' ? rows * dim : rows);
    const random = seededRandom(seed);
    for (let i = 0; i < this.values.length; i++) this.values[i] = (2 * random() - 1) * initScale;
  }

  row(r: number): Float32Array {
    return this.values.subarray(r * this.dim, (r + 1) * this.dim);
  }

  /** The batch's bags, [titles, dim] row-major. */
  bag(batch: BagBatch): Float32Array {
    return bagSum(batch, this.dim, (slot) => this.row(batch.tableRows[slot]));
  }

  /** One optimizer step for the batch's rows, given its bags' gradient [titles, dim]. */
  train(batch: BagBatch, bagGradient: Float32Array, rate: number): void {
    const step = this.nextStep();
    bagRowGradients(batch, this.dim, bagGradient, (slot, gradient) => this.updateRow(batch.tableRows[slot], gradient, 0, rate, step));
  }

  /** One step at learning rate `rate`: `gradient` is [rows.length, dim], the loss's gradient for those rows. */
  update(rows: Int32Array, gradient: Float32Array, rate: number): void {
    if (gradient.length !== rows.length * this.dim)
      throw new Error(`EmbeddingTable.update: ${gradient.length} gradient values for ${rows.length} rows of ${this.dim}`);
    const step = this.nextStep();
    for (let i = 0; i < rows.length; i++) this.updateRow(rows[i], gradient, i * this.dim, rate, step);
  }

  private nextStep(): { correction1: number; correction2: number } {
    this.steps++;
    return { correction1: 1 - this.adam.beta1 ** this.steps, correction2: 1 - this.adam.beta2 ** this.steps };
  }

  // tfjs' Adam arithmetic (bias-corrected moments, epsilon outside the root), so that with 'adam' rows
  // touched on every step train exactly as a dense tf.train.adam would train them.
  private updateRow(
    row: number,
    gradient: ArrayLike<number>,
    from: number,
    rate: number,
    { correction1, correction2 }: { correction1: number; correction2: number },
  ): void {
    const { beta1, beta2, epsilon } = this.adam;
    const { values, moment1, moment2, dim } = this;
    const base = row * dim;
    if (this.optimizer === 'adam') {
      for (let j = 0; j < dim; j++) {
        const g = gradient[from + j];
        const m = (moment1[base + j] = beta1 * moment1[base + j] + (1 - beta1) * g);
        const v = (moment2[base + j] = beta2 * moment2[base + j] + (1 - beta2) * g * g);
        values[base + j] -= (rate * (m / correction1)) / (Math.sqrt(v / correction2) + epsilon);
      }
      return;
    }
    let squares = 0;
    for (let j = 0; j < dim; j++) squares += gradient[from + j] * gradient[from + j];
    const v = (moment2[row] = beta2 * moment2[row] + ((1 - beta2) * squares) / dim);
    const denominator = Math.sqrt(v / correction2) + epsilon;
    for (let j = 0; j < dim; j++) {
      const m = (moment1[base + j] = beta1 * moment1[base + j] + (1 - beta1) * gradient[from + j]);
      values[base + j] -= (rate * (m / correction1)) / denominator;
    }
  }
}
