// The title encoder's settings and their defaults. Nothing here loads tfjs, so a config schema can read
// the defaults without the training stack (`@prodmatch/text-encoder/defaults`).
import type { ArcFaceOptions, HeadKind, LearningRateSchedule, SamplerKind } from '@prodmatch/vision/constants';
import { SEED_ARCFACE } from '@prodmatch/vision/constants';
import type { TableOptimizer } from './bag.ts';
import { DEFAULT_FEATURES, type HashedFeatureSpec } from './hashing.ts';
import type { InputWeighting } from './inputs.ts';

export interface TitleEncoderConfig {
  features: HashedFeatureSpec;
  /** Buckets in fewer training titles than this get no table row. */
  minDf: number;
  weighting: InputWeighting;
  /** Embedding size (the seeds and the prototype: 512). */
  dim: number;
  /** Table rows start uniform in [-initScale, initScale]. */
  initScale: number;
  /** Dropout on the batch-normed embedding while training. */
  dropout: number;
  /**
   * Titles of a batch whose head and loss are differentiated together (step.ts): the backend holds about
   * 60 [headChunk, groups] float32 tensors at a step's peak. Changes memory, not what is learned.
   */
  headChunk: number;
  head: HeadKind;
  arcface: ArcFaceOptions;
  sampler: SamplerKind;
  epochs: number;
  batchSize: number;
  schedule: LearningRateSchedule;
  /** The table's learning rate is the schedule's times this. */
  tableRateScale: number;
  /** The table's optimizer: lazy 'adam', or 'rowwise-adam' (one second moment per row; 2/3 of the memory). */
  tableOptimizer: TableOptimizer;
  /**
   * At inference, n-grams without a table row (too rare in training, or unseen): 'drop' them, or give
   * each a fixed row drawn from the table's initial distribution, seeded by its bucket, as a full hashed
   * table would hold for buckets training never touched (a random projection of those n-grams).
   */
  unseen: 'drop' | 'random';
  /** With unseen 'random': those rows are uniform in [-s, s], s = initScale times this. */
  unseenScale: number;
}

/**
 * Chosen on the val split of the real data (docs/text-arcface.md). Val F1 stops rising after 3 epochs at
 * this rate while the loss keeps falling. Rows start large (uniform in +-0.3) and n-grams without a
 * trained row get fixed rows of the same distribution: a random projection of the rare n-grams that
 * TF-IDF weighs most (val F1 0.8132 at 256-d, against 0.7970 with rows at +-0.05 and those n-grams
 * dropped). 512-d, the seeds' size, adds 0.006 (0.8194) for 1.5x the training time, about 3 minutes.
 */
export const DEFAULT_TITLE_ENCODER: TitleEncoderConfig = {
  features: DEFAULT_FEATURES,
  minDf: 1,
  weighting: 'idf',
  dim: 512,
  initScale: 0.3,
  dropout: 0.2,
  headChunk: 64,
  head: 'arcface',
  arcface: SEED_ARCFACE,
  sampler: 'uniform',
  epochs: 3,
  batchSize: 256,
  schedule: { start: 4e-3, max: 4e-3, min: 1e-4, rampEpochs: 0, sustainEpochs: 3, decay: 0.5 },
  tableRateScale: 1,
  tableOptimizer: 'adam',
  unseen: 'random',
  unseenScale: 1,
};
