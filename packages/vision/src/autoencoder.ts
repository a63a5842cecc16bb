// Seed 004's unsupervised image features: a convolutional autoencoder whose encoder output (2,048
// values) is the embedding, and a dense autoencoder (2048 -> 64, LeakyReLU 0.3) that compresses those
// latents further for clustering.
import type { Scalar, Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { Tf } from '@prodmatch/tf';
import { pixelBatches, pixelsToTensor, type Augmentation } from './images.ts';
import { seededRandom } from '@prodmatch/data';
import { seedKernels } from './init.ts';
import { shuffledRows } from './sampler.ts';
import type { LearningRateSchedule } from './schedule.ts';
import { modelVariables, trainLoop, type LoopOptions, type LoopResult } from './train.ts';

export interface Autoencoder {
  autoencoder: LayersModel;
  encoder: LayersModel;
}

/** The CAE's latent size at every input size: the seed's 2,048. */
export const CAE_LATENT = 2048;

/**
 * Four conv(3x3, ReLU) + max-pool(2) blocks (16, 32, 64, then as many filters as make the latent
 * 2,048 values at size/16 x size/16), mirrored by up-sampling blocks and a sigmoid RGB output.
 */
export function convAutoencoder(imageSize: number, seed: number): Autoencoder {
  const cells = (imageSize / 16) ** 2;
  if (!Number.isInteger(imageSize / 16) || !Number.isInteger(CAE_LATENT / cells)) {
    throw new Error(
      `convAutoencoder: --img-size ${imageSize} must be a multiple of 16 that divides a 2,048-value latent (16, 32, 64, 128, 256, 512)`,
    );
  }
  const filters = [16, 32, 64, CAE_LATENT / cells];
  const input = tfl.input({ shape: [imageSize, imageSize, 3], name: 'cae_input' });
  let x: SymbolicTensor = input;
  filters.forEach((f, i) => {
    x = tfl.layers
      .conv2d({ filters: f, kernelSize: 3, padding: 'same', activation: 'relu', name: `cae_enc_conv${i}` })
      .apply(x) as SymbolicTensor;
    x = tfl.layers.maxPooling2d({ poolSize: 2, name: `cae_enc_pool${i}` }).apply(x) as SymbolicTensor;
  });
  const latent = tfl.layers.flatten({ name: 'cae_latent' }).apply(x) as SymbolicTensor;
  let y: SymbolicTensor = x;
  [...filters].reverse().forEach((f, i) => {
    y = tfl.layers.upSampling2d({ size: [2, 2], name: `cae_dec_up${i}` }).apply(y) as SymbolicTensor;
    y = tfl.layers
      .conv2d({ filters: f, kernelSize: 3, padding: 'same', activation: 'relu', name: `cae_dec_conv${i}` })
      .apply(y) as SymbolicTensor;
  });
  const output = tfl.layers
    .conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'sigmoid', name: 'cae_output' })
    .apply(y) as SymbolicTensor;
  const autoencoder = tfl.model({ inputs: input, outputs: output, name: 'cae' });
  seedKernels(autoencoder, seed);
  return { autoencoder, encoder: tfl.model({ inputs: input, outputs: latent, name: 'cae_encoder' }) };
}

/** inputDim -> latentDim (LeakyReLU 0.3) -> inputDim (linear), the seed's second autoencoder. */
export function denseAutoencoder(inputDim: number, latentDim: number, seed: number): Autoencoder {
  const input = tfl.input({ shape: [inputDim], name: 'dae_input' });
  const dense = tfl.layers.dense({ units: latentDim, name: 'dae_enc' }).apply(input) as SymbolicTensor;
  const latent = tfl.layers.leakyReLU({ alpha: 0.3, name: 'dae_latent' }).apply(dense) as SymbolicTensor;
  const output = tfl.layers.dense({ units: inputDim, name: 'dae_dec' }).apply(latent) as SymbolicTensor;
  const autoencoder = tfl.model({ inputs: input, outputs: output, name: 'dae' });
  seedKernels(autoencoder, seed);
  return { autoencoder, encoder: tfl.model({ inputs: input, outputs: latent, name: 'dae_encoder' }) };
}

export interface AutoencoderTraining extends Omit<LoopOptions, 'schedule'> {
  batchSize: number;
  schedule: LearningRateSchedule;
  seed: number;
  augmentation?: Augmentation | null;
  /** Folder of resized images reused by later epochs and runs (--image-cache). */
  imageCache?: string;
}

const mse = (tf: Tf, a: Tensor, b: Tensor): Scalar => tf.mean(tf.square(tf.sub(a, b))) as Scalar;

/** Trains the CAE to reconstruct the images (pixels in [0, 1]), reading them batch by batch. */
export async function trainConvAutoencoder(tf: Tf, ae: Autoencoder, paths: readonly string[], o: AutoencoderTraining): Promise<LoopResult> {
  const size = ae.autoencoder.inputs[0].shape[1] as number;
  const weights = modelVariables(ae.autoencoder);
  return trainLoop(
    tf,
    {
      variables: weights.trainable,
      stateTensors: weights.state,
      setState: weights.setState,
      stepsPerEpoch: Math.ceil(paths.length / o.batchSize),
      async *batches(epoch) {
        const random = seededRandom(o.seed * 7919 + epoch);
        const order = Array.from(shuffledRows(paths.length, random));
        for await (const batch of pixelBatches(paths, order, o.batchSize, {
          size,
          augmentation: o.augmentation ?? null,
          random,
          cacheDir: o.imageCache,
        })) {
          yield [pixelsToTensor(tf, batch, false)];
        }
      },
      loss: ([x]) => mse(tf, ae.autoencoder.apply(x, { training: true }) as Tensor, x),
    },
    { ...o, label: o.label ?? 'cae' },
  );
}

/** Trains a dense autoencoder on rows of `data` ([rows, dim], held in memory: latents are small). */
export async function trainDenseAutoencoder(
  tf: Tf,
  ae: Autoencoder,
  data: { rows: number; dim: number; data: Float32Array },
  o: AutoencoderTraining,
): Promise<LoopResult> {
  const weights = modelVariables(ae.autoencoder);
  return trainLoop(
    tf,
    {
      variables: weights.trainable,
      stepsPerEpoch: Math.ceil(data.rows / o.batchSize),
      async *batches(epoch) {
        const order = shuffledRows(data.rows, seededRandom(o.seed * 7919 + epoch));
        for (let s = 0; s < data.rows; s += o.batchSize) {
          const rows = order.subarray(s, s + o.batchSize);
          const x = new Float32Array(rows.length * data.dim);
          rows.forEach((r, i) => x.set(data.data.subarray(r * data.dim, (r + 1) * data.dim), i * data.dim));
          yield [tf.tensor2d(x, [rows.length, data.dim])];
        }
      },
      loss: ([x]) => mse(tf, ae.autoencoder.apply(x, { training: true }) as Tensor2D, x),
    },
    { ...o, label: o.label ?? 'dense ae' },
  );
}

/** Encodes rows of `data` in batches. */
export function encodeRows(
  tf: Tf,
  encoder: LayersModel,
  data: { rows: number; dim: number; data: Float32Array },
  batchSize = 256,
): { rows: number; dim: number; data: Float32Array } {
  const dim = encoder.outputs[0].shape[1] as number;
  const out = new Float32Array(data.rows * dim);
  for (let s = 0; s < data.rows; s += batchSize) {
    const n = Math.min(batchSize, data.rows - s);
    const part = tf.tidy(() =>
      (encoder.predict(tf.tensor2d(data.data.subarray(s * data.dim, (s + n) * data.dim), [n, data.dim])) as Tensor).dataSync(),
    );
    out.set(part as Float32Array, s * dim);
  }
  return { rows: data.rows, dim, data: out };
}
