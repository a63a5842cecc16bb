import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initTf } from '@prodmatch/tf';
import { smallCnn } from './backbones.ts';
import { buildEmbeddingModel } from './embedding.ts';
import { saveModel } from './pretrained.ts';

await initTf({ backend: 'cpu' });

test('--weights loads a locally saved tfjs model as the backbone, weights intact', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-weights-'));
  const saved = smallCnn({ inputSize: 16, filters: [4, 8], name: 'pretrained_cnn' });
  await saveModel(saved, dir);
  const model = await buildEmbeddingModel({ backbone: 'small', imageSize: 16, embeddingDim: 12, dropout: 0.1, weights: dir, seed: 1 });
  assert.deepEqual(model.outputs[0].shape, [null, 12]);
  const conv = model.getLayer('pretrained_cnn_conv1').getWeights()[0].dataSync();
  assert.deepEqual(Array.from(conv), Array.from(saved.getLayer('pretrained_cnn_conv1').getWeights()[0].dataSync()));
  // The model.json path works as well as its folder.
  await buildEmbeddingModel({ backbone: 'small', imageSize: 16, embeddingDim: 12, dropout: 0, weights: join(dir, 'model.json'), seed: 1 });
});

test('--weights with the wrong input size or a missing file says what to do', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-weights-'));
  await saveModel(smallCnn({ inputSize: 16, filters: [4] }), dir);
  await assert.rejects(
    buildEmbeddingModel({ backbone: 'small', imageSize: 32, embeddingDim: 8, dropout: 0, weights: dir, seed: 1 }),
    /expected \[batch, 32, 32, 3\]; pass --img-size/,
  );
  await assert.rejects(
    buildEmbeddingModel({ backbone: 'small', imageSize: 32, embeddingDim: 8, dropout: 0, weights: join(dir, 'nope'), seed: 1 }),
    /nope: not found; --weights takes/,
  );
});
