// Image experiments as feature extractors: a CNN trained with a softmax or ArcFace head (uniform or
// 1/group-size weighted sampling), seed 004's convolutional autoencoder, and its CAE -> dense AE
// pipeline. Models train on the train groups only (`fit`), then embed any gallery (`extract`).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Options } from 'yargs';
import type { Posting } from '@prodmatch/data';
import type { DenseMatrix } from '@prodmatch/knn';
import {
  BACKBONES,
  SEED_ARCFACE,
  buildEmbeddingModel,
  convAutoencoder,
  denseAutoencoder,
  embedImages,
  encodeRows,
  imagePaths,
  trainConvAutoencoder,
  trainDenseAutoencoder,
  trainEmbeddingModel,
  type Autoencoder,
  type BackboneName,
  type HeadKind,
  type LearningRateSchedule,
  type SamplerKind,
} from '@prodmatch/vision';
import type { FeatureContext, FeatureExtractor } from '../features.ts';
import { REPO_ROOT } from '../paths.ts';

/**
 * CPU defaults: on 2 cores (wasm) every image experiment must finish in about 4 minutes on the
 * synthetic default (~1,900 training images), so the small CNN trains at 64 px for a few epochs.
 * The seeds' GPU settings are --backbone b3 --img-size 512 --epochs 15 --lr-ramp 5 --lr-max 3.2e-4.
 */
const DEFAULTS = { backbone: 'small', imgSize: 64, epochs: 6, aeEpochs: 3, batchSize: 32, embedding: 512, dropout: 0.1, smallFilters: [16, 32, 64, 128] } as const;
const SCHEDULE: LearningRateSchedule = { start: 1e-4, max: 2e-3, min: 1e-5, rampEpochs: 1, sustainEpochs: 2, decay: 0.6 };

/** Flags every image experiment takes (model, training schedule, checkpoints). */
export const imageTrainingOptions: Record<string, Options> = {
  backbone: { choices: BACKBONES, default: DEFAULTS.backbone, describe: 'small CNN (CPU default) or EfficientNet-B0..B3' },
  'img-size': { type: 'number', default: DEFAULTS.imgSize, describe: 'square side images are resized to for the model' },
  weights: { type: 'string', describe: 'pretrained tfjs LayersModel (folder, model.json or URL) used as the backbone' },
  epochs: { type: 'number', describe: `training epochs (default ${DEFAULTS.epochs} for the classifiers, ${DEFAULTS.aeEpochs} for the autoencoders)` },
  'batch-size': { type: 'number', default: DEFAULTS.batchSize },
  'lr-start': { type: 'number', default: SCHEDULE.start, describe: 'learning rate of epoch 1 (the ramp starts here)' },
  'lr-max': { type: 'number', default: SCHEDULE.max, describe: 'learning rate after the ramp' },
  'lr-min': { type: 'number', default: SCHEDULE.min, describe: 'floor of the exponential decay' },
  'lr-ramp': { type: 'number', default: SCHEDULE.rampEpochs, describe: 'epochs of linear ramp-up' },
  'lr-sustain': { type: 'number', default: SCHEDULE.sustainEpochs, describe: 'epochs at --lr-max' },
  'lr-decay': { type: 'number', default: SCHEDULE.decay, describe: 'per-epoch decay factor after the sustain' },
  checkpoints: { type: 'string', describe: 'checkpoint folder (default .cache/checkpoints/<dataset>/<settings>)' },
  resume: { type: 'boolean', default: false, describe: 'continue from the newest checkpoint of the same settings' },
};

/** ArcFace's own flags, seed values by default. */
export const arcFaceOptions: Record<string, Options> = {
  margin: { type: 'number', default: SEED_ARCFACE.margin, describe: 'ArcFace additive angular margin m' },
  scale: { type: 'number', default: SEED_ARCFACE.scale, describe: 'ArcFace logit scale s' },
  'easy-margin': { type: 'boolean', default: SEED_ARCFACE.easyMargin },
  'label-smoothing': { type: 'number', default: SEED_ARCFACE.labelSmoothing },
};

export interface ImageSettings {
  backbone: BackboneName;
  imageSize: number;
  weights?: string;
  epochs: number;
  batchSize: number;
  schedule: LearningRateSchedule;
  checkpoints?: string;
  resume: boolean;
}

function positive(value: unknown, flag: string, integer = true): number {
  const n = Number(value);
  if (!(n > 0) || (integer && !Number.isInteger(n))) throw new Error(`--${flag} must be a positive ${integer ? 'integer' : 'number'}, got ${String(value)}`);
  return n;
}

export function imageSettings(options: Readonly<Record<string, unknown>>, defaultEpochs: number): ImageSettings {
  return {
    backbone: (options.backbone as BackboneName | undefined) ?? DEFAULTS.backbone,
    imageSize: positive(options.imgSize ?? DEFAULTS.imgSize, 'img-size'),
    weights: options.weights as string | undefined,
    epochs: positive(options.epochs ?? defaultEpochs, 'epochs'),
    batchSize: positive(options.batchSize ?? DEFAULTS.batchSize, 'batch-size'),
    schedule: {
      start: positive(options.lrStart ?? SCHEDULE.start, 'lr-start', false),
      max: positive(options.lrMax ?? SCHEDULE.max, 'lr-max', false),
      min: positive(options.lrMin ?? SCHEDULE.min, 'lr-min', false),
      rampEpochs: Number(options.lrRamp ?? SCHEDULE.rampEpochs),
      sustainEpochs: Number(options.lrSustain ?? SCHEDULE.sustainEpochs),
      decay: positive(options.lrDecay ?? SCHEDULE.decay, 'lr-decay', false),
    },
    checkpoints: options.checkpoints as string | undefined,
    resume: Boolean(options.resume),
  };
}

const paths = (postings: readonly Posting[], context: Pick<FeatureContext, 'dataset'>): string[] => imagePaths(context.dataset.trainImagesDir, postings.map((p) => p.image));

/**
 * sha256 over the name and bytes of every distinct image in `names` (files in `dir`), in name order.
 * Content rather than name + size + mtime: a stat-based key trusts that a changed file has a new size
 * or mtime, which tools that restore mtimes (rsync -t, cp -p, unzip) do not promise, and it changes
 * when identical files are copied or the synthetic set is regenerated, orphaning good checkpoints.
 * Names are relative to `dir` for the same reason: moving the dataset keeps its key. Reading the bytes
 * once costs less than one training epoch, which reads and decodes every one of them.
 */
function imagesFingerprint(dir: string, names: readonly string[]): string {
  const hash = createHash('sha256');
  for (const name of [...new Set(names)].sort()) {
    const bytes = readFileSync(join(dir, name));
    // Name and length before the bytes, so that no two sets of files hash the same byte stream.
    hash.update(`${name}\0${bytes.length}\0`).update(bytes);
  }
  return hash.digest('hex');
}

/**
 * A folder per (dataset, training settings, training images), so runs with other settings never
 * prune or resume it. The key covers train.csv (sha256), the training rows and the bytes of their
 * images: train.csv alone names the images but says nothing of what they contain.
 */
export function checkpointPlace(settings: ImageSettings, what: string, context: Pick<FeatureContext, 'dataset' | 'seed'>, train: readonly Posting[]): { dir: string; key: string } {
  const key = createHash('sha256')
    .update(
      JSON.stringify({
        what,
        settings: { ...settings, epochs: undefined, resume: undefined, checkpoints: undefined },
        data: context.dataset.identity.sha256,
        seed: context.seed,
        rows: train.map((p) => p.postingId),
        images: imagesFingerprint(context.dataset.trainImagesDir, train.map((p) => p.image)),
      }),
    )
    .digest('hex')
    .slice(0, 16);
  return { dir: settings.checkpoints ?? join(REPO_ROOT, '.cache', 'checkpoints', context.dataset.identity.name, `${what}-${key}`), key };
}

function notFitted(what: string): never {
  throw new Error(`${what}: extract() was called before fit(); the runner fits on the train groups first`);
}

export interface ImageEmbeddingSpec {
  head: HeadKind;
  sampler: SamplerKind;
}

/** CNN -> 512-d embedding trained with a softmax or ArcFace head over the train groups. */
export function imageEmbeddingFeatures(spec: ImageEmbeddingSpec, options: Readonly<Record<string, unknown>>): FeatureExtractor {
  const settings = imageSettings(options, DEFAULTS.epochs);
  const arcface = {
    margin: Number(options.margin ?? SEED_ARCFACE.margin),
    scale: positive(options.scale ?? SEED_ARCFACE.scale, 'scale', false),
    easyMargin: Boolean(options.easyMargin ?? SEED_ARCFACE.easyMargin),
    labelSmoothing: Number(options.labelSmoothing ?? SEED_ARCFACE.labelSmoothing),
  };
  const what = `${spec.head}-${spec.sampler}`;
  let model: Awaited<ReturnType<typeof buildEmbeddingModel>> | null = null;
  return {
    params: {
      features: `image embedding (${spec.head} head, ${spec.sampler} sampler)`,
      ...spec,
      ...settings,
      smallFilters: settings.backbone === 'small' && !settings.weights ? [...DEFAULTS.smallFilters] : null,
      embedding: DEFAULTS.embedding,
      dropout: DEFAULTS.dropout,
      ...(spec.head === 'arcface' ? { arcface } : {}),
      resume: undefined,
      checkpoints: undefined,
    },
    needsImages: true,
    async fit(train, context) {
      const { tf } = await context.tf();
      model = await buildEmbeddingModel({ backbone: settings.backbone, imageSize: settings.imageSize, embeddingDim: DEFAULTS.embedding, dropout: DEFAULTS.dropout, smallFilters: [...DEFAULTS.smallFilters], weights: settings.weights, seed: context.seed });
      const place = checkpointPlace(settings, what, context, train);
      context.log(`training ${what} on ${train.length} postings (${new Set(train.map((p) => p.labelGroup)).size} groups), ${settings.backbone} at ${settings.imageSize} px, ${settings.epochs} epochs; checkpoints in ${place.dir}`);
      await trainEmbeddingModel(tf, model, paths(train, context), train.map((p) => p.labelGroup as string), {
        head: spec.head,
        arcface,
        sampler: spec.sampler,
        epochs: settings.epochs,
        batchSize: settings.batchSize,
        schedule: settings.schedule,
        seed: context.seed,
        checkpointDir: place.dir,
        checkpointKey: place.key,
        resume: settings.resume,
        progress: context.progress,
        log: context.log,
      });
    },
    async extract(postings, context) {
      const { tf } = await context.tf();
      const trained = model ?? notFitted(what);
      return { kind: 'dense', matrix: await embedImages(tf, trained, paths(postings, context), { batchSize: 64, progress: context.progress }) };
    },
  };
}

/** Seed 004's CAE trained on the train images; its 2,048-value encoder output is the embedding. */
export function autoencoderFeatures(options: Readonly<Record<string, unknown>>, o: { dense?: boolean } = {}): FeatureExtractor {
  const settings = imageSettings(options, DEFAULTS.aeEpochs);
  if (settings.weights) throw new Error('--weights applies to the classifier experiments; the autoencoders train from scratch');
  const what = o.dense ? 'cae-dense-ae' : 'cae';
  let cae: Autoencoder | null = null;
  let dense: Autoencoder | null = null;
  return {
    params: { features: o.dense ? 'CAE latents -> dense AE (2048 -> 64, LeakyReLU 0.3)' : 'CAE encoder latents (2048)', imageSize: settings.imageSize, epochs: settings.epochs, batchSize: settings.batchSize, schedule: settings.schedule },
    needsImages: true,
    async fit(train, context) {
      const { tf } = await context.tf();
      const place = checkpointPlace(settings, what, context, train);
      cae = convAutoencoder(settings.imageSize, context.seed);
      context.log(`training the CAE on ${train.length} images at ${settings.imageSize} px, ${settings.epochs} epochs; checkpoints in ${place.dir}`);
      const common = { batchSize: settings.batchSize, schedule: settings.schedule, seed: context.seed, epochs: settings.epochs, resume: settings.resume, progress: context.progress, log: context.log };
      await trainConvAutoencoder(tf, cae, paths(train, context), { ...common, checkpointDir: join(place.dir, 'cae'), checkpointKey: place.key });
      if (!o.dense) return;
      const latents = await embedImages(tf, cae.encoder, paths(train, context), { batchSize: 64, normalise: false, progress: context.progress, label: 'cae latents' });
      dense = denseAutoencoder(latents.dim, 64, context.seed);
      // The dense AE is cheap; more epochs over in-memory latents cost seconds.
      await trainDenseAutoencoder(tf, dense, latents, { ...common, epochs: settings.epochs * 4, batchSize: 64, checkpointDir: join(place.dir, 'dense'), checkpointKey: place.key });
    },
    async extract(postings, context) {
      const { tf } = await context.tf();
      const encoder = cae?.encoder ?? notFitted(what);
      const latents = await embedImages(tf, encoder, paths(postings, context), { batchSize: 64, normalise: false, progress: context.progress, label: 'cae latents' });
      const matrix: DenseMatrix = o.dense ? encodeRows(tf, (dense ?? notFitted(what)).encoder, latents) : latents;
      return { kind: 'dense', matrix };
    },
  };
}
