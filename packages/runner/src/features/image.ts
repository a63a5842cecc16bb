// Image experiments as feature extractors: a CNN trained with a softmax or ArcFace head (uniform or
// 1/group-size weighted sampling), seed 004's convolutional autoencoder, and its CAE -> dense AE
// pipeline. Models train on the train groups only (`fit`), then embed any gallery (`extract`).
// With a frozen backbone (--freeze backbone), the backbone's pooled features are computed once per
// (dataset, backbone, weights, image size, postings) and cached on disk; only the embedding layers
// and the head train, over those features, and every classifier experiment shares the cache.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Options } from 'yargs';
import type { Posting } from '@prodmatch/data';
import type { DenseMatrix } from '@prodmatch/knn';
import {
  BACKBONES,
  EFFICIENTNET_NOTOP_MD5,
  SEED_ARCFACE,
  SEED_SCHEDULE,
  buildBackbone,
  buildEmbeddingHead,
  buildEmbeddingModel,
  freezeBackbone,
  saveBackbone,
  trainEmbeddingHead,
  convAutoencoder,
  denseAutoencoder,
  embedImages,
  memoryEstimateLine,
  encodeRows,
  imagePaths,
  trainConvAutoencoder,
  trainDenseAutoencoder,
  trainEmbeddingModel,
  type Autoencoder,
  type BackboneName,
  type EmbeddingModelOptions,
  type FreezeSpec,
  type HeadKind,
  type LearningRateSchedule,
  type SamplerKind,
} from '@prodmatch/vision';
import type { FeatureContext, FeatureExtractor } from '../features.ts';
import { REPO_ROOT } from '../paths.ts';
import { invocationDir } from '../run.ts';

/** A tfjs-layers model, named through vision's API (the runner does not depend on tfjs-layers itself). */
type LayersModel = ReturnType<typeof buildEmbeddingHead>;

/**
 * CPU defaults: on 2 cores (wasm) every image experiment must finish in about 4 minutes on the
 * synthetic default (~1,900 training images), so the small CNN trains at 64 px for a few epochs.
 * The seeds' GPU settings are --backbone b3 --img-size 512 --epochs 15 --lr-ramp 5 --lr-max 3.2e-4.
 */
const DEFAULTS = { backbone: 'small', imgSize: 64, epochs: 6, aeEpochs: 3, batchSize: 32, embedding: 512, dropout: 0.1, smallFilters: [16, 32, 64, 128] } as const;
const SCHEDULE: LearningRateSchedule = { start: 1e-4, max: 2e-3, min: 1e-5, rampEpochs: 1, sustainEpochs: 2, decay: 0.6 };

/**
 * --preset seed: the seeds' GPU run (EfficientNet-B3 from ImageNet weights, 512 px, 15 epochs, their
 * LR ramp 1e-5 -> 3.2e-4 over 5 epochs then x0.8 a epoch to 1e-6). ArcFace's m 0.5 / s 30 are the
 * defaults already. The seeds' batch size is not recorded here; 32 matches their lr_max = 1e-5 x 32.
 * Flags given explicitly win over the preset.
 */
const PRESETS = {
  seed: { backbone: 'b3', imgSize: 512, pretrained: 'imagenet', epochs: 15, batchSize: 32, schedule: SEED_SCHEDULE },
} as const;
type PresetName = keyof typeof PRESETS;

/**
 * Flags every image experiment takes (model, training schedule, checkpoints). Defaults are applied in
 * imageSettings, after --preset, so a preset can change them and an explicit flag still wins.
 */
export const imageTrainingOptions: Record<string, Options> = {
  preset: { choices: Object.keys(PRESETS), describe: "named settings: 'seed' = the seeds' GPU run (b3, 512 px, --pretrained imagenet, 15 epochs, their LR ramp, batch 32); explicit flags override it" },
  backbone: { choices: BACKBONES, describe: `small CNN (CPU default) or EfficientNet-B0..B3 [default: ${DEFAULTS.backbone}]` },
  'img-size': { type: 'number', describe: `square side images are resized to for the model [default: ${DEFAULTS.imgSize}]` },
  pretrained: { choices: ['imagenet', 'none'], describe: "starting weights for --backbone b0..b3: 'imagenet' downloads Keras's efficientnetbN_notop.h5 once into $PRODMATCH_CACHE (default .cache/weights) [default: none]" },
  weights: { type: 'string', describe: 'starting backbone: a Keras .h5 weights file (b0..b3; e.g. a local efficientnetb3_notop.h5), or a tfjs model folder (what --save-backbone writes), model.json or URL' },
  freeze: { type: 'string', describe: "'backbone': train only the embedding layers and head, over backbone features cached on disk; N: also the top N backbone blocks; 'none' [default: none]" },
  'save-backbone': { type: 'string', describe: 'after training, write the backbone to this folder (tfjs model; EfficientNet also as Keras backbone.h5), for --weights' },
  epochs: { type: 'number', describe: `training epochs (default ${DEFAULTS.epochs} for the classifiers, ${DEFAULTS.aeEpochs} for the autoencoders)` },
  'batch-size': { type: 'number', describe: `[default: ${DEFAULTS.batchSize}]` },
  'lr-start': { type: 'number', describe: `learning rate of epoch 1 (the ramp starts here) [default: ${SCHEDULE.start}]` },
  'lr-max': { type: 'number', describe: `learning rate after the ramp [default: ${SCHEDULE.max}]` },
  'lr-min': { type: 'number', describe: `floor of the exponential decay [default: ${SCHEDULE.min}]` },
  'lr-ramp': { type: 'number', describe: `epochs of linear ramp-up [default: ${SCHEDULE.rampEpochs}]` },
  'lr-sustain': { type: 'number', describe: `epochs at --lr-max [default: ${SCHEDULE.sustainEpochs}]` },
  'lr-decay': { type: 'number', describe: `per-epoch decay factor after the sustain [default: ${SCHEDULE.decay}]` },
  checkpoints: { type: 'string', describe: 'checkpoint folder (default .cache/checkpoints/<dataset>/<settings>)' },
  resume: { type: 'boolean', default: false, describe: 'continue from the newest checkpoint of the same settings' },
  accumulate: { type: 'number', describe: 'batches whose gradients make one update: --batch-size 8 --accumulate 4 trains like batch 32 in the memory of batch 8 [default: 1]' },
  'image-cache': { type: 'string', describe: 'folder of resized training images (4 bytes a pixel) that later epochs and runs read instead of decoding the JPEGs' },
};

/** ArcFace's own flags, seed values by default. */
export const arcFaceOptions: Record<string, Options> = {
  margin: { type: 'number', default: SEED_ARCFACE.margin, describe: 'ArcFace additive angular margin m' },
  scale: { type: 'number', default: SEED_ARCFACE.scale, describe: 'ArcFace logit scale s' },
  'easy-margin': { type: 'boolean', default: SEED_ARCFACE.easyMargin },
  'label-smoothing': { type: 'number', default: SEED_ARCFACE.labelSmoothing },
};

export interface ImageSettings {
  preset?: PresetName;
  backbone: BackboneName;
  imageSize: number;
  pretrained?: 'imagenet';
  weights?: string;
  freeze: FreezeSpec;
  saveBackbone?: string;
  epochs: number;
  batchSize: number;
  schedule: LearningRateSchedule;
  checkpoints?: string;
  resume: boolean;
  accumulate: number;
}

function positive(value: unknown, flag: string, integer = true): number {
  const n = Number(value);
  if (!(n > 0) || (integer && !Number.isInteger(n))) throw new Error(`--${flag} must be a positive ${integer ? 'integer' : 'number'}, got ${String(value)}`);
  return n;
}

function freezeSpec(value: unknown): FreezeSpec {
  if (value === undefined || value === 'none') return 'none';
  if (value === 'backbone') return 'backbone';
  const n = Number(value);
  if (Number.isInteger(n) && n >= 0) return n;
  throw new Error(`--freeze must be 'backbone', 'none' or a number of top backbone blocks to train, got ${String(value)}`);
}

/** A path typed on the command line, resolved where it was typed (pnpm runs scripts inside the workspace). */
const typedPath = (value: unknown): string | undefined => (value === undefined ? undefined : resolve(invocationDir(), String(value)));

export function imageSettings(options: Readonly<Record<string, unknown>>, defaultEpochs: number): ImageSettings {
  const presetName = options.preset as PresetName | undefined;
  if (presetName !== undefined && !(presetName in PRESETS)) throw new Error(`--preset must be one of ${Object.keys(PRESETS).join(', ')}, got ${String(presetName)}`);
  const preset: Partial<(typeof PRESETS)[PresetName]> = presetName ? PRESETS[presetName] : {};
  const schedule = preset.schedule ?? SCHEDULE;
  const weights = options.weights === undefined ? undefined : /^https?:\/\//.test(String(options.weights)) ? String(options.weights) : typedPath(options.weights);
  const pretrainedFlag = options.pretrained ?? (weights === undefined ? preset.pretrained : undefined);
  if (pretrainedFlag !== undefined && pretrainedFlag !== 'imagenet' && pretrainedFlag !== 'none') throw new Error(`--pretrained must be imagenet or none, got ${String(pretrainedFlag)}`);
  const pretrained = pretrainedFlag === 'imagenet' ? 'imagenet' : undefined;
  if (pretrained && weights) throw new Error('--pretrained imagenet and --weights both name the starting weights; pass one of them');
  return {
    ...(presetName ? { preset: presetName } : {}),
    backbone: (options.backbone as BackboneName | undefined) ?? preset.backbone ?? DEFAULTS.backbone,
    imageSize: positive(options.imgSize ?? preset.imgSize ?? DEFAULTS.imgSize, 'img-size'),
    ...(pretrained ? { pretrained } : {}),
    weights,
    freeze: freezeSpec(options.freeze),
    saveBackbone: typedPath(options.saveBackbone),
    epochs: positive(options.epochs ?? preset.epochs ?? defaultEpochs, 'epochs'),
    batchSize: positive(options.batchSize ?? preset.batchSize ?? DEFAULTS.batchSize, 'batch-size'),
    schedule: {
      start: positive(options.lrStart ?? schedule.start, 'lr-start', false),
      max: positive(options.lrMax ?? schedule.max, 'lr-max', false),
      min: positive(options.lrMin ?? schedule.min, 'lr-min', false),
      rampEpochs: Number(options.lrRamp ?? schedule.rampEpochs),
      sustainEpochs: Number(options.lrSustain ?? schedule.sustainEpochs),
      decay: positive(options.lrDecay ?? schedule.decay, 'lr-decay', false),
    },
    checkpoints: options.checkpoints as string | undefined,
    resume: Boolean(options.resume),
    accumulate: positive(options.accumulate ?? 1, 'accumulate'),
  };
}

/** --image-cache: outside the settings, since where resized images are kept changes no result. */
const imageCacheDir = (options: Readonly<Record<string, unknown>>): string | undefined => typedPath(options.imageCache);

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
        settings: { ...settings, epochs: undefined, resume: undefined, checkpoints: undefined, saveBackbone: undefined, preset: undefined },
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

/** Default folder of downloaded ImageNet weights ($PRODMATCH_CACHE overrides it). */
const weightsCache = (): string => (process.env.PRODMATCH_CACHE ? resolve(invocationDir(), process.env.PRODMATCH_CACHE) : join(REPO_ROOT, '.cache', 'weights'));

/** Bytes that identify a --weights source: a file's bytes, every file of a folder, or a URL as written. */
function weightsIdentity(weights: string): string {
  if (/^https?:\/\//.test(weights)) return `url:${weights}`;
  if (!existsSync(weights)) throw new Error(`--weights ${weights}: not found; pass a Keras .h5 file or a tfjs model folder (what --save-backbone writes)`);
  const hash = createHash('sha256');
  const files = statSync(weights).isDirectory() ? readdirSync(weights).sort().map((f) => join(weights, f)) : [weights];
  for (const file of files) if (statSync(file).isFile()) hash.update(`${file.slice(weights.length)}\0`).update(readFileSync(file));
  return `sha256:${hash.digest('hex')}`;
}

/** What the frozen backbone is: variant and size, and where its weights came from (by content). */
function backboneIdentity(settings: ImageSettings, seed: number): Record<string, unknown> {
  const source = settings.weights
    ? weightsIdentity(settings.weights)
    : settings.pretrained === 'imagenet' && settings.backbone !== 'small'
      ? `imagenet:${EFFICIENTNET_NOTOP_MD5[settings.backbone]}`
      : `random:seed ${seed}`;
  return { backbone: settings.weights ? 'from --weights' : settings.backbone, smallFilters: settings.backbone === 'small' && !settings.weights ? DEFAULTS.smallFilters : null, imageSize: settings.imageSize, source };
}

/**
 * Pooled backbone features of `postings` (no augmentation), computed once and kept in
 * .cache/features/<dataset>/<key>.bin; the key covers the backbone's identity (variant, weights by
 * content, image size), train.csv, the postings and the bytes of their images, as checkpoint keys do.
 */
async function cachedBackboneFeatures(
  tf: Awaited<ReturnType<FeatureContext['tf']>>['tf'],
  backbone: LayersModel,
  identity: Record<string, unknown>,
  postings: readonly Posting[],
  context: FeatureContext,
  label: string,
): Promise<DenseMatrix> {
  const key = createHash('sha256')
    .update(
      JSON.stringify({
        identity,
        data: context.dataset.identity.sha256,
        rows: postings.map((p) => p.postingId),
        images: imagesFingerprint(context.dataset.trainImagesDir, postings.map((p) => p.image)),
      }),
    )
    .digest('hex')
    .slice(0, 24);
  const dir = join(REPO_ROOT, '.cache', 'features', context.dataset.identity.name);
  const file = join(dir, `${key}.bin`);
  const meta = join(dir, `${key}.json`);
  if (existsSync(file) && existsSync(meta)) {
    const { rows, dim } = JSON.parse(readFileSync(meta, 'utf8')) as { rows: number; dim: number };
    const bytes = readFileSync(file);
    if (rows === postings.length && bytes.length === rows * dim * 4) {
      context.log(`feature cache hit: ${label} backbone features (${rows} x ${dim}) from ${file}`);
      return { rows, dim, data: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) };
    }
  }
  const start = Date.now();
  const matrix = await embedImages(tf, backbone, paths(postings, context), { batchSize: 64, progress: context.progress, label: `${label} backbone features` });
  mkdirSync(dir, { recursive: true });
  for (const [target, data] of [[file, Buffer.from(matrix.data.buffer, matrix.data.byteOffset, matrix.data.byteLength)], [meta, JSON.stringify({ rows: matrix.rows, dim: matrix.dim, identity })]] as const) {
    writeFileSync(`${target}.${process.pid}.tmp`, data);
    renameSync(`${target}.${process.pid}.tmp`, target);
  }
  context.log(`feature cache miss: computed ${label} backbone features (${matrix.rows} x ${matrix.dim}) in ${((Date.now() - start) / 1000).toFixed(1)} s, saved to ${file}`);
  return matrix;
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
  const modelOptions = (seed: number, log: (message: string) => void): EmbeddingModelOptions => ({
    backbone: settings.backbone,
    imageSize: settings.imageSize,
    embeddingDim: DEFAULTS.embedding,
    dropout: DEFAULTS.dropout,
    smallFilters: [...DEFAULTS.smallFilters],
    weights: settings.weights,
    pretrained: settings.pretrained,
    weightsCache: weightsCache(),
    weightsUrl: process.env.PRODMATCH_WEIGHTS_URL,
    seed,
    log,
  });
  if (settings.freeze === 'backbone' && settings.saveBackbone) throw new Error('--save-backbone with --freeze backbone: a frozen backbone does not change; the weights you passed are it');
  // End to end: the whole model. Frozen: the backbone (features only) and the embedding layers over its features.
  let model: LayersModel | null = null;
  let frozen: { backbone: LayersModel; head: LayersModel; identity: Record<string, unknown> } | null = null;
  const training = (context: FeatureContext, place: { dir: string; key: string }) => ({
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
    accumulate: settings.accumulate,
    imageCache: imageCacheDir(options),
    progress: context.progress,
    log: context.log,
  });
  return {
    params: {
      features: `image embedding (${spec.head} head, ${spec.sampler} sampler${settings.freeze === 'backbone' ? ', frozen backbone' : ''})`,
      ...spec,
      ...settings,
      smallFilters: settings.backbone === 'small' && !settings.weights ? [...DEFAULTS.smallFilters] : null,
      embedding: DEFAULTS.embedding,
      dropout: DEFAULTS.dropout,
      ...(spec.head === 'arcface' ? { arcface } : {}),
      resume: undefined,
      checkpoints: undefined,
      saveBackbone: undefined,
    },
    needsImages: true,
    async fit(train, context) {
      const { tf } = await context.tf();
      const place = checkpointPlace(settings, what, context, train);
      const groups = new Set(train.map((p) => p.labelGroup)).size;
      const labels = train.map((p) => p.labelGroup as string);
      if (settings.freeze === 'backbone') {
        const { backbone } = await buildBackbone(modelOptions(context.seed, context.log));
        const identity = backboneIdentity(settings, context.seed);
        const features = await cachedBackboneFeatures(tf, backbone, identity, train, context, 'train');
        const head = buildEmbeddingHead(features.dim, { dropout: DEFAULTS.dropout, embeddingDim: DEFAULTS.embedding, seed: context.seed });
        context.log(`training ${what} over frozen ${features.dim}-d backbone features of ${train.length} postings (${groups} groups), ${settings.epochs} epochs; checkpoints in ${place.dir}`);
        const start = Date.now();
        await trainEmbeddingHead(tf, head, features, labels, training(context, place));
        context.log(`head trained in ${((Date.now() - start) / 1000).toFixed(1)} s`);
        frozen = { backbone, head, identity };
        return;
      }
      model = await buildEmbeddingModel(modelOptions(context.seed, context.log));
      const trainedBlocks = settings.freeze === 'none' ? null : freezeBackbone(model, settings.freeze);
      const frozenNote = trainedBlocks === null ? '' : `, backbone frozen but its top ${trainedBlocks} blocks`;
      context.log(`training ${what} on ${train.length} postings (${groups} groups), ${settings.backbone} at ${settings.imageSize} px, ${settings.epochs} epochs${frozenNote}; checkpoints in ${place.dir}`);
      context.log(memoryEstimateLine(model, { backbone: settings.backbone, imageSize: settings.imageSize, batchSize: settings.batchSize, accumulate: settings.accumulate }));
      await trainEmbeddingModel(tf, model, paths(train, context), labels, training(context, place));
      if (settings.saveBackbone) context.log(`backbone saved: ${(await saveBackbone(model, settings.saveBackbone)).join(', ')}`);
    },
    async extract(postings, context) {
      const { tf } = await context.tf();
      if (frozen) {
        const features = await cachedBackboneFeatures(tf, frozen.backbone, frozen.identity, postings, context, 'gallery');
        return { kind: 'dense', matrix: encodeRows(tf, frozen.head, features) };
      }
      const trained = model ?? notFitted(what);
      return { kind: 'dense', matrix: await embedImages(tf, trained, paths(postings, context), { batchSize: 64, progress: context.progress }) };
    },
  };
}

/** Seed 004's CAE trained on the train images; its 2,048-value encoder output is the embedding. */
export function autoencoderFeatures(options: Readonly<Record<string, unknown>>, o: { dense?: boolean } = {}): FeatureExtractor {
  const settings = imageSettings(options, DEFAULTS.aeEpochs);
  if (settings.weights || (settings.pretrained && !settings.preset) || settings.freeze !== 'none' || settings.saveBackbone) {
    throw new Error('--weights, --pretrained, --freeze and --save-backbone apply to the classifier experiments; the autoencoders train their own encoder from scratch');
  }
  const what = o.dense ? 'cae-dense-ae' : 'cae';
  let cae: Autoencoder | null = null;
  let dense: Autoencoder | null = null;
  return {
    params: { features: o.dense ? 'CAE latents -> dense AE (2048 -> 64, LeakyReLU 0.3)' : 'CAE encoder latents (2048)', imageSize: settings.imageSize, epochs: settings.epochs, batchSize: settings.batchSize, accumulate: settings.accumulate, schedule: settings.schedule },
    needsImages: true,
    async fit(train, context) {
      const { tf } = await context.tf();
      const place = checkpointPlace(settings, what, context, train);
      cae = convAutoencoder(settings.imageSize, context.seed);
      context.log(`training the CAE on ${train.length} images at ${settings.imageSize} px, ${settings.epochs} epochs; checkpoints in ${place.dir}`);
      context.log(memoryEstimateLine(cae.autoencoder, { backbone: 'the CAE', imageSize: settings.imageSize, batchSize: settings.batchSize, accumulate: settings.accumulate }));
      const common = { batchSize: settings.batchSize, accumulate: settings.accumulate, schedule: settings.schedule, seed: context.seed, epochs: settings.epochs, resume: settings.resume, progress: context.progress, log: context.log };
      await trainConvAutoencoder(tf, cae, paths(train, context), { ...common, imageCache: imageCacheDir(options), checkpointDir: join(place.dir, 'cae'), checkpointKey: place.key });
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
