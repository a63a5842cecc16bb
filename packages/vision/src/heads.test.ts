import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initTf } from '@prodmatch/tf';
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { arcFaceLogits, crossEntropy, SEED_ARCFACE } from './heads.ts';

const { tf } = await initTf({ backend: 'cpu' });

// The seeds' ArcMarginProduct.forward, written out per element in plain numbers.
function handArcFace(x: number[][], w: number[][], labels: number[], m: number, s: number, easy: boolean, ls: number): number[][] {
  const classes = w[0].length;
  const norm = (v: number[]) => Math.hypot(...v);
  const column = (j: number) => w.map((r) => r[j]);
  return x.map((row, i) =>
    Array.from({ length: classes }, (_, j) => {
      const c = column(j);
      const cos = row.reduce((acc, v, k) => acc + v * c[k], 0) / (norm(row) * norm(c));
      const sin = Math.sqrt(1 - cos * cos);
      let phi = cos * Math.cos(m) - sin * Math.sin(m);
      if (easy) phi = cos > 0 ? phi : cos;
      else phi = cos > Math.cos(Math.PI - m) ? phi : cos - Math.sin(Math.PI - m) * m;
      const target = (j === labels[i] ? 1 : 0) * (1 - ls) + ls / classes;
      return s * (target * phi + (1 - target) * cos);
    }),
  );
}

// Rows chosen so that both branches occur: row 1 points away from its class (cos < th).
const x = [
  [1, 2, 0.5],
  [-1, -0.2, 0.1],
  [0.3, -0.7, 2],
];
const w = [
  [1, -1, 0.2, 0.5],
  [0.5, 0.1, -1, 0.3],
  [0.1, 0.2, 0.3, -2],
];
const labels = [0, 0, 3];

for (const [easy, ls] of [
  [false, 0],
  [true, 0],
  [false, 0.1],
] as const) {
  test(`ArcFace logits match a hand computation (easy_margin ${easy}, label smoothing ${ls})`, () => {
    const out = tf.tidy(() =>
      arcFaceLogits(tf, tf.tensor2d(x), tf.tensor2d(w), tf.tensor1d(labels, 'int32'), {
        ...SEED_ARCFACE,
        easyMargin: easy,
        labelSmoothing: ls,
      }).arraySync(),
    );
    const expected = handArcFace(x, w, labels, 0.5, 30, easy, ls);
    out.forEach((row, i) =>
      row.forEach((v, j) => assert.ok(Math.abs(v - expected[i][j]) < 1e-3, `[${i}][${j}] ${v} vs ${expected[i][j]}`)),
    );
    // The margin only ever lowers the target logit.
    const plain = handArcFace(x, w, labels, 0, 30, easy, 0);
    if (!easy && ls === 0) labels.forEach((label, i) => assert.ok(out[i][label] < plain[i][label]));
  });
}

test('ArcFace has finite gradients, even for an embedding aligned with its class centre', () => {
  const grads = tf.tidy(() => {
    const emb = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    const centres = tf.variable(
      tf.tensor2d([
        [1, 0],
        [0, 1],
      ]),
    );
    const labels = tf.tensor1d([0, 1], 'int32') as Tensor1D;
    const { grads } = tf.variableGrads(
      () => crossEntropy(tf, arcFaceLogits(tf, emb as Tensor2D, centres as unknown as Tensor2D, labels, SEED_ARCFACE), labels),
      [centres],
    );
    return Object.values(grads)[0].arraySync() as number[][];
  });
  assert.ok(grads.flat().every(Number.isFinite), JSON.stringify(grads));
});

test('cross-entropy equals -log softmax of the label', () => {
  const v = tf.tidy(() => crossEntropy(tf, tf.tensor2d([[1, 2, 3]]), tf.tensor1d([2], 'int32')).arraySync());
  const expected = -Math.log(Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3)));
  assert.ok(Math.abs((v as number) - expected) < 1e-5);
});
