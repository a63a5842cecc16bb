// Image -> 512-d embedding models, trained with a softmax or ArcFace head over the train groups, as
// the seeds do: backbone -> pooled features -> dropout -> fc(512) -> batch norm = the embedding.
import type { Scalar, Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { Tf } from '@prodmatch/tf';
import { efficientNet, smallCnn } from './backbones.ts';
import { SeededDropout, seededTrainingArgs } from './dropout.ts';
import { createHead, crossEntropy, SEED_ARCFACE, type ArcFaceOptions, type HeadKind } from './heads.ts';
import { DEFAULT_AUGMENTATION, pixelBatches, pixelsToTensor, type Augmentation } from './images.ts';
import { loadPretrainedModel } from './pretrained.ts';
import { seededRandom } from '@prodmatch/data';
import { seedKernels } from './init.ts';
import { epochOrder, type SamplerKind } from './sampler.ts';
import { SEED_SCHEDULE, type LearningRateSchedule } from './schedule.ts';
import { modelVariables, trainLoop, type LoopResult, type ProgressFactory } from './train.ts';

export type BackboneName = 'small' | 'b0' | 'b1' | 'b2' | 'b3';
export const BACKBONES: readonly BackboneName[] = ['small', 'b0', 'b1', 'b2', 'b3'];

export interface EmbeddingModelOptions {
  backbone: BackboneName;
  imageSize: number;
  /** Seed: 512. */
  embeddingDim: number;
  /** Dropout before the fc layer (the seeds use 0.0 to 0.2); its masks follow the training seed. */
  dropout: number;
  /** Filters of the small CNN's blocks. */
  smallFilters?: number[];
  /** A saved tfjs LayersModel (folder, model.json path or URL) used as the backbone instead of a fresh one. */
  weights?: string;
  /** Seeds the initial kernels of every layer not loaded from `weights`. */
  seed: number;
}

/** Builds (or loads) the backbone and stacks dropout -> dense(embeddingDim) -> batch norm on it. */
export async function buildEmbeddingModel(o: EmbeddingModelOptions): Promise<LayersModel> {
  const backbone = o.weights
    ? await loadPretrainedModel(o.weights, o.imageSize)
    : o.backbone === 'small'
      ? smallCnn({ inputSize: o.imageSize, ...(o.smallFilters ? { filters: o.smallFilters } : {}) })
      : efficientNet(o.backbone, { inputSize: o.imageSize });
  let x = backbone.outputs[0];
  // A loaded classifier trunk may end in a feature map rather than a vector.
  if (x.shape.length === 4) x = tfl.layers.globalAveragePooling2d({ name: 'embedding_gap' }).apply(x) as SymbolicTensor;
  if (o.dropout > 0) x = new SeededDropout({ rate: o.dropout, name: 'embedding_dropout' }).apply(x) as SymbolicTensor;
  x = tfl.layers.dense({ units: o.embeddingDim, name: 'embedding_fc' }).apply(x) as SymbolicTensor;
  x = tfl.layers.batchNormalization({ name: 'embedding_bn' }).apply(x) as SymbolicTensor;
  const model = tfl.model({ inputs: backbone.inputs, outputs: x, name: 'embedding_model' });
  seedKernels(model, o.seed, o.weights ? new Set(backbone.layers.map((l) => l.name)) : undefined);
  return model;
}

export interface ClassifierTraining {
  head: HeadKind;
  arcface?: ArcFaceOptions;
  sampler: SamplerKind;
  epochs: number;
  batchSize: number;
  schedule?: LearningRateSchedule;
  augmentation?: Augmentation | null;
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
export async function trainEmbeddingModel(tf: Tf, model: LayersModel, paths: readonly string[], labels: readonly string[], o: ClassifierTraining): Promise<LoopResult> {
  if (paths.length !== labels.length) throw new Error(`trainEmbeddingModel: ${paths.length} images but ${labels.length} labels`);
  const { ids, classes } = classIds(labels);
  const dim = model.outputs[0].shape[1] as number;
  const size = model.inputs[0].shape[1] as number;
  const head = createHead(tf, o.head, dim, classes, o.seed, o.arcface ?? SEED_ARCFACE);
  const weights = modelVariables(model);
  const augmentation = o.augmentation === undefined ? DEFAULT_AUGMENTATION : o.augmentation;
  try {
    return await trainLoop(
      tf,
      {
        variables: [...weights.trainable, ...head.variables],
        stateTensors: weights.state,
        setState: weights.setState,
        stepsPerEpoch: Math.ceil(paths.length / o.batchSize),
        async *batches(epoch) {
          const random = seededRandom(o.seed * 7919 + epoch);
          const order = Array.from(epochOrder(o.sampler, ids, random));
          for await (const batch of pixelBatches(paths, order, o.batchSize, { size, augmentation, random })) {
            yield [pixelsToTensor(tf, batch), tf.tensor1d(batch.rows.map((r) => ids[r]), 'int32')];
          }
        },
        loss: ([x, y], at) => {
          const embeddings = model.apply(x, seededTrainingArgs(o.seed, at.epoch, at.step)) as Tensor2D;
          return crossEntropy(tf, head.logits(embeddings, y as Tensor1D), y as Tensor1D);
        },
      },
      { epochs: o.epochs, schedule: o.schedule ?? SEED_SCHEDULE, checkpointDir: o.checkpointDir, checkpointKey: o.checkpointKey, resume: o.resume, progress: o.progress, log: o.log, label: `${o.head}` },
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
    const out = tf.tidy(() => tf.reshape(model.predict(pixelsToTensor(tf, batch, o.normalise ?? true)) as Tensor, [batch.rows.length, dim]));
    data.set(await out.data(), batch.rows[0] * dim);
    out.dispose();
    bar?.tick(batch.rows.length);
  }
  bar?.stop();
  return { rows: paths.length, dim, data };
}
