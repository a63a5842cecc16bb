import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { initTf, type Tf } from '@prodmatch/tf';
import { bagRowGradients, bagSum, EmbeddingTable } from './bag.ts';
import { bagBatch, type BagInputs } from './inputs.ts';

let tf: Tf;
before(async () => {
  ({ tf } = await initTf({ backend: 'wasm' }));
});

// A vocabulary of 6 rows of 4; three titles, one reading row 5 twice (a hash collision) and none
// reading rows 1 or 3, so their gradient must be zero.
const VOCABULARY = 6;
const DIM = 4;
const INPUTS: BagInputs = {
  rows: 3,
  indptr: Int32Array.from([0, 3, 5, 8]),
  ids: Int32Array.from([0, 2, 5, 5, 4, 2, 0, 4]),
  weights: Float32Array.from([0.5, -1.25, 2, 0.75, 0.3, 1.5, -0.4, 0.9]),
};

function tableValues(): Float32Array {
  return Float32Array.from({ length: VOCABULARY * DIM }, (_, i) => Math.sin(1.7 * i + 0.3));
}

/** The dense equivalent: titles x vocabulary weights, times the table. */
function denseWeights(): Float32Array {
  const w = new Float32Array(INPUTS.rows * VOCABULARY);
  for (let r = 0; r < INPUTS.rows; r++) {
    for (let p = INPUTS.indptr[r]; p < INPUTS.indptr[r + 1]; p++) w[r * VOCABULARY + INPUTS.ids[p]] += INPUTS.weights[p];
  }
  return w;
}

/** A loss that is not linear in the bag, so the gradient depends on the forward values. */
const lossOf = (bag: Tensor2D): Tensor => tf.sum(tf.mul(tf.square(bag), tf.tensor2d([[1, -2, 0.5, 3]])));

test("embedding bag: the bags and each distinct row's gradient equal the dense matmul's", () => {
  const titles = Int32Array.from([0, 1, 2]);
  const batch = bagBatch(INPUTS, titles);
  assert.deepEqual(Array.from(batch.tableRows), [0, 2, 4, 5]);
  const table = tableValues();
  const out = bagSum(batch, DIM, (slot) => table.subarray(batch.tableRows[slot] * DIM, (batch.tableRows[slot] + 1) * DIM));
  const dense = tf.tidy(() => {
    const w = tf.tensor2d(denseWeights(), [INPUTS.rows, VOCABULARY]);
    const f = (t: Tensor) => tf.matMul(w, t as Tensor2D) as Tensor2D;
    const t = tf.tensor2d(table, [VOCABULARY, DIM]);
    const [grad] = tf.grads((x: Tensor) => lossOf(f(x)))([t]);
    const [bagGrad] = tf.grads((x: Tensor) => lossOf(x as Tensor2D))([f(t)]);
    return { out: f(t).dataSync() as Float32Array, grad: grad.dataSync() as Float32Array, bagGrad: bagGrad.dataSync() as Float32Array };
  });
  out.forEach((v, i) => assert.ok(Math.abs(v - dense.out[i]) < 1e-5, `output ${i}: ${v} vs ${dense.out[i]}`));
  // Scatter the batch rows' gradient back into the vocabulary; untouched rows stay zero.
  const scattered = new Float32Array(VOCABULARY * DIM);
  const visited: number[] = [];
  bagRowGradients(batch, DIM, dense.bagGrad, (slot, gradient) => {
    visited.push(slot);
    scattered.set(gradient, batch.tableRows[slot] * DIM);
  });
  assert.deepEqual(visited, [0, 1, 2, 3]);
  scattered.forEach((v, i) => assert.ok(Math.abs(v - dense.grad[i]) < 1e-4, `gradient ${i}: ${v} vs ${dense.grad[i]}`));
  assert.ok(dense.grad.subarray(1 * DIM, 2 * DIM).every((v) => v === 0) && dense.grad.subarray(3 * DIM, 4 * DIM).every((v) => v === 0));
  assert.throws(() => bagRowGradients(batch, DIM, new Float32Array(5), () => undefined), /5 gradient values for 3 titles of 4/);
});

test("EmbeddingTable.train is update() with the rows' gradients from the bags' gradient", () => {
  const batch = bagBatch(INPUTS, Int32Array.from([0, 1, 2]));
  const bagGradient = Float32Array.from({ length: 3 * DIM }, (_, i) => Math.cos(0.9 * i));
  for (const optimizer of ['adam', 'rowwise-adam'] as const) {
    const [a, b] = [new EmbeddingTable(VOCABULARY, DIM, 0.5, 7, optimizer), new EmbeddingTable(VOCABULARY, DIM, 0.5, 7, optimizer)];
    const rows = new Float32Array(batch.tableRows.length * DIM);
    bagRowGradients(batch, DIM, bagGradient, (slot, gradient) => rows.set(gradient, slot * DIM));
    for (let step = 0; step < 3; step++) {
      a.train(batch, bagGradient, 0.01);
      b.update(batch.tableRows, rows, 0.01);
    }
    a.values.forEach((v, i) => assert.ok(Math.abs(v - b.values[i]) < 1e-6, `${optimizer} value ${i}`));
    assert.deepEqual(Array.from(a.bag(batch)), Array.from(b.bag(batch)));
  }
});

test('lazy Adam: rows given a gradient on every step train exactly as tf.train.adam trains them; other rows never move', async () => {
  const table = new EmbeddingTable(VOCABULARY, DIM, 0.5, 7);
  const start = Float32Array.from(table.values);
  const touched = Int32Array.from([1, 4]);
  const dense = tf.variable(
    tf.tensor2d(Float32Array.from(Array.from(touched).flatMap((r) => Array.from(start.subarray(r * DIM, (r + 1) * DIM)))), [2, DIM]),
  );
  const optimizer = tf.train.adam(0.01);
  for (let step = 0; step < 5; step++) {
    const target = tf.fill([2, DIM], step - 2);
    const gradient = tf.tidy(() => tf.mul(tf.sub(dense, target), 2)) as Tensor2D;
    table.update(touched, gradient.dataSync() as Float32Array, 0.01);
    optimizer.applyGradients([{ name: dense.name, tensor: gradient }]);
    tf.dispose([gradient, target]);
  }
  const want = dense.dataSync();
  Array.from(touched).forEach((row, i) => {
    for (let j = 0; j < DIM; j++) assert.ok(Math.abs(table.values[row * DIM + j] - want[i * DIM + j]) < 1e-6, `row ${row} col ${j}`);
  });
  for (const row of [0, 2, 3, 5])
    assert.deepEqual(table.values.subarray(row * DIM, (row + 1) * DIM), start.subarray(row * DIM, (row + 1) * DIM));
  assert.ok(table.values.subarray(DIM, 2 * DIM).some((v, j) => v !== start[DIM + j]));
  tf.dispose([dense]);
  optimizer.dispose();
});

test('the table refuses a gradient of the wrong size', () => {
  const table = new EmbeddingTable(3, 2, 0.1, 1);
  assert.throws(
    () => table.update(Int32Array.from([0, 1]), new Float32Array(3), 0.1),
    /EmbeddingTable.update: 3 gradient values for 2 rows of 2/,
  );
});

test("row-wise Adam: a row's second moment is the mean of its squared gradient; its steps follow Adam with that one value", () => {
  const table = new EmbeddingTable(2, 3, 0.5, 7, 'rowwise-adam');
  assert.equal(table.moment2.length, 2);
  const start = Float32Array.from(table.values);
  const g = Float32Array.from([0.3, -0.6, 0.9]);
  table.update(Int32Array.from([1]), g, 0.1);
  const v = (0.001 * (0.09 + 0.36 + 0.81)) / 3;
  assert.ok(Math.abs(table.moment2[1] - v) < 1e-9 && table.moment2[0] === 0);
  // Step 1: m-hat = g and v-hat = mean(g^2), so each value moves by rate * g / rms(g).
  const rms = Math.sqrt(v / 0.001);
  g.forEach((gj, j) => assert.ok(Math.abs(table.values[3 + j] - (start[3 + j] - (0.1 * gj) / (rms + 1e-7))) < 1e-6, `col ${j}`));
  assert.deepEqual(table.values.subarray(0, 3), start.subarray(0, 3));
});
