// Keras compatibility of our EfficientNet: the weight layout against names taken from Keras's source,
// a .h5 round trip in Keras's exact layout, padding and input scaling against a direct computation,
// and the errors a bad file or an unreachable download gets.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import h5wasm from 'h5wasm/node';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Tensor } from '@tensorflow/tfjs-core';
import { initTf } from '@prodmatch/tf';
import { seededRandom } from '@prodmatch/data';
import { correctPad, efficientNet, type EfficientNetVariant } from './backbones.ts';
import { buildBackbone } from './embedding.ts';
import { imagenetWeights, kerasLayout, saveKerasWeights } from './pretrained.ts';

const { tf } = await initTf({ backend: 'wasm' });

interface LayoutEntry {
  name: string;
  autoNamed: boolean;
  weights: { name: string; shape: number[] }[];
}
const KERAS = JSON.parse(readFileSync(new URL('./keras-efficientnet-layout.json', import.meta.url), 'utf8')) as {
  variants: Record<EfficientNetVariant, LayoutEntry[]>;
};

/** Every weight of `model` replaced by seeded random values (batch-norm variances kept positive). */
function randomise(model: tfl.LayersModel, seed: number): void {
  const random = seededRandom(seed);
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const values = layer.weights.map((w) => {
      const shape = w.shape as number[];
      const n = shape.reduce((a, b) => a * b, 1);
      const positive = /variance|gamma/.test(w.name);
      return tf.tensor(
        Float32Array.from({ length: n }, () => (positive ? 0.5 + random() : (random() * 2 - 1) * 0.5)),
        shape,
      );
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}

const pixels = (n: number, size: number, seed: number) => {
  const random = seededRandom(seed);
  return tf.tensor4d(
    Float32Array.from({ length: n * size * size * 3 }, () => Math.floor(random() * 256)),
    [n, size, size, 3],
  );
};

// One random B0 and its .h5 file, shared by the tests that need a file (writing one takes seconds).
let source: tfl.LayersModel;
let fixture: string;
before(async () => {
  source = efficientNet('b0', { inputSize: 32 });
  randomise(source, 7);
  fixture = join(mkdtempSync(join(tmpdir(), 'prodmatch-h5-')), 'efficientnetb0_notop.h5');
  await saveKerasWeights(source, fixture);
});

test("our B0-B3 have exactly the weighted layers and weights of Keras's EfficientNet, in Keras's order", () => {
  for (const variant of ['b0', 'b1', 'b2', 'b3'] as const) {
    const model = efficientNet(variant, { inputSize: 32 });
    const ours = kerasLayout(model).filter((l) => l.weights.length > 0);
    const keras = KERAS.variants[variant];
    assert.deepEqual(
      ours.map((l) => l.layer),
      keras.map((l) => l.name),
      `${variant}: layer names and order`,
    );
    for (const [i, layer] of ours.entries())
      assert.deepEqual(layer.weights, keras[i].weights, `${variant} ${layer.layer}: weight names and shapes`);
    model.dispose();
  }
});

test("a B0 written in Keras's .h5 layout loads back through --weights with identical outputs", async () => {
  const file = fixture;
  // The file itself: root layer_names, per-group weight_names, datasets at <layer>/<layer>/<weight>:0.
  await h5wasm.ready;
  const h5 = new h5wasm.File(file, 'r');
  const layerNames = h5.attrs.layer_names.value as string[];
  assert.deepEqual(
    layerNames,
    source.layers.map((l) => l.name),
  );
  const group = h5.get('block2a_se_reduce') as InstanceType<typeof h5wasm.Group>;
  assert.deepEqual(group.attrs.weight_names.value, ['block2a_se_reduce/kernel:0', 'block2a_se_reduce/bias:0']);
  assert.deepEqual((h5.get('stem_bn/stem_bn/moving_variance:0') as InstanceType<typeof h5wasm.Dataset>).shape, [32]);
  assert.deepEqual((h5.get('normalization/normalization/count:0') as InstanceType<typeof h5wasm.Dataset>).shape, []);
  h5.close();

  const { backbone, loaded } = await buildBackbone({ backbone: 'b0', imageSize: 32, embeddingDim: 8, dropout: 0, weights: file, seed: 99 });
  assert.equal(loaded, true);
  const x = pixels(2, 32, 3);
  const expected = (source.predict(x) as Tensor).dataSync();
  const actual = (backbone.predict(x) as Tensor).dataSync();
  assert.deepEqual(Array.from(actual), Array.from(expected));
  // A fresh B0 computes something else, so the equality above is the file's doing.
  const fresh = (efficientNet('b0', { inputSize: 32 }).predict(x) as Tensor).dataSync();
  assert.notDeepEqual(Array.from(fresh), Array.from(expected));
  tf.dispose(x);
});

/** Direct 'valid' convolution of an explicitly zero-padded NHWC input; depthwise when `depthwise`. */
function directConv(
  x: Float32Array,
  [n, h, w, c]: number[],
  kernel: Float32Array,
  k: number,
  outC: number,
  pad: [[number, number], [number, number]],
  stride: number,
  depthwise: boolean,
) {
  const [[top, bottom], [left, right]] = pad;
  const ph = h + top + bottom;
  const pw = w + left + right;
  const oh = Math.floor((ph - k) / stride) + 1;
  const ow = Math.floor((pw - k) / stride) + 1;
  const at = (b: number, i: number, j: number, ch: number) => {
    const y = i - top;
    const z = j - left;
    return y < 0 || z < 0 || y >= h || z >= w ? 0 : x[((b * h + y) * w + z) * c + ch];
  };
  const channels = depthwise ? c : outC;
  const out = new Float32Array(n * oh * ow * channels);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let o = 0; o < channels; o++) {
          let sum = 0;
          for (let di = 0; di < k; di++)
            for (let dj = 0; dj < k; dj++) {
              if (depthwise) sum += at(b, i * stride + di, j * stride + dj, o) * kernel[(di * k + dj) * c + o];
              else
                for (let ci = 0; ci < c; ci++)
                  sum += at(b, i * stride + di, j * stride + dj, ci) * kernel[((di * k + dj) * c + ci) * outC + o];
            }
          out[((b * oh + i) * ow + j) * channels + o] = sum;
        }
  return { out, shape: [n, oh, ow, channels] };
}

/** Keras BatchNormalization at inference (epsilon 1e-3) followed by swish. */
function bnSwish(x: Float32Array, channels: number, [gamma, beta, mean, variance]: Float32Array[]): Float32Array {
  return x.map((v, i) => {
    const ch = i % channels;
    const y = (gamma[ch] * (v - mean[ch])) / Math.sqrt(variance[ch] + 1e-3) + beta[ch];
    return y / (1 + Math.exp(-y));
  });
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tolerance = 1e-4): void {
  assert.equal(actual.length, expected.length, `${what}: sizes`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i])));
  assert.ok(worst < tolerance, `${what}: largest relative difference ${worst}`);
}

for (const size of [33, 32]) {
  test(`stem and a stride-2 depthwise block equal a direct computation with Keras's correct_pad zero padding (${size % 2 ? 'odd' : 'even'} input ${size} px)`, () => {
    const model = efficientNet('b0', { inputSize: size });
    randomise(model, size);
    const probe = tfl.model({
      inputs: model.inputs,
      outputs: ['stem_activation', 'block2a_expand_activation', 'block2a_dwconv'].map(
        (n) => model.getLayer(n).output as tfl.SymbolicTensor,
      ),
    });
    const x = pixels(2, size, 11);
    const [stem, expanded, dwconv] = (probe.predict(x) as Tensor[]).map((t) => ({ data: t.dataSync() as Float32Array, shape: t.shape }));

    // Input scaling: Rescaling(1/255), Normalization (the layer's mean and variance), Rescaling(1/sqrt(stddev)).
    const [mean, variance] = model
      .getLayer('normalization')
      .getWeights()
      .map((t) => t.dataSync() as Float32Array);
    const stddev = [0.229, 0.224, 0.225];
    const scaled = (x.dataSync() as Float32Array).map(
      (v, i) => ((v * (1 / 255) - mean[i % 3]) / Math.sqrt(variance[i % 3])) * (1 / Math.sqrt(stddev[i % 3])),
    );
    const stemKernel = model.getLayer('stem_conv').getWeights()[0].dataSync() as Float32Array;
    const conv = directConv(scaled, [2, size, size, 3], stemKernel, 3, 32, correctPad(size, 3), 2, false);
    assert.deepEqual(stem.shape, conv.shape);
    const stemBn = model
      .getLayer('stem_bn')
      .getWeights()
      .map((t) => t.dataSync() as Float32Array);
    assertClose(stem.data, bnSwish(conv.out, 32, stemBn), 'stem');

    // With the size known, correct_pad is TF's 'same' (total max((ceil(n/2) - 1) * 2 + k - n, 0), the
    // smaller half on top). Symmetric k//2 padding (PyTorch's padding=1) differs on even inputs.
    const total = Math.max((Math.ceil(size / 2) - 1) * 2 + 3 - size, 0);
    const tfSame: [[number, number], [number, number]] = [
      [Math.floor(total / 2), total - Math.floor(total / 2)],
      [Math.floor(total / 2), total - Math.floor(total / 2)],
    ];
    assert.deepEqual(correctPad(size, 3), tfSame);
    const symmetric = directConv(
      scaled,
      [2, size, size, 3],
      stemKernel,
      3,
      32,
      [
        [1, 1],
        [1, 1],
      ],
      2,
      false,
    );
    if (size % 2 === 0)
      assert.notDeepEqual(Array.from(bnSwish(symmetric.out, 32, stemBn).slice(0, 64)), Array.from(stem.data.slice(0, 64)));

    const dwKernel = model.getLayer('block2a_dwconv').getWeights()[0].dataSync() as Float32Array;
    const [, eh, ew, ec] = expanded.shape;
    const dw = directConv(expanded.data, [2, eh, ew, ec], dwKernel, 3, ec, correctPad(eh, 3), 2, true);
    assert.deepEqual(dwconv.shape, dw.shape);
    assertClose(dwconv.data, dw.out, `block2a_dwconv on a ${eh} px map`);
    tf.dispose(x);
    model.dispose();
  });
}

test('a corrupt, truncated or other-variant .h5 gets a one-line error naming the file, layer and shapes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-h5-bad-'));
  const good = join(dir, 'b0.h5');
  writeFileSync(good, readFileSync(fixture));
  const load = (backbone: 'b0' | 'b1' | 'b3', weights: string) =>
    buildBackbone({ backbone, imageSize: 32, embeddingDim: 8, dropout: 0, weights, seed: 1 });
  const oneLine = (pattern: RegExp) => (error: Error) => pattern.test(error.message) && !error.message.includes('\n');

  writeFileSync(join(dir, 'garbage.h5'), 'not hdf5 at all');
  await assert.rejects(load('b0', join(dir, 'garbage.h5')), oneLine(/garbage\.h5: not an HDF5 file/));
  const bytes = readFileSync(good);
  writeFileSync(join(dir, 'truncated.h5'), bytes.subarray(0, Math.floor(bytes.length / 2)));
  await assert.rejects(load('b0', join(dir, 'truncated.h5')), oneLine(/truncated\.h5: .*truncated or corrupt/));
  await assert.rejects(
    load('b3', good),
    oneLine(/b0\.h5: layer 'stem_conv' weight 'kernel' is \[3, 3, 3, 32\] in the file, \[3, 3, 3, 40\] in efficientnetb3/),
  );
  await assert.rejects(
    load('b1', good),
    oneLine(/b0\.h5: no weights for layer 'block1b_dwconv' \(efficientnetb1 expects depthwise_kernel \[3, 3, 16, 1\]\)/),
  );
  await assert.rejects(load('b0', join(dir, 'missing.h5')), oneLine(/missing\.h5: not found/));
});

test('--pretrained imagenet downloads once into the cache, checks the md5, and says what to do when the URL cannot be reached', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-download-'));
  const body = readFileSync(fixture);
  const md5 = createHash('md5').update(body).digest('hex');
  let requests = 0;
  const server = createServer((request, response) => {
    requests++;
    if (request.url === '/efficientnetb0_notop.h5') response.end(body);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  try {
    const cacheDir = join(dir, 'cache');
    // Our fixture is not Keras's file, so Keras's md5 rejects it and nothing stays in the cache.
    await assert.rejects(imagenetWeights('b0', { cacheDir, baseUrl }), /has md5 [0-9a-f]{32}, expected 50bc09e76180e00e4465e1a485ddc09d/);
    assert.deepEqual(readdirSync(cacheDir), []);
    const path = await imagenetWeights('b0', { cacheDir, baseUrl, md5 });
    assert.deepEqual(readFileSync(path), body);
    assert.equal(await imagenetWeights('b0', { cacheDir, baseUrl, md5 }), path);
    assert.equal(requests, 2, 'the second call is served from the cache');
    await assert.rejects(imagenetWeights('b1', { cacheDir, baseUrl }), /efficientnetb1_notop\.h5: HTTP 404 .*pass --weights FILE\.h5/);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  const closedPort = baseUrl;
  // Through the model builder, as --pretrained imagenet calls it.
  const unreachable = buildBackbone({
    backbone: 'b2',
    imageSize: 32,
    embeddingDim: 8,
    dropout: 0,
    pretrained: 'imagenet',
    weightsCache: join(dir, 'other'),
    weightsUrl: closedPort,
    seed: 1,
  });
  await assert.rejects(
    unreachable,
    (error: Error) =>
      /^cannot reach http:\/\/127\.0\.0\.1:\d+\/efficientnetb2_notop\.h5 \(ECONNREFUSED\); without internet, pass --weights FILE\.h5/.test(
        error.message,
      ) && !error.message.includes('\n'),
  );
});
