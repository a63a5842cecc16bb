import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { Tensor } from '@tensorflow/tfjs-core';
import { initTf, type Tf } from '@prodmatch/tf';
import { SeededDropout, seededTrainingArgs } from './dropout.ts';
import { loadPretrainedModel, saveModel } from './pretrained.ts';

let tf: Tf;
before(async () => {
  ({ tf } = await initTf({ backend: 'wasm' }));
});

const WIDTH = 256;

/** The kept/dropped pattern of `layer` on a row of ones, as a 0/1 string. */
function mask(layer: tfl.layers.Layer, kwargs: Record<string, unknown>): string {
  return tf.tidy(() => Array.from((layer.apply(tf.ones([1, WIDTH]), kwargs) as Tensor).dataSync(), (v) => (v === 0 ? '0' : '1')).join(''));
}

test('masks are reproducible per (seed, epoch, step) and differ between steps, epochs and seeds', () => {
  const layer = new SeededDropout({ rate: 0.5, name: 'drop' });
  const first = mask(layer, seededTrainingArgs(42, 0, 0));
  assert.equal(mask(layer, seededTrainingArgs(42, 0, 0)), first, 'same step, same mask');
  assert.equal(
    mask(new SeededDropout({ rate: 0.5, name: 'drop' }), seededTrainingArgs(42, 0, 0)),
    first,
    'a fresh layer (another run) draws it again',
  );
  // Not one fixed mask for every step, which is what tfjs-layers' Dropout({ seed }) gives.
  const others = [seededTrainingArgs(42, 0, 1), seededTrainingArgs(42, 1, 0), seededTrainingArgs(43, 0, 0)].map((args) =>
    mask(layer, args),
  );
  for (const other of others) assert.notEqual(other, first);
  assert.equal(new Set(others).size, others.length);
  const dropped = [...first].filter((c) => c === '0').length;
  assert.ok(dropped > WIDTH * 0.35 && dropped < WIDTH * 0.65, `${dropped} of ${WIDTH} dropped at rate 0.5`);
});

test('kept inputs are scaled by 1 / (1 - rate); inference is the identity', () => {
  const layer = new SeededDropout({ rate: 0.25, name: 'drop' });
  const trained = tf.tidy(() => Array.from((layer.apply(tf.ones([1, WIDTH]), seededTrainingArgs(1, 0, 0)) as Tensor).dataSync()));
  assert.ok(trained.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-6));
  const inferred = tf.tidy(() => Array.from((layer.apply(tf.ones([1, WIDTH]), { training: false }) as Tensor).dataSync()));
  assert.ok(inferred.every((v) => v === 1));
});

test('a training call without a mask seed fails instead of drawing an unseeded mask', () => {
  const layer = new SeededDropout({ rate: 0.5, name: 'embedding_dropout' });
  assert.throws(() => layer.apply(tf.ones([1, 4]), { training: true }), /embedding_dropout: a training call needs seededTrainingArgs/);
});

test('two dropout layers of one model draw different masks from the same call arguments', () => {
  const input = tfl.input({ shape: [WIDTH] });
  const a = new SeededDropout({ rate: 0.5, name: 'drop_a' }).apply(input) as SymbolicTensor;
  const b = new SeededDropout({ rate: 0.5, name: 'drop_b' }).apply(input) as SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: [a, b] });
  const [ma, mb] = tf.tidy(() =>
    (model.apply(tf.ones([1, WIDTH]), seededTrainingArgs(7, 0, 0)) as Tensor[]).map((t) => Array.from(t.dataSync()).join(',')),
  );
  assert.notEqual(ma, mb);
});

test('a saved model with SeededDropout loads back with its rate', async () => {
  const input = tfl.input({ shape: [4, 4, 3] });
  const pooled = tfl.layers.globalAveragePooling2d({}).apply(input) as SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: new SeededDropout({ rate: 0.3, name: 'drop' }).apply(pooled) as SymbolicTensor });
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-dropout-'));
  await saveModel(model, dir);
  const loaded = await loadPretrainedModel(dir, 4);
  const layer = loaded.getLayer('drop');
  assert.ok(layer instanceof SeededDropout);
  assert.equal(layer.rate, 0.3);
});
