import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imageEmbedding, imageEmbeddingSchema } from './index.ts';

test("preset 'seed' is the seeds' GPU run, and explicit keys win over it", () => {
  const seed = imageEmbeddingSchema.parse({ preset: 'seed' });
  assert.deepEqual(
    {
      backbone: seed.backbone,
      imageSize: seed.imageSize,
      pretrained: seed.pretrained,
      epochs: seed.epochs,
      batchSize: seed.batchSize,
      schedule: seed.schedule,
    },
    {
      backbone: 'b3',
      imageSize: 512,
      pretrained: 'imagenet',
      epochs: 15,
      batchSize: 32,
      schedule: { start: 1e-5, max: 3.2e-4, min: 1e-6, rampEpochs: 5, sustainEpochs: 0, decay: 0.8 },
    },
  );
  const mixed = imageEmbeddingSchema.parse({ preset: 'seed', imgSize: 256, lrMax: 1e-4, weights: '/tmp/b3.h5' });
  assert.equal(mixed.imageSize, 256);
  assert.equal(mixed.schedule.max, 1e-4);
  assert.equal(mixed.schedule.rampEpochs, 5);
  // weights replace the preset's download rather than clashing with it.
  assert.equal(mixed.pretrained, 'none');
  assert.equal(mixed.weights, '/tmp/b3.h5');
  const plain = imageEmbeddingSchema.parse({});
  assert.deepEqual(
    [plain.backbone, plain.imageSize, plain.epochs, plain.pretrained, plain.freeze, plain.smallFilters],
    ['small', 64, 6, 'none', 'none', [16, 32, 64, 128]],
  );
  // The resolved config is what a row records: every default is there.
  assert.deepEqual(plain.arcface, { margin: 0.5, scale: 30, easyMargin: false, labelSmoothing: 0 });
});

test('bad image settings are refused with the key named, before any model is built', () => {
  assert.throws(() => imageEmbedding({ freeze: 'top' as never }).resolve(), /image-embedding: freeze: /);
  assert.throws(() => imageEmbedding({ pretrained: 'imagenet', weights: '/tmp/x.h5' }).resolve(), /give one of them/);
  assert.throws(() => imageEmbedding({ epochs: 2.5 }).resolve(), /epochs: Invalid input: expected int/);
  assert.throws(() => imageEmbedding().resolve({ lrMax: -1 }), /lrMax: Too small/);
  assert.throws(() => imageEmbedding().resolve({ nope: 1 }), /Unrecognized key: "nope"/);
});
