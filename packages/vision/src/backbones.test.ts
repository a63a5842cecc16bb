import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tfl from '@tensorflow/tfjs-layers';
import { initTf, type Tf } from '@prodmatch/tf';
import { smallCnn, efficientNet, roundFilters, roundRepeats } from './backbones.ts';

let tf: Tf;
before(async () => {
  ({ tf } = await initTf({ backend: 'wasm' }));
});

test('smallCnn maps images to a pooled feature vector', () => {
  const m = smallCnn({ inputSize: 64 });
  assert.deepEqual(m.outputs[0].shape, [null, 256]);
  const out = tf.tidy(() => (m.predict(tf.zeros([2, 64, 64, 3])) as ReturnType<Tf['zeros']>).shape);
  assert.deepEqual(out, [2, 256]);
  m.dispose();
});

test('efficientNet coefficients and sizes follow the reference implementation', () => {
  assert.equal(roundFilters(32, 1.1), 32);
  assert.equal(roundFilters(1280, 1.1), 1408);
  assert.equal(roundFilters(1280, 1.2), 1536);
  assert.equal(roundFilters(40, 1.2), 48);
  assert.equal(roundRepeats(3, 1.4), 5);
  const b0 = efficientNet('b0', { inputSize: 64 });
  // Keras EfficientNetB0(include_top=False) has 4,049,571 params, 7 of them in its input Normalization
  // layer (mean, variance, count), which ours has too.
  assert.equal(b0.countParams(), 4_049_571);
  assert.deepEqual(b0.outputs[0].shape, [null, 1280]);
  b0.dispose();
  const widths = { b1: 1280, b2: 1408, b3: 1536 } as const;
  for (const v of ['b1', 'b2', 'b3'] as const) {
    const m = efficientNet(v, { inputSize: 32 });
    assert.deepEqual(m.outputs[0].shape, [null, widths[v]]);
    m.dispose();
  }
});

async function trainFewSteps(backbone: tfl.LayersModel, size: number, steps: number): Promise<number[]> {
  const head = tfl.layers.dense({ units: 4, activation: 'softmax' }).apply(backbone.outputs[0]) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: backbone.inputs, outputs: head });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const x = tf.randomNormal([8, size, size, 3], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3], 'int32'), 4);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) losses.push(Number(await model.trainOnBatch(x, y)));
  tf.dispose([x, y]);
  model.dispose();
  return losses;
}

test('small CNN trains on wasm: no missing kernel, loss falls', async () => {
  const losses = await trainFewSteps(smallCnn({ inputSize: 32 }), 32, 6);
  assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
  assert.ok(losses[losses.length - 1] < losses[0], `loss should fall: ${losses.map((l) => l.toFixed(3))}`);
});

test('EfficientNet-B0 (depthwise, squeeze-excite, swish) trains on wasm: loss falls', async () => {
  const losses = await trainFewSteps(efficientNet('b0', { inputSize: 32 }), 32, 6);
  assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
  assert.ok(losses[losses.length - 1] < losses[0], `loss should fall: ${losses.map((l) => l.toFixed(3))}`);
});
