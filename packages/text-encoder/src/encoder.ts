// The title encoder: hashed n-grams -> (IDF-)weighted embedding bag -> batch norm = the embedding,
// trained with a classification head (ArcFace by default) over the train groups and discarded after.
import type { Optimizer, Scalar, Tensor, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import type { Tf } from '@prodmatch/tf';
import { seededRandom } from '@prodmatch/data';
import {
  classIds,
  createHead,
  crossEntropy,
  epochOrder,
  seededTrainingArgs,
  SEED_ARCFACE,
  trainLoop,
  type ArcFaceOptions,
  type HeadKind,
  type LearningRateSchedule,
  type LoopOptions,
  type LoopStep,
  type SamplerKind,
} from '@prodmatch/vision';
import { embeddingBag, SparseAdamTable } from './bag.ts';
import type { TitleEncoderConfig } from './defaults.ts';
import { DEFAULT_FEATURES, hashTitles, type HashedFeatureSpec } from './hashing.ts';
import { bagBatch, bagInputs, fitBagVocabulary, withUnseenBuckets, type BagInputs, type BagVocabulary, type InputWeighting } from './inputs.ts';

export { DEFAULT_TITLE_ENCODER, type TitleEncoderConfig } from './defaults.ts';

/** PyTorch's BatchNorm1d: momentum 0.1 for the running statistics, epsilon 1e-5. */
const BN_MOMENTUM = 0.1;
const BN_EPSILON = 1e-5;

/** A trained encoder: everything embedTitles needs, none of it tfjs state. */
export interface TitleEncoder {
  config: TitleEncoderConfig;
  /** The training seed: it also draws the rows of n-grams without a table row. */
  seed: number;
  vocabulary: BagVocabulary;
  table: SparseAdamTable;
  gamma: Float32Array;
  beta: Float32Array;
  movingMean: Float32Array;
  movingVariance: Float32Array;
}

/** The training seed, and the loop's checkpoint, progress and log settings. */
export type TitleEncoderTraining = { seed: number } & Pick<LoopOptions, 'checkpointDir' | 'checkpointKey' | 'resume' | 'progress' | 'log'>;

export function checkTitleEncoderConfig(c: TitleEncoderConfig): void {
  const positiveInteger = (value: number, name: string): void => {
    if (!(Number.isInteger(value) && value > 0)) throw new Error(`${name} must be a positive integer, got ${value}`);
  };
  positiveInteger(c.dim, 'dim');
  positiveInteger(c.epochs, 'epochs');
  positiveInteger(c.batchSize, 'batch-size');
  if (c.batchSize < 2) throw new Error('batch-size must be at least 2: batch norm needs two titles per batch');
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new Error(`dropout must be in [0, 1), got ${c.dropout}`);
  if (!(c.initScale > 0)) throw new Error(`init-scale must be positive, got ${c.initScale}`);
  if (!(c.tableRateScale > 0)) throw new Error(`table-rate-scale must be positive, got ${c.tableRateScale}`);
}

/**
 * Trains an encoder on `titles` labelled by `labels` (one label group per class). The loop, schedule,
 * progress bars and per-epoch checkpoints are vision's trainLoop; the table trains by lazy Adam in its
 * `step`, everything else by the loop's Adam.
 */
export async function trainTitleEncoder(tf: Tf, titles: readonly string[], labels: readonly string[], config: TitleEncoderConfig, o: TitleEncoderTraining): Promise<{ encoder: TitleEncoder; losses: number[] }> {
  checkTitleEncoderConfig(config);
  if (titles.length !== labels.length) throw new Error(`trainTitleEncoder: ${titles.length} titles but ${labels.length} labels`);
  if (titles.length < config.batchSize) throw new Error(`trainTitleEncoder: ${titles.length} training titles, fewer than one batch of ${config.batchSize}; lower --batch-size`);
  const hashed = hashTitles(titles, config.features);
  const vocabulary = fitBagVocabulary(hashed, config.features.bits, config.minDf);
  const inputs = bagInputs(hashed, vocabulary, config.weighting);
  const { ids, classes } = classIds(labels);
  o.log?.(`title encoder: ${titles.length} titles, ${classes} groups, ${vocabulary.rows} table rows of ${config.dim} (buckets in >= ${config.minDf} titles)`);
  const table = new SparseAdamTable(vocabulary.rows, config.dim, config.initScale, o.seed);
  const head = createHead(tf, config.head, config.dim, classes, o.seed, config.arcface);
  const gamma = tf.tidy(() => tf.variable(tf.ones([config.dim]), true));
  const beta = tf.tidy(() => tf.variable(tf.zeros([config.dim]), true));
  let movingMean: Tensor1D = tf.zeros([config.dim]);
  let movingVariance: Tensor1D = tf.ones([config.dim]);
  const variables: Variable[] = [gamma, beta, ...head.variables];
  let saved: Tensor[] = [];

  /** `moments` collects the batch mean and variance (kept) for the running statistics. */
  const loss = (rows: Tensor2D, [local, weights, segments, y]: Tensor[], at: LoopStep, moments: Tensor1D[] | null): Scalar => {
    const bag = embeddingBag(tf, rows, local as Tensor1D, weights as Tensor1D, segments as Tensor1D, y.shape[0]);
    const { mean, variance } = tf.moments(bag, 0);
    moments?.push(tf.keep(mean as Tensor1D), tf.keep(variance as Tensor1D));
    let x = tf.add(tf.mul(tf.div(tf.sub(bag, mean), tf.sqrt(tf.add(variance, BN_EPSILON))), gamma), beta) as Tensor2D;
    if (config.dropout > 0) x = tf.dropout(x, config.dropout, undefined, seededTrainingArgs(o.seed, at.epoch, at.step).dropoutMaskSeed) as Tensor2D;
    return crossEntropy(tf, head.logits(x, y as Tensor1D), y as Tensor1D);
  };

  const step = (batch: Tensor[], at: LoopStep, optimizer: Optimizer, rate: number): Scalar => {
    const tableRows = batch[4].dataSync() as Int32Array;
    // tidy releases the gathered tensor; the variable keeps its buffer.
    const rows = tf.tidy(() => tf.variable(table.gather(tf, tableRows), true));
    const moments: Tensor1D[] = [];
    const { value, grads } = tf.variableGrads(() => loss(rows, batch, at, moments), [...variables, rows]);
    const rowGradient = grads[rows.name];
    delete grads[rows.name];
    optimizer.applyGradients(grads);
    table.update(tableRows, rowGradient.dataSync() as Float32Array, rate * config.tableRateScale);
    // PyTorch's running statistics: the variance is the unbiased batch variance.
    const n = batch[3].shape[0];
    const [mean, variance] = moments;
    const nextMean = tf.tidy(() => tf.add(tf.mul(movingMean, 1 - BN_MOMENTUM), tf.mul(mean, BN_MOMENTUM)) as Tensor1D);
    const nextVariance = tf.tidy(() => tf.add(tf.mul(movingVariance, 1 - BN_MOMENTUM), tf.mul(variance, (BN_MOMENTUM * n) / (n - 1))) as Tensor1D);
    tf.dispose([movingMean, movingVariance, ...moments, ...Object.values(grads), rowGradient, rows]);
    movingMean = nextMean;
    movingVariance = nextVariance;
    return value;
  };

  try {
    const result = await trainLoop(
      tf,
      {
        variables,
        // The table and its moments live outside tfjs; a checkpoint copies them in. The copies of the
        // previous checkpoint are released here, the last ones after training.
        stateTensors: () => {
          tf.dispose(saved);
          saved = [tf.tensor1d(table.values), tf.tensor1d(table.moment1), tf.tensor1d(table.moment2), tf.tensor1d([table.steps], 'int32')];
          return [...saved, movingMean, movingVariance];
        },
        setState: (tensors) => {
          if (tensors.length !== 6) throw new Error(`title encoder checkpoint has ${tensors.length} state tensors, expected 6; delete the checkpoint folder or drop --resume`);
          const [values, moment1, moment2, steps, mean, variance] = tensors;
          if (values.size !== table.values.length) throw new Error(`title encoder checkpoint has a table of ${values.size} values, this encoder ${table.values.length}; delete the checkpoint folder or drop --resume`);
          table.values.set(values.dataSync() as Float32Array);
          table.moment1.set(moment1.dataSync() as Float32Array);
          table.moment2.set(moment2.dataSync() as Float32Array);
          table.steps = steps.dataSync()[0];
          tf.dispose([movingMean, movingVariance]);
          movingMean = tf.clone(mean) as Tensor1D;
          movingVariance = tf.clone(variance) as Tensor1D;
        },
        stepsPerEpoch: Math.floor(titles.length / config.batchSize),
        async *batches(epoch) {
          const order = epochOrder(config.sampler, ids, seededRandom(o.seed * 7919 + epoch));
          // Whole batches only: batch norm over a remainder of one title would divide by zero variance.
          for (let start = 0; start + config.batchSize <= order.length; start += config.batchSize) {
            const rows = order.subarray(start, start + config.batchSize);
            const b = bagBatch(inputs, rows);
            yield [
              tf.tensor1d(b.local, 'int32'),
              tf.tensor1d(b.weights),
              tf.tensor1d(b.segments, 'int32'),
              tf.tensor1d(Int32Array.from(rows, (r) => ids[r]), 'int32'),
              tf.tensor1d(b.tableRows, 'int32'),
            ];
          }
        },
        // The loss at the table's current rows, without training (step() trains).
        loss: (batch, at) => tf.tidy(() => loss(table.gather(tf, batch[4].dataSync() as Int32Array), batch, at, null)),
        step,
      },
      { epochs: config.epochs, schedule: config.schedule, checkpointDir: o.checkpointDir, checkpointKey: o.checkpointKey, resume: o.resume, progress: o.progress, log: o.log, label: `text ${config.head}` },
    );
    const encoder: TitleEncoder = {
      config,
      seed: o.seed,
      vocabulary,
      table,
      gamma: (await gamma.data()) as Float32Array,
      beta: (await beta.data()) as Float32Array,
      movingMean: (await movingMean.data()) as Float32Array,
      movingVariance: (await movingVariance.data()) as Float32Array,
    };
    return { encoder, losses: result.losses };
  } finally {
    tf.dispose([...saved, ...head.variables, gamma, beta, movingMean, movingVariance]);
  }
}

/** L2-normalised embeddings of `titles`, [rows, dim] row-major, batch norm in inference mode. */
export function embedTitles(tf: Tf, encoder: TitleEncoder, titles: readonly string[], batchSize = 256): { rows: number; dim: number; data: Float32Array } {
  const { config, table } = encoder;
  const hashed = hashTitles(titles, config.features);
  let vocabulary = encoder.vocabulary;
  let unseenRows = new Float32Array(0);
  if (config.unseen === 'random') {
    const extended = withUnseenBuckets(vocabulary, hashed);
    vocabulary = extended.vocabulary;
    unseenRows = new Float32Array(extended.extra.length * config.dim);
    extended.extra.forEach((bucket, i) => {
      const random = seededRandom((Math.imul(bucket + 1, 0x9e3779b1) ^ encoder.seed) >>> 0);
      for (let j = 0; j < config.dim; j++) unseenRows[i * config.dim + j] = (2 * random() - 1) * config.initScale * config.unseenScale;
    });
  }
  const inputs: BagInputs = bagInputs(hashed, vocabulary, config.weighting);
  /** Table rows, then the unseen n-grams' fixed rows. */
  const gatherRows = (rows: Int32Array): Tensor2D => {
    const out = new Float32Array(rows.length * config.dim);
    rows.forEach((row, i) => {
      const source = row < table.rows ? table.values.subarray(row * config.dim, (row + 1) * config.dim) : unseenRows.subarray((row - table.rows) * config.dim, (row - table.rows + 1) * config.dim);
      out.set(source, i * config.dim);
    });
    return tf.tensor2d(out, [rows.length, config.dim]);
  };
  const dim = config.dim;
  const data = new Float32Array(titles.length * dim);
  const scale = Float32Array.from(encoder.gamma, (g, j) => g / Math.sqrt(encoder.movingVariance[j] + BN_EPSILON));
  const shift = Float32Array.from(encoder.beta, (b, j) => b - encoder.movingMean[j] * scale[j]);
  for (let start = 0; start < titles.length; start += batchSize) {
    const titlesHere = Int32Array.from({ length: Math.min(batchSize, titles.length - start) }, (_, i) => start + i);
    const b = bagBatch(inputs, titlesHere);
    const out = tf.tidy(() => {
      const rows = gatherRows(b.tableRows);
      const bag = embeddingBag(tf, rows, tf.tensor1d(b.local, 'int32'), tf.tensor1d(b.weights), tf.tensor1d(b.segments, 'int32'), titlesHere.length);
      const x = tf.add(tf.mul(bag, tf.tensor1d(scale)), tf.tensor1d(shift));
      return tf.div(x, tf.maximum(tf.norm(x, 2, 1, true), 1e-12));
    });
    data.set(out.dataSync() as Float32Array, start * dim);
    out.dispose();
  }
  return { rows: titles.length, dim, data };
}
