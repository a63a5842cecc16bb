// Images -> pixels with sharp, a batch at a time: nothing holds more than one batch (plus the one
// being prefetched) of decoded images, so memory stays flat whether the set has 300 or 34,000 images.
import sharp from 'sharp';
import { join } from 'node:path';
import type { Tensor4D } from '@tensorflow/tfjs-core';
import type { Tf } from '@prodmatch/tf';

/** Random photometric/geometric changes applied while training (the seed's flip, crop, colour jitter). */
export interface Augmentation {
  /** Probability of a horizontal flip. */
  flip: number;
  /** Smallest crop side as a fraction of the image (a random square of side in [crop, 1] is cut out). */
  crop: number;
  /** Brightness and saturation are multiplied by 1 ± jitter, hue shifted by ± jitter * 30 degrees. */
  jitter: number;
}

export const DEFAULT_AUGMENTATION: Augmentation = { flip: 0.5, crop: 0.8, jitter: 0.2 };

/** ImageNet statistics, which pretrained EfficientNet weights expect; harmless for models trained here. */
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

export interface DecodeOptions {
  size: number;
  augmentation?: Augmentation | null;
  /** Uniform [0, 1) source for augmentation; required when augmenting. */
  random?: () => number;
}

/** One image as `size` x `size` RGB bytes (row-major HWC). Errors name the file. */
export async function decodeImage(path: string, options: DecodeOptions): Promise<Uint8Array> {
  const { size, augmentation, random } = options;
  try {
    let image = sharp(path, { failOn: 'error' }).removeAlpha().toColourspace('srgb');
    if (augmentation) {
      if (!random) throw new Error('decodeImage: augmentation needs a random source');
      const meta = await sharp(path).metadata();
      const width = meta.width ?? size;
      const height = meta.height ?? size;
      const side = Math.max(1, Math.floor(Math.min(width, height) * (augmentation.crop + (1 - augmentation.crop) * random())));
      const left = Math.floor((width - side) * random());
      const top = Math.floor((height - side) * random());
      image = image.extract({ left, top, width: side, height: side });
      if (random() < augmentation.flip) image = image.flop();
      const j = augmentation.jitter;
      if (j > 0) {
        image = image.modulate({
          brightness: 1 + j * (2 * random() - 1),
          saturation: 1 + j * (2 * random() - 1),
          hue: Math.round(30 * j * (2 * random() - 1)),
        });
      }
    }
    const { data, info } = await image.resize(size, size, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } catch (error) {
    throw new Error(`${path}: cannot decode image (${(error as Error).message}); replace or remove the file`);
  }
}

/** A batch of decoded images, [n, size, size, 3] bytes, and which rows of the input they are. */
export interface PixelBatch {
  rows: number[];
  pixels: Uint8Array;
  size: number;
}

/** Decodes the images of `rows` into one contiguous buffer. */
export async function decodeBatch(paths: readonly string[], rows: readonly number[], options: DecodeOptions): Promise<PixelBatch> {
  const { size } = options;
  const pixels = new Uint8Array(rows.length * size * size * 3);
  // Draw the augmentation randomness up front, in row order, so a seed gives the same batch
  // whatever order sharp's thread pool finishes in.
  const randoms = rows.map(() => {
    if (!options.augmentation || !options.random) return undefined;
    const values = Array.from({ length: 8 }, options.random);
    let i = 0;
    return () => values[i++ % values.length];
  });
  await Promise.all(
    rows.map(async (row, i) => {
      pixels.set(await decodeImage(paths[row], { ...options, random: randoms[i] }), i * size * size * 3);
    }),
  );
  return { rows: [...rows], pixels, size };
}

/**
 * Batches of `order` (indices into `paths`), decoded one batch ahead of the consumer so that sharp's
 * threads work while the model trains on the previous batch.
 */
export async function* pixelBatches(paths: readonly string[], order: readonly number[], batchSize: number, options: DecodeOptions): AsyncGenerator<PixelBatch> {
  const starts: number[] = [];
  for (let s = 0; s < order.length; s += batchSize) starts.push(s);
  let next: Promise<PixelBatch> | null = starts.length > 0 ? decodeBatch(paths, order.slice(0, batchSize), options) : null;
  for (let b = 0; b < starts.length; b++) {
    const current = await (next as Promise<PixelBatch>);
    const s = starts[b + 1];
    next = s === undefined ? null : decodeBatch(paths, order.slice(s, s + batchSize), options);
    yield current;
  }
}

/** Bytes -> float tensor [n, size, size, 3], scaled to [0, 1] and optionally ImageNet-normalised. */
export function pixelsToTensor(tf: Tf, batch: PixelBatch, normalise = true): Tensor4D {
  return tf.tidy(() => {
    const { size } = batch;
    const x = tf.div(tf.tensor4d(Float32Array.from(batch.pixels), [batch.rows.length, size, size, 3]), 255);
    return (normalise ? tf.div(tf.sub(x, tf.tensor1d(MEAN)), tf.tensor1d(STD)) : x) as Tensor4D;
  });
}

/** Full paths of the postings' images in `dir` (the dataset's train_images/). */
export function imagePaths(dir: string, images: readonly string[]): string[] {
  return images.map((image) => join(dir, image));
}
