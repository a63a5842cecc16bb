import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '@tensorflow/tfjs-core';
import { initTf } from '@prodmatch/tf';
import { backboneOf, buildEmbeddingHead, buildEmbeddingModel, freezeBackbone, trainEmbeddingHead } from './embedding.ts';

const { tf } = await initTf({ backend: 'cpu' });

const build = () => buildEmbeddingModel({ backbone: 'small', imageSize: 16, embeddingDim: 8, dropout: 0, smallFilters: [4, 8], seed: 3 });
const trainableLayers = (model: Awaited<ReturnType<typeof build>>) => [...new Set(model.trainableWeights.map((w) => w.name.split('/')[0]))];

test('--freeze backbone | N | none picks which layers train', async () => {
  const model = await build();
  assert.equal(freezeBackbone(model, 'backbone'), 0);
  assert.deepEqual(trainableLayers(model), ['embedding_fc', 'embedding_bn']);
  assert.equal(freezeBackbone(model, 1), 1);
  assert.deepEqual(trainableLayers(model), ['small_cnn_conv1', 'small_cnn_bn1', 'embedding_fc', 'embedding_bn']);
  assert.equal(freezeBackbone(model, 'none'), 2);
  assert.deepEqual(trainableLayers(model), [
    'small_cnn_conv0',
    'small_cnn_bn0',
    'small_cnn_conv1',
    'small_cnn_bn1',
    'embedding_fc',
    'embedding_bn',
  ]);
  assert.throws(() => freezeBackbone(model, 3), /--freeze 3: this backbone has 2 blocks \(0 \.\. 1\); pass at most 2/);
});

test('a frozen batch norm keeps its moving statistics in a training call, as in Keras; a trained one updates them', async () => {
  const model = await build();
  freezeBackbone(model, 1);
  const stats = (layer: string) => Array.from(model.getLayer(layer).getWeights()[2].dataSync());
  const before = { frozen: stats('small_cnn_bn0'), trained: stats('small_cnn_bn1') };
  const x = tf.randomNormal([4, 16, 16, 3], 2, 1, 'float32', 5);
  tf.dispose(model.apply(x, { training: true }) as Tensor);
  assert.deepEqual(stats('small_cnn_bn0'), before.frozen);
  assert.notDeepEqual(stats('small_cnn_bn1'), before.trained);
  x.dispose();
});

test('the frozen path (backbone features, then the embedding head) computes what the whole model computes, and its training lowers the loss', async () => {
  const model = await build();
  const x = tf.randomNormal([6, 16, 16, 3], 0, 1, 'float32', 9);
  const features = backboneOf(model).predict(x) as Tensor;
  const head = buildEmbeddingHead(features.shape[1] as number, { dropout: 0, embeddingDim: 8, seed: 4 });
  for (const name of ['embedding_fc', 'embedding_bn']) head.getLayer(name).setWeights(model.getLayer(name).getWeights());
  assert.deepEqual(Array.from((head.predict(features) as Tensor).dataSync()), Array.from((model.predict(x) as Tensor).dataSync()));

  const rows = 6;
  const data = features.dataSync() as Float32Array;
  const { losses } = await trainEmbeddingHead(tf, head, { rows, dim: features.shape[1] as number, data }, ['a', 'a', 'b', 'b', 'c', 'c'], {
    head: 'softmax',
    sampler: 'uniform',
    epochs: 8,
    batchSize: 6,
    seed: 2,
    schedule: { start: 1e-2, max: 1e-2, min: 1e-2, rampEpochs: 0, sustainEpochs: 8, decay: 1 },
  });
  assert.ok(losses[losses.length - 1] < losses[0], `loss should fall: ${losses.map((l) => l.toFixed(3))}`);
  tf.dispose([x, features]);
});
