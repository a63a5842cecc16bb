import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { NamedTensorMap, Optimizer, Scalar, Tensor, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import { initTf, type Tf } from '@prodmatch/tf';
import { seededRandom } from '@prodmatch/data';
import { buildEmbeddingModel, trainEmbeddingModel } from './embedding.ts';
import { GradientAccumulator, trainLoop, type LoopTask } from './train.ts';
import type { LearningRateSchedule } from './schedule.ts';

let tf: Tf;
before(async () => {
  ({ tf } = await initTf({ backend: 'wasm' }));
});

const SCHEDULE: LearningRateSchedule = { start: 1e-2, max: 1e-2, min: 1e-2, rampEpochs: 0, sustainEpochs: 10, decay: 1 };

/** 32 fixed examples of 6 features in 3 classes, and a softmax regression on them. */
function problem(): { x: Tensor2D; y: Tensor; variables: Variable[]; loss: (from: number, to: number) => Scalar } {
  const random = seededRandom(3);
  const x = tf.tensor2d(
    Array.from({ length: 32 * 6 }, () => 2 * random() - 1),
    [32, 6],
  );
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: 32 }, (_, i) => i % 3),
      'int32',
    ),
    3,
  );
  const variables = [
    tf.variable(
      tf.tensor2d(
        Array.from({ length: 18 }, () => random() - 0.5),
        [6, 3],
      ),
    ),
    tf.variable(tf.tensor1d([0.1, -0.2, 0.05])),
  ];
  const loss = (from: number, to: number): Scalar =>
    tf.tidy(() => {
      const logits = tf.add(tf.matMul(tf.slice(x, [from, 0], [to - from, 6]), variables[0]), variables[1]);
      return tf.losses.softmaxCrossEntropy(tf.slice(y, [from, 0], [to - from, 3]), logits) as Scalar;
    });
  return { x, y, variables, loss };
}

const values = (tensors: readonly Tensor[]): Float32Array[] => tensors.map((t) => t.dataSync() as Float32Array);

function maxDifference(a: Float32Array[], b: Float32Array[]): number {
  let max = 0;
  a.forEach((v, i) => v.forEach((value, j) => (max = Math.max(max, Math.abs(value - b[i][j])))));
  return max;
}

test('--accumulate 4 at batch 8 gives the gradients of batch 32 on a fixed batch, and trains the same weights', async () => {
  const p = problem();
  const accumulator = new GradientAccumulator(tf, p.variables);
  for (let b = 0; b < 4; b++) tf.dispose(accumulator.add(() => p.loss(8 * b, 8 * b + 8), 8));
  let accumulated: Float32Array[] = [];
  accumulator.apply({
    applyGradients: (g: NamedTensorMap) => (accumulated = values(p.variables.map((v) => g[v.name]))),
  } as unknown as Optimizer);
  const whole = tf.variableGrads(() => p.loss(0, 32), p.variables);
  const direct = values(p.variables.map((v) => whole.grads[v.name]));
  const largest = Math.max(...direct.map((g) => Math.max(...g.map(Math.abs))));
  assert.ok(largest > 1e-2, `the gradient is not trivially small (${largest})`);
  const difference = maxDifference(accumulated, direct);
  assert.ok(difference <= 1e-5, `accumulated gradients differ from batch 32's by ${difference}`);

  // Through the training loop: 2 epochs of 4 batches of 8 with --accumulate 4 against 2 epochs of batch 32.
  const train = async (batch: number, accumulate: number): Promise<Float32Array[]> => {
    const q = problem();
    const task: LoopTask = {
      variables: q.variables,
      stepsPerEpoch: 32 / batch,
      async *batches() {
        for (let s = 0; s < 32; s += batch) yield [tf.range(s, s + batch)];
      },
      loss: ([rows]) => {
        const from = (rows.dataSync() as Float32Array)[0];
        return q.loss(from, from + rows.shape[0]);
      },
    };
    await trainLoop(tf, task, { epochs: 2, schedule: SCHEDULE, accumulate });
    const result = values(q.variables);
    tf.dispose([q.x, q.y, ...q.variables]);
    return result;
  };
  const accumulatedWeights = await train(8, 4);
  const batchWeights = await train(32, 1);
  const unaccumulated = await train(8, 1);
  assert.ok(
    maxDifference(accumulatedWeights, batchWeights) <= 1e-5,
    `weights differ by ${maxDifference(accumulatedWeights, batchWeights)}`,
  );
  assert.ok(maxDifference(unaccumulated, batchWeights) > 1e-3, 'four updates of batch 8 should differ from one of batch 32');
  tf.dispose([p.x, p.y, ...p.variables, whole.value, ...Object.values(whole.grads)]);
});

test('the tensor count stays flat over 3 epochs of image training with checkpoints and --accumulate', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-leak-'));
  const paths: string[] = [];
  const labels: string[] = [];
  for (let i = 0; i < 12; i++) {
    const path = join(dir, `${i}.png`);
    await sharp({ create: { width: 20, height: 14, channels: 3, background: { r: 20 * i, g: 100, b: 240 - 20 * i } } })
      .png()
      .toFile(path);
    paths.push(path);
    labels.push(`g${i % 3}`);
  }
  for (const [accumulate, head] of [
    [1, 'arcface'],
    [2, 'softmax'],
  ] as const) {
    const model = await buildEmbeddingModel({ backbone: 'small', imageSize: 8, embeddingDim: 4, dropout: 0.2, smallFilters: [4], seed: 1 });
    const counts: number[] = [];
    const before = tf.memory().numTensors;
    await trainEmbeddingModel(tf, model, paths, labels, {
      head,
      sampler: 'uniform',
      epochs: 3,
      batchSize: 4,
      seed: 1,
      checkpointDir: join(dir, `checkpoints-${accumulate}`),
      accumulate,
      log: (line) => {
        if (/epoch \d/.test(line)) counts.push(tf.memory().numTensors);
      },
    });
    assert.equal(counts.length, 3);
    assert.deepEqual(
      counts,
      [counts[0], counts[0], counts[0]],
      `tensors at the end of each epoch (accumulate ${accumulate}): ${counts.join(', ')}`,
    );
    assert.equal(tf.memory().numTensors, before, 'training leaves no tensor behind');
    model.dispose();
  }
});

test('an out-of-memory step stops with a one-line hint naming --batch-size, --accumulate and --img-size', async () => {
  const v = tf.variable(tf.scalar(1));
  const task = (error: () => never): LoopTask => ({
    variables: [v],
    stepsPerEpoch: 1,
    async *batches() {
      yield [tf.scalar(0)];
    },
    loss: error,
  });
  const oom = (): never => {
    throw new Error(
      'OOM when allocating tensor with shape[32,256,256,48] and type float on /job:localhost/replica:0/task:0/device:GPU:0\nHint: use report_tensor_allocations_upon_oom',
    );
  };
  await assert.rejects(
    trainLoop(tf, task(oom), { epochs: 1, schedule: SCHEDULE }),
    (e: Error) =>
      /^out of memory at epoch 1, step 1 \(OOM when allocating.*\); lower --batch-size and raise --accumulate .* or lower --img-size$/.test(
        e.message,
      ) && !e.message.includes('\n'),
  );
  const other = (): never => {
    throw new Error('shapes do not match');
  };
  await assert.rejects(trainLoop(tf, task(other), { epochs: 1, schedule: SCHEDULE }), /^Error: shapes do not match$|shapes do not match/);
  v.dispose();
});
