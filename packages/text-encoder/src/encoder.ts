// The title encoder: hashed n-grams -> (IDF-)weighted embedding bag -> batch norm = the embedding,
// trained with a classification head (ArcFace by default) over the train groups and discarded after.
import type { Optimizer, Scalar, Tensor, Tensor1D, Variable } from '@tensorflow/tfjs-core';
import type { Tf } from '@prodmatch/tf';
import { seededRandom } from '@prodmatch/data';
import { classIds, createHead, epochOrder, seededTrainingArgs, trainLoop, type LoopOptions, type LoopStep } from '@prodmatch/vision';
import { bagSum, EmbeddingTable } from './bag.ts';
import type { TitleEncoderConfig } from './defaults.ts';
import { hashTitles } from './hashing.ts';
import { bagBatch, bagInputs, fitBagVocabulary, withUnseenBuckets, type BagVocabulary } from './inputs.ts';
import { checkTitleEncoderPeak, estimateTitleEncoderPeak, memoryLimits, peakEstimateLine } from './memory.ts';
import { batchLoss, BN_EPSILON, stepGradients, type StepModel } from './step.ts';
import { loadTable, saveTable } from './table-file.ts';

export { DEFAULT_TITLE_ENCODER, type TitleEncoderConfig } from './defaults.ts';

/** PyTorch's BatchNorm1d: momentum 0.1 for the running statistics (its epsilon is step.ts' BN_EPSILON). */
const BN_MOMENTUM = 0.1;

/** A trained encoder: everything embedTitles needs, none of it tfjs state. */
export interface TitleEncoder {
  config: TitleEncoderConfig;
  /** The training seed: it also draws the rows of n-grams without a table row. */
  seed: number;
  vocabulary: BagVocabulary;
  table: EmbeddingTable;
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
  positiveInteger(c.headChunk, 'head-chunk');
  if (c.batchSize < 2) throw new Error('batch-size must be at least 2: batch norm needs two titles per batch');
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new Error(`dropout must be in [0, 1), got ${c.dropout}`);
  if (!(c.initScale > 0)) throw new Error(`init-scale must be positive, got ${c.initScale}`);
  if (!(c.tableRateScale > 0)) throw new Error(`table-rate-scale must be positive, got ${c.tableRateScale}`);
  if (c.tableOptimizer !== 'adam' && c.tableOptimizer !== 'rowwise-adam')
    throw new Error(`table optimizer must be 'adam' or 'rowwise-adam', got ${String(c.tableOptimizer)}`);
}

/**
 * Trains an encoder on `titles` labelled by `labels` (one label group per class). The loop, schedule,
 * progress bars and per-epoch checkpoints are vision's trainLoop; the table trains in its `step` (its
 * bags summed and differentiated outside tfjs, see bag.ts), everything else by the loop's Adam. Before
 * anything is allocated, the peak memory is estimated from the vocabulary and a run that cannot fit
 * stops with one line naming the setting to change.
 */
export async function trainTitleEncoder(
  tf: Tf,
  titles: readonly string[],
  labels: readonly string[],
  config: TitleEncoderConfig,
  o: TitleEncoderTraining,
): Promise<{ encoder: TitleEncoder; losses: number[] }> {
  checkTitleEncoderConfig(config);
  if (titles.length !== labels.length) throw new Error(`trainTitleEncoder: ${titles.length} titles but ${labels.length} labels`);
  if (titles.length < config.batchSize)
    throw new Error(`trainTitleEncoder: ${titles.length} training titles, fewer than one batch of ${config.batchSize}; lower --batch-size`);
  const hashed = hashTitles(titles, config.features);
  const vocabulary = fitBagVocabulary(hashed, config.features.bits, config.minDf);
  const inputs = bagInputs(hashed, vocabulary, config.weighting);
  const { ids, classes } = classIds(labels);
  const estimate = estimateTitleEncoderPeak(config, vocabulary.rows, { titles: titles.length, classes, entries: inputs.ids.length });
  checkTitleEncoderPeak(estimate, config, vocabulary.rows, classes, memoryLimits(tf.getBackend()));
  o.log?.(
    `title encoder: ${titles.length} titles, ${classes} groups, ${vocabulary.rows} table rows of ${config.dim} (buckets in >= ${config.minDf} titles)`,
  );
  o.log?.(peakEstimateLine(estimate, config, vocabulary.rows, classes));
  const table = new EmbeddingTable(vocabulary.rows, config.dim, config.initScale, o.seed, config.tableOptimizer);
  const head = createHead(tf, config.head, config.dim, classes, o.seed, config.arcface);
  const gamma = tf.tidy(() => tf.variable(tf.ones([config.dim]), true));
  const beta = tf.tidy(() => tf.variable(tf.zeros([config.dim]), true));
  let movingMean: Tensor1D = tf.zeros([config.dim]);
  let movingVariance: Tensor1D = tf.ones([config.dim]);
  const variables: Variable[] = [gamma, beta, ...head.variables];
  let saved: Tensor[] = [];
  const dim = config.dim;

  const model: StepModel = { gamma, beta, head, dropout: config.dropout, headChunk: config.headChunk };
  const dropoutSeed = (at: LoopStep): number => seededTrainingArgs(o.seed, at.epoch, at.step).dropoutMaskSeed;
  /** A batch is [its titles (int32), their classes (int32)]; the bags are summed here, from the table as it is now. */
  const batchOf = (batch: Tensor[]) => bagBatch(inputs, batch[0].dataSync() as Int32Array);

  const step = (batch: Tensor[], at: LoopStep, optimizer: Optimizer, rate: number): Scalar => {
    const b = batchOf(batch);
    // Only the bags enter tfjs, and only their gradient comes back; the table's rows never do.
    const { loss, grads, bagGradient, mean, variance } = stepGradients(tf, table.bag(b), dim, batch[1] as Tensor1D, model, dropoutSeed(at));
    optimizer.applyGradients(grads);
    table.train(b, bagGradient, rate * config.tableRateScale);
    // PyTorch's running statistics: the variance is the unbiased batch variance.
    const n = b.titles;
    const nextMean = tf.tidy(() => tf.add(tf.mul(movingMean, 1 - BN_MOMENTUM), tf.mul(mean, BN_MOMENTUM)) as Tensor1D);
    const nextVariance = tf.tidy(
      () => tf.add(tf.mul(movingVariance, 1 - BN_MOMENTUM), tf.mul(variance, (BN_MOMENTUM * n) / (n - 1))) as Tensor1D,
    );
    tf.dispose([movingMean, movingVariance, mean, variance, ...Object.values(grads)]);
    movingMean = nextMean;
    movingVariance = nextVariance;
    return loss;
  };

  const checkpointDir = o.checkpointDir;
  const key = o.checkpointKey ?? '';
  /** The table's shape and step count, saved in vision's checkpoint; the table itself in its own file. */
  const tableInfo = (): Int32Array => Int32Array.from([table.steps, table.rows, table.dim, config.tableOptimizer === 'adam' ? 0 : 1]);

  try {
    const result = await trainLoop(
      tf,
      {
        variables,
        // The table and its moments live outside tfjs and are written to a file of their own (see
        // table-file.ts); the checkpoint holds their shape and step count. The copy of the previous
        // checkpoint's small tensor is released here, the last one after training.
        stateTensors: () => {
          if (!checkpointDir) throw new Error('title encoder: a checkpoint was requested without a checkpoint folder');
          saveTable(checkpointDir, key, table);
          tf.dispose(saved);
          saved = [tf.tensor1d(tableInfo(), 'int32')];
          return [...saved, movingMean, movingVariance];
        },
        setState: (tensors) => {
          const stale = 'delete the checkpoint folder or drop --resume';
          if (tensors.length !== 3 || tensors[0].size !== 4)
            throw new Error(
              `title encoder checkpoint has ${tensors.length} state tensors, expected 3 (it predates the table's own file); ${stale}`,
            );
          const [info, mean, variance] = tensors;
          const [steps, rows, savedDim, optimizer] = info.dataSync() as Int32Array;
          const want = tableInfo();
          if (rows !== want[1] || savedDim !== want[2] || optimizer !== want[3])
            throw new Error(
              `title encoder checkpoint has a table of ${rows} x ${savedDim} (optimizer ${optimizer}), this encoder ${want[1]} x ${want[2]} (optimizer ${want[3]}); ${stale}`,
            );
          if (!checkpointDir) throw new Error(`title encoder: a checkpoint was restored without a checkpoint folder; ${stale}`);
          loadTable(checkpointDir, key, steps, table);
          table.steps = steps;
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
            yield [
              tf.tensor1d(rows, 'int32'),
              tf.tensor1d(
                Int32Array.from(rows, (r) => ids[r]),
                'int32',
              ),
            ];
          }
        },
        // The loss at the table's current rows, without training (step() trains).
        loss: (batch, at) => {
          const b = batchOf(batch);
          return tf.tidy(() => batchLoss(tf, tf.tensor2d(table.bag(b), [b.titles, dim]), batch[1] as Tensor1D, model, dropoutSeed(at)));
        },
        step,
      },
      {
        epochs: config.epochs,
        schedule: config.schedule,
        checkpointDir,
        checkpointKey: o.checkpointKey,
        resume: o.resume,
        progress: o.progress,
        log: o.log,
        label: `text ${config.head}`,
      },
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

/**
 * L2-normalised embeddings of `titles`, [rows, dim] row-major, batch norm in inference mode. The bags,
 * batch norm and normalisation are plain arithmetic on the table, a batch at a time (`tf` is not used:
 * it stays in the signature for the callers). An n-gram without a table row gets its fixed random row
 * when its batch reads it, so a gallery's unseen n-grams are never all held at once.
 */
export function embedTitles(
  tf: Tf,
  encoder: TitleEncoder,
  titles: readonly string[],
  batchSize = 256,
): { rows: number; dim: number; data: Float32Array } {
  const { config, table } = encoder;
  const dim = config.dim;
  const hashed = hashTitles(titles, config.features);
  let vocabulary = encoder.vocabulary;
  let extra: Int32Array = new Int32Array(0);
  if (config.unseen === 'random') ({ vocabulary, extra } = withUnseenBuckets(vocabulary, hashed));
  const unseenRow = (bucket: number): Float32Array => {
    const random = seededRandom((Math.imul(bucket + 1, 0x9e3779b1) ^ encoder.seed) >>> 0);
    return Float32Array.from({ length: dim }, () => (2 * random() - 1) * config.initScale * config.unseenScale);
  };
  const inputs = bagInputs(hashed, vocabulary, config.weighting);
  const data = new Float32Array(titles.length * dim);
  const scale = Float32Array.from(encoder.gamma, (g, j) => g / Math.sqrt(encoder.movingVariance[j] + BN_EPSILON));
  const shift = Float32Array.from(encoder.beta, (b, j) => b - encoder.movingMean[j] * scale[j]);
  for (let start = 0; start < titles.length; start += batchSize) {
    const b = bagBatch(
      inputs,
      Int32Array.from({ length: Math.min(batchSize, titles.length - start) }, (_, i) => start + i),
    );
    const out = data.subarray(start * dim, (start + b.titles) * dim);
    bagSum(
      b,
      dim,
      (slot) => {
        const row = b.tableRows[slot];
        return row < table.rows ? table.row(row) : unseenRow(extra[row - table.rows]);
      },
      out,
    );
    for (let t = 0; t < b.titles; t++) {
      const x = out.subarray(t * dim, (t + 1) * dim);
      let squares = 0;
      for (let j = 0; j < dim; j++) {
        x[j] = x[j] * scale[j] + shift[j];
        squares += x[j] * x[j];
      }
      const inverse = 1 / Math.max(Math.sqrt(squares), 1e-12);
      for (let j = 0; j < dim; j++) x[j] *= inverse;
    }
  }
  return { rows: titles.length, dim, data };
}
