// The learned title encoder (@prodmatch/text-encoder) as a feature: trained on the train groups
// (`fit`), then any gallery's titles are embedded (`extract`). Several seeds can be trained and their
// embeddings averaged.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { DenseMatrix } from '@prodmatch/knn';
import { DEFAULT_TITLE_ENCODER as D, type TitleEncoderConfig } from '@prodmatch/text-encoder/defaults';
import { z } from 'zod';
import { defineFeature } from './feature.ts';

export const titleEncoderSchema = z
  .strictObject({
    sampler: z.enum(['uniform', 'weighted']).default(D.sampler),
    /** Training epochs (chosen on val). */
    epochs: z.int().positive().default(D.epochs),
    batchSize: z.int().positive().default(D.batchSize),
    /** Learning rate of the first epochs (Adam; the table trains by lazy Adam at the same rate). */
    lrMax: z.number().positive().default(D.schedule.max),
    /** Epochs at lrMax before the decay. */
    lrSustain: z.int().min(0).default(D.schedule.sustainEpochs),
    /** Per-epoch decay factor after the sustain. */
    lrDecay: z.number().positive().default(D.schedule.decay),
    /** Embedding size. */
    dim: z.int().positive().default(D.dim),
    /** A hashed n-gram needs this many training titles to get a table row. */
    minDf: z.int().positive().default(D.minDf),
    /** Weights of a title's n-grams in the bag (L2-normalised). */
    weighting: z.enum(['idf', 'uniform']).default(D.weighting),
    /** Dropout on the embedding while training. */
    dropout: z.number().min(0).max(1).default(D.dropout),
    /** n-grams without a table row at inference: drop them, or a fixed random row seeded by the bucket. */
    unseen: z.enum(['drop', 'random']).default(D.unseen),
    arcface: z
      .strictObject({
        margin: z.number().min(0).default(D.arcface.margin),
        scale: z.number().positive().default(D.arcface.scale),
        easyMargin: z.boolean().default(D.arcface.easyMargin),
        labelSmoothing: z.number().min(0).max(1).default(D.arcface.labelSmoothing),
      })
      .prefault({}),
    /** The table's optimizer: lazy 'adam', or 'rowwise-adam' (one second moment per row, 2/3 of the memory). */
    tableOptimizer: z.enum(['adam', 'rowwise-adam']).default(D.tableOptimizer),
    /** Train this many seeds (seed, seed + 1, ...) and average their embeddings. */
    ensemble: z.int().positive().default(1),
    /** Where the checkpoint folders go, one per seed and settings (default .cache/checkpoints/<dataset>). */
    checkpoints: z.string().nullable().default(null),
    resume: z.boolean().default(false),
  })
  .transform(
    ({
      sampler,
      epochs,
      batchSize,
      lrMax,
      lrSustain,
      lrDecay,
      dim,
      minDf,
      weighting,
      dropout,
      unseen,
      arcface,
      tableOptimizer,
      ensemble,
      checkpoints,
      resume,
    }) => {
      const encoder: TitleEncoderConfig = {
        ...D,
        minDf,
        weighting,
        dim,
        dropout,
        unseen,
        arcface,
        tableOptimizer,
        sampler,
        epochs,
        batchSize,
        schedule: { ...D.schedule, start: lrMax, max: lrMax, sustainEpochs: lrSustain, decay: lrDecay },
      };
      return { encoder, ensemble, checkpoints, resume };
    },
  );

/** Mean of the members' embeddings, L2-normalised again (a member's own are unit rows already). */
async function averaged(parts: DenseMatrix[]): Promise<DenseMatrix> {
  if (parts.length === 1) return parts[0];
  const data = new Float32Array(parts[0].data.length);
  for (const part of parts) for (let i = 0; i < data.length; i++) data[i] += part.data[i];
  const { l2Normalize } = await import('@prodmatch/knn');
  return l2Normalize({ rows: parts[0].rows, dim: parts[0].dim, data });
}

/**
 * Hashed word 1-2 grams and character 3-5 grams of the titles -> IDF-weighted embedding bag -> batch
 * norm, trained with an ArcFace head over the train groups.
 */
export const titleEncoder = defineFeature('title-encoder', titleEncoderSchema, ({ encoder: config, ensemble, checkpoints, resume }) => {
  type TextEncoder = typeof import('@prodmatch/text-encoder');
  let encoders: Awaited<ReturnType<TextEncoder['trainTitleEncoder']>>['encoder'][] = [];
  return {
    async fit(train, context) {
      const { checkTitleEncoderConfig, trainTitleEncoder } = await import('@prodmatch/text-encoder');
      checkTitleEncoderConfig(config);
      const { tf } = await context.tf();
      const titles = train.map((p) => p.title);
      const labels = train.map((p) => p.labelGroup as string);
      encoders = [];
      for (let member = 0; member < ensemble; member++) {
        const seed = context.seed + member;
        // A folder per (dataset, settings, training rows, seed); epochs and inference-only settings stay
        // out of the key, so a longer run resumes a shorter one.
        const key = createHash('sha256')
          .update(
            JSON.stringify({
              what: 'text-arcface',
              config: { ...config, epochs: undefined, unseen: undefined },
              data: context.dataset.identity.sha256,
              seed,
              rows: train.map((p) => p.postingId),
            }),
          )
          .digest('hex')
          .slice(0, 16);
        const base =
          checkpoints === null ? join(context.cacheDir, 'checkpoints', context.dataset.identity.name) : context.resolvePath(checkpoints);
        const dir = join(base, `text-arcface-${key}`);
        context.log(
          `training the title encoder (seed ${seed}) on ${train.length} titles, ${config.epochs} epochs of ${config.batchSize}; checkpoints in ${dir}`,
        );
        const { encoder } = await trainTitleEncoder(tf, titles, labels, config, {
          seed,
          checkpointDir: dir,
          checkpointKey: key,
          resume,
          progress: context.progress,
          log: context.log,
        });
        encoders.push(encoder);
      }
    },
    async extract(postings, context) {
      if (encoders.length === 0)
        throw new Error('title-encoder: extract() was called before fit(); the runner fits on the train groups first');
      const { embedTitles } = await import('@prodmatch/text-encoder');
      const { tf } = await context.tf();
      const titles = postings.map((p) => p.title);
      return { kind: 'dense', matrix: await averaged(encoders.map((encoder) => embedTitles(tf, encoder, titles))) };
    },
  };
});
