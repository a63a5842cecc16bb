// The training settings every image feature shares (model, schedule, checkpoints), as one schema.
// Defaults depend on --preset, so keys without a preset-independent default are optional in the
// input and resolved by the transform: preset first, then explicit keys win.
import { BACKBONES, SEED_SCHEDULE, type BackboneName, type LearningRateSchedule } from '@prodmatch/vision/constants';
import { z } from 'zod';

/**
 * CPU defaults: on 2 cores (wasm) every image experiment must finish in about 4 minutes on the
 * synthetic default (~1,900 training images), so the small CNN trains at 64 px for a few epochs.
 * The seeds' GPU settings are preset 'seed'.
 */
export const IMAGE_DEFAULTS = { backbone: 'small', imageSize: 64, batchSize: 32 } as const satisfies {
  backbone: BackboneName;
  imageSize: number;
  batchSize: number;
};
const SCHEDULE: LearningRateSchedule = { start: 1e-4, max: 2e-3, min: 1e-5, rampEpochs: 1, sustainEpochs: 2, decay: 0.6 };

/**
 * preset 'seed': the seeds' GPU run (EfficientNet-B3 from ImageNet weights, 512 px, 15 epochs, their
 * LR ramp 1e-5 -> 3.2e-4 over 5 epochs then x0.8 an epoch to 1e-6). The seeds' batch size is not
 * recorded; 32 matches their lr_max = 1e-5 x 32.
 */
const PRESETS = {
  seed: { backbone: 'b3', imageSize: 512, pretrained: 'imagenet', epochs: 15, batchSize: 32, schedule: SEED_SCHEDULE },
} as const;

const positive = z.number().positive();
const count = z.int().positive();

/** Keys shared by the classifier and autoencoder features; `defaultEpochs` differs between them. */
export const imageTrainingFields = {
  /** Named settings ('seed' = the seeds' GPU run); explicit keys override it. */
  preset: z.enum(['seed']).nullable().default(null),
  /** Square side images are resized to [default 64]. */
  imgSize: count.optional(),
  epochs: count.optional(),
  batchSize: count.optional(),
  /** Learning rate of epoch 1 (the ramp starts here) [default 1e-4]. */
  lrStart: positive.optional(),
  /** Learning rate after the ramp [default 2e-3]. */
  lrMax: positive.optional(),
  /** Floor of the exponential decay [default 1e-5]. */
  lrMin: positive.optional(),
  /** Epochs of linear ramp-up [default 1]. */
  lrRamp: z.int().min(0).optional(),
  /** Epochs at lrMax [default 2]. */
  lrSustain: z.int().min(0).optional(),
  /** Per-epoch decay factor after the sustain [default 0.6]. */
  lrDecay: positive.optional(),
  /** Checkpoint folder (default .cache/checkpoints/<dataset>/<settings>). */
  checkpoints: z.string().nullable().default(null),
  /** Continue from the newest checkpoint of the same settings. */
  resume: z.boolean().default(false),
  /** Batches whose gradients make one update: batchSize 8, accumulate 4 trains like 32 in the memory of 8. */
  accumulate: count.default(1),
  /** Folder of resized training images that later epochs and runs read instead of decoding the JPEGs. */
  imageCache: z.string().nullable().default(null),
};

/** Keys only the classifiers (softmax / ArcFace) take: the backbone and where its weights come from. */
export const backboneFields = {
  backbone: z.enum(BACKBONES).optional(),
  /** Starting weights for b0..b3: 'imagenet' downloads Keras's efficientnetbN_notop.h5 once. */
  pretrained: z.enum(['imagenet', 'none']).optional(),
  /** A Keras .h5 weights file, a tfjs model folder (what saveBackbone writes), model.json or URL. */
  weights: z.string().nullable().default(null),
  /** 'backbone': train only the embedding layers and head over cached backbone features; N: also the top N blocks. */
  freeze: z.union([z.enum(['none', 'backbone']), z.int().min(0)]).default('none'),
  /** After training, write the backbone here (tfjs model; EfficientNet also as Keras backbone.h5). */
  saveBackbone: z.string().nullable().default(null),
};

const trainingObject = z.strictObject(imageTrainingFields);
const backboneObject = z.strictObject(backboneFields);
type TrainingInput = z.output<typeof trainingObject>;
type BackboneInput = z.output<typeof backboneObject>;

/** The resolved settings: what training uses and the row records. */
export interface ImageSettings {
  preset: 'seed' | null;
  backbone: BackboneName;
  imageSize: number;
  pretrained: 'imagenet' | 'none';
  weights: string | null;
  freeze: 'none' | 'backbone' | number;
  saveBackbone: string | null;
  epochs: number;
  batchSize: number;
  schedule: LearningRateSchedule;
  checkpoints: string | null;
  resume: boolean;
  accumulate: number;
  imageCache: string | null;
}

/** Preset first, then explicit keys; checks the combinations a schema cannot express. */
export function resolveImageSettings(
  input: TrainingInput & Partial<BackboneInput>,
  defaultEpochs: number,
  ctx: z.RefinementCtx,
): ImageSettings {
  const preset = input.preset ? PRESETS[input.preset] : null;
  const schedule = preset?.schedule ?? SCHEDULE;
  const weights = input.weights ?? null;
  const pretrained = input.pretrained ?? (weights === null ? preset?.pretrained : undefined) ?? 'none';
  if (pretrained === 'imagenet' && weights !== null)
    ctx.addIssue({ code: 'custom', message: "pretrained 'imagenet' and weights both name the starting weights; give one of them" });
  const freeze = input.freeze ?? 'none';
  const saveBackbone = input.saveBackbone ?? null;
  if (freeze === 'backbone' && saveBackbone !== null)
    ctx.addIssue({
      code: 'custom',
      message: 'saveBackbone with freeze backbone: a frozen backbone does not change; the weights you passed are it',
    });
  return {
    preset: input.preset,
    backbone: input.backbone ?? preset?.backbone ?? IMAGE_DEFAULTS.backbone,
    imageSize: input.imgSize ?? preset?.imageSize ?? IMAGE_DEFAULTS.imageSize,
    pretrained,
    weights,
    freeze,
    saveBackbone,
    epochs: input.epochs ?? preset?.epochs ?? defaultEpochs,
    batchSize: input.batchSize ?? preset?.batchSize ?? IMAGE_DEFAULTS.batchSize,
    schedule: {
      start: input.lrStart ?? schedule.start,
      max: input.lrMax ?? schedule.max,
      min: input.lrMin ?? schedule.min,
      rampEpochs: input.lrRamp ?? schedule.rampEpochs,
      sustainEpochs: input.lrSustain ?? schedule.sustainEpochs,
      decay: input.lrDecay ?? schedule.decay,
    },
    checkpoints: input.checkpoints,
    resume: input.resume,
    accumulate: input.accumulate,
    imageCache: input.imageCache,
  };
}
