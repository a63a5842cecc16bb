// Image -> 512-d embedding models, trained with a softmax or ArcFace head over the train groups, as
// the seeds do: backbone -> pooled features -> dropout -> fc(512) -> batch norm = the embedding.
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { Tf } from '@prodmatch/tf';
import { efficientNet, smallCnn, takesRawPixels } from './backbones.ts';
import { SeededDropout, seededTrainingArgs } from './dropout.ts';
import { createHead, crossEntropy, SEED_ARCFACE, type ArcFaceOptions, type HeadKind } from './heads.ts';
import { DEFAULT_AUGMENTATION, pixelBatches, pixelsToTensor, type Augmentation, type PixelBatch } from './images.ts';
import { imagenetWeights, loadKerasWeights, loadPretrainedModel, saveKerasWeights, saveModel } from './pretrained.ts';
import { seededRandom } from '@prodmatch/data';
import { seedKernels } from './init.ts';
import { epochOrder, type SamplerKind } from './sampler.ts';
import { SEED_SCHEDULE, type LearningRateSchedule } from './schedule.ts';
import { modelVariables, trainLoop, type LoopResult, type ProgressFactory } from './train.ts';

import type { BackboneName } from './constants.ts';

export { BACKBONES, type BackboneName } from './constants.ts';

export interface EmbeddingModelOptions {
  backbone: BackboneName;
  imageSize: number;
  /** Seed: 512. */
  embeddingDim: number;
  /** Dropout before the fc layer (the seeds use 0.0 to 0.2); its masks follow the training seed. */
  dropout: number;
  /** Filters of the small CNN's blocks. */
  smallFilters?: number[];
  /**
   * The backbone's starting weights instead of fresh ones: a Keras .h5 weights file (loaded into our
   * EfficientNet by layer name), or a saved tfjs LayersModel (folder, model.json path or URL).
   */
  weights?: string;
  /** 'imagenet': Keras's published EfficientNet weights, downloaded into `weightsCache` on first use. */
  pretrained?: 'imagenet';
  /** Folder of downloaded weights, and a mirror of KERAS_WEIGHTS_URL (tests serve one locally). */
  weightsCache?: string;
  weightsUrl?: string;
  /** Seeds the initial kernels of every layer not loaded from `weights`. */
  seed: number;
  log?: (message: string) => void;
}

/** The backbone alone: fresh, from a tfjs model, from a Keras .h5 file, or with Keras's ImageNet weights. */
export async function buildBackbone(o: EmbeddingModelOptions): Promise<{ backbone: LayersModel; loaded: boolean }> {
  const weights = o.pretrained === 'imagenet' ? await imagenetFile(o) : o.weights;
  if (weights && !/\.h5$/i.test(weights)) return { backbone: await loadPretrainedModel(weights, o.imageSize), loaded: true };
  if (o.backbone === 'small') {
    if (weights)
      throw new Error(
        `--weights ${weights}: a Keras .h5 file is for --backbone b0..b3 (EfficientNet); the small CNN loads a tfjs model folder`,
      );
    return { backbone: smallCnn({ inputSize: o.imageSize, ...(o.smallFilters ? { filters: o.smallFilters } : {}) }), loaded: false };
  }
  const backbone = efficientNet(o.backbone, { inputSize: o.imageSize });
  if (weights) {
    try {
      await loadKerasWeights(backbone, weights);
    } catch (error) {
      backbone.dispose();
      throw error;
    }
  }
  return { backbone, loaded: Boolean(weights) };
}

async function imagenetFile(o: EmbeddingModelOptions): Promise<string> {
  if (o.backbone === 'small') throw new Error('--pretrained imagenet needs --backbone b0..b3: no ImageNet weights exist for the small CNN');
  if (o.weights) throw new Error('--pretrained imagenet and --weights both name the starting weights; pass one of them');
  if (!o.weightsCache) throw new Error('--pretrained imagenet: no folder for downloaded weights was given (set PRODMATCH_CACHE)');
  return imagenetWeights(o.backbone, { cacheDir: o.weightsCache, baseUrl: o.weightsUrl, log: o.log });
}

/** Stacks the embedding layers (dropout -> dense(embeddingDim) -> batch norm) on pooled features `x`. */
function stackEmbedding(x: SymbolicTensor, o: Pick<EmbeddingModelOptions, 'dropout' | 'embeddingDim'>): SymbolicTensor {
  // A loaded classifier trunk may end in a feature map rather than a vector.
  if (x.shape.length === 4) x = tfl.layers.globalAveragePooling2d({ name: 'embedding_gap' }).apply(x) as SymbolicTensor;
  if (o.dropout > 0) x = new SeededDropout({ rate: o.dropout, name: 'embedding_dropout' }).apply(x) as SymbolicTensor;
  x = tfl.layers.dense({ units: o.embeddingDim, name: 'embedding_fc' }).apply(x) as SymbolicTensor;
  return tfl.layers.batchNormalization({ name: 'embedding_bn' }).apply(x) as SymbolicTensor;
}

/**
 * The embedding layers alone, over `featureDim` pooled backbone features: what trains over cached
 * features when the backbone is frozen. Same layers and names as on top of buildEmbeddingModel's backbone.
 */
export function buildEmbeddingHead(featureDim: number, o: Pick<EmbeddingModelOptions, 'dropout' | 'embeddingDim' | 'seed'>): LayersModel {
  const input = tfl.input({ shape: [featureDim], name: 'embedding_input' });
  const model = tfl.model({ inputs: input, outputs: stackEmbedding(input, o), name: 'embedding_head' });
  seedKernels(model, o.seed);
  return model;
}

/** Builds (or loads) the backbone and stacks dropout -> dense(embeddingDim) -> batch norm on it. */
export async function buildEmbeddingModel(o: EmbeddingModelOptions): Promise<LayersModel> {
  const { backbone, loaded } = await buildBackbone(o);
  const model = tfl.model({ inputs: backbone.inputs, outputs: stackEmbedding(backbone.outputs[0], o), name: 'embedding_model' });
  seedKernels(model, o.seed, loaded ? new Set(backbone.layers.map((l) => l.name)) : undefined);
  return model;
}

/** The backbone inside an embedding model: its input up to the pooled features the embedding layers read. */
export function backboneOf(model: LayersModel): LayersModel {
  const first = model.layers.find((l) => l.name.startsWith('embedding_') && l.name !== 'embedding_input');
  if (!first) return model;
  return tfl.model({ inputs: model.inputs, outputs: first.input as SymbolicTensor, name: 'backbone' });
}

/**
 * Writes the backbone of a trained embedding model to `dir` as a tfjs model (what --weights DIR
 * reads); an EfficientNet also as a Keras .h5 weights file (<dir>/backbone.h5), which
 * keras.applications.EfficientNetBx(include_top=False, pooling='avg').load_weights reads.
 */
export async function saveBackbone(model: LayersModel, dir: string): Promise<string[]> {
  const backbone = backboneOf(model);
  await saveModel(backbone, dir);
  const written = [`${dir}/model.json`];
  if (backbone.layers.some((l) => l.name === 'stem_conv')) {
    await saveKerasWeights(backbone, `${dir}/backbone.h5`);
    written.push(`${dir}/backbone.h5`);
  }
  return written;
}

/** --freeze: 'none' trains everything, 'backbone' only the embedding layers, a number N also the top N backbone blocks. */
export type FreezeSpec = 'none' | 'backbone' | number;

/**
 * Which layer of a backbone belongs to which block, bottom to top: EfficientNet's stem, block1a ..
 * blockNx (one MBConv each) and top; the small CNN's conv/BN/ReLU(/pool) groups. Layers before the
 * first block (input, rescaling, normalization) have no trainable weights.
 */
function blockOf(layerName: string): string | undefined {
  return /^(stem|top|block\d+[a-z])_/.exec(layerName)?.[1] ?? /_(?:conv|bn|relu|pool)(\d+)$/.exec(layerName)?.[1];
}

function backboneBlocks(model: LayersModel): string[] {
  return [...new Set(model.layers.flatMap((layer) => blockOf(layer.name) ?? []))];
}

/**
 * Sets which backbone layers train (layers named embedding_* always do). Frozen layers keep their
 * weights and, for our batch norms, their moving statistics (they run in inference mode, as in Keras).
 * Returns how many backbone blocks train.
 */
export function freezeBackbone(model: LayersModel, freeze: FreezeSpec): number {
  const blocks = backboneBlocks(model);
  const trained = freeze === 'none' ? blocks.length : freeze === 'backbone' ? 0 : freeze;
  if (!Number.isInteger(trained) || trained < 0)
    throw new Error(`--freeze must be none, backbone or a block count >= 0, got ${String(freeze)}`);
  if (trained > blocks.length)
    throw new Error(
      `--freeze ${trained}: this backbone has ${blocks.length} blocks (${blocks[0]} .. ${blocks[blocks.length - 1]}); pass at most ${blocks.length}`,
    );
  const training = new Set(blocks.slice(blocks.length - trained));
  for (const layer of model.layers) {
    if (layer.name.startsWith('embedding_')) continue;
    const block = blockOf(layer.name);
    layer.trainable = block !== undefined && training.has(block);
  }
  return trained;
}

/** A batch as the model's input: [0, 255] pixels for a backbone with Keras's own scaling, else ImageNet-normalised. */
function modelInput(tf: Tf, model: LayersModel, batch: PixelBatch, normalise = true): Tensor {
  return pixelsToTensor(tf, batch, takesRawPixels(model) ? 'pixels' : normalise);
}

export interface ClassifierTraining {
  head: HeadKind;
  arcface?: ArcFaceOptions;
  sampler: SamplerKind;
  epochs: number;
  batchSize: number;
  schedule?: LearningRateSchedule;
  augmentation?: Augmentation | null;
  /** Batches whose gradients make one update (trainLoop's accumulate). */
  accumulate?: number;
  /** Folder of resized images reused by later epochs and runs (--image-cache). */
  imageCache?: string;
  seed: number;
  checkpointDir?: string;
  checkpointKey?: string;
  resume?: boolean;
  progress?: ProgressFactory;
  log?: (message: string) => void;
}

/** Dense 0..C-1 class ids of string labels, in first-seen order. */
export function classIds(labels: readonly string[]): { ids: Int32Array; classes: number } {
  const index = new Map<string, number>();
  const ids = Int32Array.from(labels, (label) => {
    let id = index.get(label);
    if (id === undefined) index.set(label, (id = index.size));
    return id;
  });
  return { ids, classes: index.size };
}

/**
 * Trains `model` (image -> embedding) with a classification head over the groups of `labels`; the
 * head is discarded afterwards. `paths[i]` is the image of row i.
 */
export async function trainEmbeddingModel(
  tf: Tf,
  model: LayersModel,
  paths: readonly string[],
  labels: readonly string[],
  o: ClassifierTraining,
): Promise<LoopResult> {
  if (paths.length !== labels.length) throw new Error(`trainEmbeddingModel: ${paths.length} images but ${labels.length} labels`);
  const size = model.inputs[0].shape[1] as number;
  const augmentation = o.augmentation === undefined ? DEFAULT_AUGMENTATION : o.augmentation;
  return trainWithHead(tf, model, labels, o, async function* (order, random) {
    for await (const batch of pixelBatches(paths, order, o.batchSize, { size, augmentation, random, cacheDir: o.imageCache })) {
      yield { rows: batch.rows, input: modelInput(tf, model, batch) };
    }
  });
}

/**
 * Trains the embedding layers alone (buildEmbeddingHead) over precomputed backbone features, one
 * row per label: the frozen-backbone path, where every epoch reuses the same cached features (no
 * augmentation) and a step costs a dense layer instead of a CNN.
 */
export async function trainEmbeddingHead(
  tf: Tf,
  head: LayersModel,
  features: { rows: number; dim: number; data: Float32Array },
  labels: readonly string[],
  o: ClassifierTraining,
): Promise<LoopResult> {
  if (features.rows !== labels.length) throw new Error(`trainEmbeddingHead: ${features.rows} feature rows but ${labels.length} labels`);
  return trainWithHead(tf, head, labels, o, async function* (order) {
    for (let s = 0; s < order.length; s += o.batchSize) {
      const rows = order.slice(s, s + o.batchSize);
      const values = new Float32Array(rows.length * features.dim);
      rows.forEach((r, i) => values.set(features.data.subarray(r * features.dim, (r + 1) * features.dim), i * features.dim));
      yield { rows, input: tf.tensor2d(values, [rows.length, features.dim]) };
    }
  });
}

/** Batches of model input for one epoch, in `order` (row indices), drawing any randomness from `random`. */
type EpochInputs = (order: number[], random: () => number) => AsyncIterable<{ rows: number[]; input: Tensor }>;

/** Trains `model` (input -> embedding) with a softmax or ArcFace head over the groups of `labels`; the head is discarded afterwards. */
async function trainWithHead(
  tf: Tf,
  model: LayersModel,
  labels: readonly string[],
  o: ClassifierTraining,
  inputs: EpochInputs,
): Promise<LoopResult> {
  const { ids, classes } = classIds(labels);
  const dim = model.outputs[0].shape[1] as number;
  const head = createHead(tf, o.head, dim, classes, o.seed, o.arcface ?? SEED_ARCFACE);
  const weights = modelVariables(model);
  try {
    return await trainLoop(
      tf,
      {
        variables: [...weights.trainable, ...head.variables],
        stateTensors: weights.state,
        setState: weights.setState,
        stepsPerEpoch: Math.ceil(labels.length / o.batchSize),
        async *batches(epoch) {
          const random = seededRandom(o.seed * 7919 + epoch);
          const order = Array.from(epochOrder(o.sampler, ids, random));
          for await (const { rows, input } of inputs(order, random))
            yield [
              input,
              tf.tensor1d(
                rows.map((r) => ids[r]),
                'int32',
              ),
            ];
        },
        loss: ([x, y], at) => {
          const embeddings = model.apply(x, seededTrainingArgs(o.seed, at.epoch, at.step)) as Tensor2D;
          return crossEntropy(tf, head.logits(embeddings, y as Tensor1D), y as Tensor1D);
        },
      },
      {
        epochs: o.epochs,
        accumulate: o.accumulate,
        schedule: o.schedule ?? SEED_SCHEDULE,
        checkpointDir: o.checkpointDir,
        checkpointKey: o.checkpointKey,
        resume: o.resume,
        progress: o.progress,
        log: o.log,
        label: `${o.head}`,
      },
    );
  } finally {
    tf.dispose(head.variables);
  }
}

/** Runs `model` (inference mode) over the images in batches; returns [rows, dim] row-major. */
export async function embedImages(
  tf: Tf,
  model: LayersModel,
  paths: readonly string[],
  o: { batchSize: number; normalise?: boolean; progress?: ProgressFactory; label?: string },
): Promise<{ rows: number; dim: number; data: Float32Array }> {
  const size = model.inputs[0].shape[1] as number;
  const dim = (model.outputs[0].shape.slice(1) as number[]).reduce((a, b) => a * b, 1);
  const data = new Float32Array(paths.length * dim);
  const bar = o.progress?.(o.label ?? 'embed', paths.length);
  const order = Array.from({ length: paths.length }, (_, i) => i);
  for await (const batch of pixelBatches(paths, order, o.batchSize, { size })) {
    const out = tf.tidy(() =>
      tf.reshape(model.predict(modelInput(tf, model, batch, o.normalise ?? true)) as Tensor, [batch.rows.length, dim]),
    );
    data.set(await out.data(), batch.rows[0] * dim);
    out.dispose();
    bar?.tick(batch.rows.length);
  }
  bar?.stop();
  return { rows: paths.length, dim, data };
}
