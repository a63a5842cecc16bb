import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { initTf, type Tf } from '@prodmatch/tf';
import { buildEmbeddingModel, trainEmbeddingModel } from './embedding.ts';
import type { LearningRateSchedule } from './schedule.ts';

let tf: Tf;
const paths: string[] = [];
const labels: string[] = [];

// 4 groups x 5 flat-colour images. 20 images in batches of 4 give 5 Adam steps per epoch: after 5
// steps tfjs' setWeights() rebuilds beta2^t one float32 bit away from the trained value (after 3
// it happens to agree), which is what the resume test must see.
before(async () => {
  ({ tf } = await initTf({ backend: 'wasm' }));
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-train-'));
  for (let g = 0; g < 4; g++) {
    for (let j = 0; j < 5; j++) {
      const path = join(dir, `${g}_${j}.png`);
      await sharp({ create: { width: 24, height: 24, channels: 3, background: { r: 60 * g, g: 40 * j, b: 200 - 40 * g } } })
        .png()
        .toFile(path);
      paths.push(path);
      labels.push(`group${g}`);
    }
  }
});

// Every epoch at its own rate, so a resumed run that got the schedule wrong would show.
const SCHEDULE: LearningRateSchedule = { start: 1e-3, max: 5e-3, min: 1e-4, rampEpochs: 1, sustainEpochs: 0, decay: 0.5 };

/** Trains a fresh small CNN (16 px) with a softmax head; returns its weights and where it started. */
async function train(o: {
  epochs: number;
  seed: number;
  dropout: number;
  checkpointDir?: string;
  resume?: boolean;
}): Promise<{ weights: Float32Array[]; resumedFrom: number }> {
  const model = await buildEmbeddingModel({
    backbone: 'small',
    imageSize: 16,
    embeddingDim: 8,
    dropout: o.dropout,
    smallFilters: [4, 8],
    seed: o.seed,
  });
  const result = await trainEmbeddingModel(tf, model, paths, labels, {
    head: 'softmax',
    sampler: 'uniform',
    epochs: o.epochs,
    batchSize: 4,
    schedule: SCHEDULE,
    seed: o.seed,
    checkpointDir: o.checkpointDir ?? mkdtempSync(join(tmpdir(), 'prodmatch-ckpt-')),
    resume: o.resume,
  });
  // getWeights() includes the batch-norm moving statistics, which a checkpoint must restore too.
  const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
  model.dispose();
  return { weights, resumedFrom: result.resumedFrom };
}

function maxDifference(a: Float32Array[], b: Float32Array[]): number {
  assert.equal(a.length, b.length);
  let max = 0;
  a.forEach((values, i) => values.forEach((v, j) => (max = Math.max(max, Math.abs(v - b[i][j])))));
  return max;
}

async function straightAndResumed(dropout: number): Promise<number> {
  const straight = await train({ epochs: 2, seed: 5, dropout });
  const checkpointDir = mkdtempSync(join(tmpdir(), 'prodmatch-ckpt-'));
  await train({ epochs: 1, seed: 5, dropout, checkpointDir });
  const resumed = await train({ epochs: 2, seed: 5, dropout, checkpointDir, resume: true });
  // Otherwise a run that ignored the checkpoint and trained both epochs would pass.
  assert.equal(resumed.resumedFrom, 1);
  return maxDifference(straight.weights, resumed.weights);
}

test('1 epoch + checkpoint + resume trains the same weights as 2 epochs in one go (Adam state included)', async () => {
  const difference = await straightAndResumed(0);
  assert.ok(difference <= 1e-6, `resumed weights differ by up to ${difference}`);
});

test('a resumed run draws the dropout masks the uninterrupted run drew', async () => {
  const difference = await straightAndResumed(0.5);
  assert.ok(difference <= 1e-6, `resumed weights differ by up to ${difference}`);
});

test('with dropout, the same seed trains the same weights and another seed other weights', async () => {
  const a = await train({ epochs: 2, seed: 5, dropout: 0.5 });
  const b = await train({ epochs: 2, seed: 5, dropout: 0.5 });
  const c = await train({ epochs: 2, seed: 6, dropout: 0.5 });
  assert.equal(maxDifference(a.weights, b.weights), 0);
  assert.ok(maxDifference(a.weights, c.weights) > 1e-3);
});
