// The learned title encoder (@prodmatch/text-encoder) as a feature extractor: trained on the train
// groups (`fit`), then any gallery's titles are embedded (`extract`). Several seeds can be trained
// and their embeddings averaged.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Options } from 'yargs';
import { l2Normalize, type DenseMatrix } from '@prodmatch/knn';
import { DEFAULT_TITLE_ENCODER, checkTitleEncoderConfig, embedTitles, trainTitleEncoder, type TitleEncoder, type TitleEncoderConfig } from '@prodmatch/text-encoder';
import type { SamplerKind } from '@prodmatch/vision';
import type { FeatureContext, FeatureExtractor } from '../features.ts';
import { REPO_ROOT } from '../paths.ts';
import { arcFaceOptions, imageTrainingOptions } from './image.ts';

const D = DEFAULT_TITLE_ENCODER;

/** The title encoder's flags; ArcFace's and the checkpoint flags are the image experiments' own. */
export const textArcfaceOptions: Record<string, Options> = {
  epochs: { type: 'number', default: D.epochs, describe: 'training epochs (chosen on val)' },
  'batch-size': { type: 'number', default: D.batchSize },
  'lr-max': { type: 'number', default: D.schedule.max, describe: 'learning rate of the first epochs (Adam; the table trains by lazy Adam at the same rate)' },
  'lr-sustain': { type: 'number', default: D.schedule.sustainEpochs, describe: 'epochs at --lr-max before the decay' },
  'lr-decay': { type: 'number', default: D.schedule.decay, describe: 'per-epoch decay factor after the sustain' },
  dim: { type: 'number', default: D.dim, describe: 'embedding size' },
  'min-df': { type: 'number', default: D.minDf, describe: 'a hashed n-gram needs this many training titles to get a table row' },
  weighting: { choices: ['idf', 'uniform'] as const, default: D.weighting, describe: 'weights of a title\'s n-grams in the bag (L2-normalised)' },
  dropout: { type: 'number', default: D.dropout, describe: 'dropout on the embedding while training' },
  unseen: { choices: ['drop', 'random'] as const, default: D.unseen, describe: 'n-grams without a table row at inference: drop them, or give each a fixed random row seeded by its bucket' },
  ensemble: { type: 'number', default: 1, describe: 'train this many seeds (seed, seed + 1, ...) and average their embeddings' },
  ...arcFaceOptions,
  checkpoints: { type: 'string', describe: 'where the checkpoint folders go, one per seed and settings (default .cache/checkpoints/<dataset>)' },
  resume: imageTrainingOptions.resume,
};

export interface TextArcfaceSpec {
  sampler: SamplerKind;
}

function notFitted(): never {
  throw new Error('text-arcface: extract() was called before fit(); the runner fits on the train groups first');
}

/** The encoder settings from the defaults and the parsed flags (camelCase keys). */
export function textArcfaceConfig(spec: TextArcfaceSpec, options: Readonly<Record<string, unknown>>): TitleEncoderConfig {
  const number = (key: string, fallback: number): number => (options[key] === undefined ? fallback : Number(options[key]));
  const config: TitleEncoderConfig = {
    ...D,
    minDf: number('minDf', D.minDf),
    weighting: (options.weighting as TitleEncoderConfig['weighting'] | undefined) ?? D.weighting,
    dim: number('dim', D.dim),
    dropout: number('dropout', D.dropout),
    unseen: (options.unseen as TitleEncoderConfig['unseen'] | undefined) ?? D.unseen,
    arcface: {
      margin: number('margin', D.arcface.margin),
      scale: number('scale', D.arcface.scale),
      easyMargin: options.easyMargin === undefined ? D.arcface.easyMargin : Boolean(options.easyMargin),
      labelSmoothing: number('labelSmoothing', D.arcface.labelSmoothing),
    },
    sampler: spec.sampler,
    epochs: number('epochs', D.epochs),
    batchSize: number('batchSize', D.batchSize),
    schedule: { ...D.schedule, start: number('lrMax', D.schedule.max), max: number('lrMax', D.schedule.max), sustainEpochs: number('lrSustain', D.schedule.sustainEpochs), decay: number('lrDecay', D.schedule.decay) },
  };
  checkTitleEncoderConfig(config);
  return config;
}

/** Mean of the members' embeddings, L2-normalised again (a member's own are unit rows already). */
function averaged(parts: DenseMatrix[]): DenseMatrix {
  if (parts.length === 1) return parts[0];
  const data = new Float32Array(parts[0].data.length);
  for (const part of parts) for (let i = 0; i < data.length; i++) data[i] += part.data[i];
  return l2Normalize({ rows: parts[0].rows, dim: parts[0].dim, data });
}

/**
 * Hashed word 1-2 grams and character 3-5 grams of the titles -> IDF-weighted embedding bag -> batch
 * norm, trained with an ArcFace head over the train groups. `options` are the parsed flags of
 * `textArcfaceOptions` (any missing flag takes its default).
 */
export function textArcfaceFeatures(spec: TextArcfaceSpec = { sampler: 'uniform' }, options: Readonly<Record<string, unknown>> = {}): FeatureExtractor {
  const config = textArcfaceConfig(spec, options);
  const ensemble = Number(options.ensemble ?? 1);
  if (!(Number.isInteger(ensemble) && ensemble >= 1)) throw new Error(`--ensemble must be a positive integer, got ${String(options.ensemble)}`);
  let encoders: TitleEncoder[] = [];
  const { features: hashing, ...training } = config;
  return {
    params: { features: `text encoder (hashed n-grams, embedding bag, ${config.head} head, ${spec.sampler} sampler)`, hashing, ...training, ensemble },
    async fit(train, context: FeatureContext) {
      const { tf } = await context.tf();
      const titles = train.map((p) => p.title);
      const labels = train.map((p) => p.labelGroup as string);
      encoders = [];
      for (let member = 0; member < ensemble; member++) {
        const seed = context.seed + member;
        // A folder per (dataset, settings, training rows, seed), so other settings never resume it.
        const key = createHash('sha256')
          .update(JSON.stringify({ what: 'text-arcface', config: { ...config, epochs: undefined, unseen: undefined }, data: context.dataset.identity.sha256, seed, rows: train.map((p) => p.postingId) }))
          .digest('hex')
          .slice(0, 16);
        const base = (options.checkpoints as string | undefined) ?? join(REPO_ROOT, '.cache', 'checkpoints', context.dataset.identity.name);
        const dir = join(base, `text-arcface-${key}`);
        context.log(`training the title encoder (seed ${seed}) on ${train.length} titles, ${config.epochs} epochs of ${config.batchSize}; checkpoints in ${dir}`);
        const { encoder } = await trainTitleEncoder(tf, titles, labels, config, { seed, checkpointDir: dir, checkpointKey: key, resume: Boolean(options.resume), progress: context.progress, log: context.log });
        encoders.push(encoder);
      }
    },
    async extract(postings, context) {
      if (encoders.length === 0) notFitted();
      const { tf } = await context.tf();
      const titles = postings.map((p) => p.title);
      return { kind: 'dense', matrix: averaged(encoders.map((encoder) => embedTitles(tf, encoder, titles))) };
    },
  };
}
