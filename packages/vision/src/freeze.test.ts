import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '@tensorflow/tfjs-core';
import { initTf } from '@prodmatch/tf';
import { buildEmbeddingModel, freezeBackbone } from './embedding.ts';

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
  assert.deepEqual(trainableLayers(model), ['small_cnn_conv0', 'small_cnn_bn0', 'small_cnn_conv1', 'small_cnn_bn1', 'embedding_fc', 'embedding_bn']);
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
