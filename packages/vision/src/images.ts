// Images -> tensors for training and embedding. Three rules keep a fast backend fed
// (docs/input-pipeline.md has the measurements):
//  - one sharp job per image (decode + resize, nothing else), queued two batches ahead into libuv's
//    pool, sized to the cores, so decoding continues while a synchronous training step holds the
//    main thread;
//  - flips, crops and colour jitter are tensor ops on the backend (pixelsToTensor), from parameters
//    drawn on the host in row order, so a seed gives the same batch however the decodes finish;
//  - pixels travel as one int32 per pixel (R, G, B and a zero byte: a third of float32's bytes;
//    tfjs has no uint8 dtype) straight from sharp's buffer, and are unpacked and cast on the device.
// Nothing holds more than the current batch and the prefetched ones, so memory stays flat whether
// the set has 300 or 34,000 images.
import sharp from 'sharp';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename } from 'node:fs/promises';
import { availableParallelism, endianness } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Tensor, Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';
import type { Tf } from '@prodmatch/tf';

// sharp's jobs run on libuv's pool, 4 threads unless told otherwise, whatever the core count. The
// variable is read when the pool starts (its first job), which is after this module is imported in
// every entry point of this repo; an explicit setting wins.
if (!process.env.UV_THREADPOOL_SIZE) process.env.UV_THREADPOOL_SIZE = String(Math.max(4, availableParallelism()));

/** Random photometric/geometric changes applied while training (the seed's flip, crop, colour jitter). */
export interface Augmentation {
  /** Probability of a horizontal flip. */
  flip: number;
  /** Smallest crop side as a fraction of the image's side (a crop of the image's aspect, side fraction in [crop, 1]). */
  crop: number;
  /** Brightness and saturation are multiplied by 1 ± jitter, hue rotated by ± jitter * 30 degrees. */
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
  /**
   * Folder of resized images (libvips .v files: 4 bytes per pixel) keyed by the source file's bytes and `size`:
   * epochs after the first read these instead of decoding the full-size JPEGs.
   */
  cacheDir?: string;
  /** Batches decoded ahead of the consumer (default 2: one ready, one in progress). */
  prefetch?: number;
}

/** One image's augmentation, drawn on the host, applied on the backend by pixelsToTensor. */
export interface ImageAugment {
  /** Normalised crop box [y1, x1, y2, x2]; x1 > x2 flips it horizontally (tf.image.cropAndResize). */
  box: [number, number, number, number];
  brightness: number;
  saturation: number;
  /** Hue rotation in radians. */
  hue: number;
}

/** Draws one image's augmentation: 7 values from `random`, always in the same order. */
export function drawAugment(augmentation: Augmentation, random: () => number): ImageAugment {
  const side = augmentation.crop + (1 - augmentation.crop) * random();
  const top = (1 - side) * random();
  const left = (1 - side) * random();
  const flip = random() < augmentation.flip;
  const j = augmentation.jitter;
  const brightness = 1 + j * (2 * random() - 1);
  const saturation = 1 + j * (2 * random() - 1);
  const hue = (30 * j * (2 * random() - 1) * Math.PI) / 180;
  const [x1, x2] = flip ? [left + side, left] : [left, left + side];
  return { box: [top, x1, top + side, x2], brightness, saturation, hue };
}

function cannotDecode(path: string, error: unknown): Error {
  return new Error(`${path}: cannot decode image (${(error as Error).message}); replace or remove the file`);
}

/** The one sharp job: decode, sRGB, fill-resize to size x size, then `channels` raw bytes per pixel. */
async function resizedBytes(path: string, input: string | Buffer, size: number, channels: 3 | 4): Promise<Buffer> {
  try {
    let image = sharp(input, { failOn: 'error' }).removeAlpha().toColourspace('srgb').resize(size, size, { fit: 'fill' });
    if (channels === 4) image = image.ensureAlpha(0);
    const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== channels) throw new Error(`decoded to ${info.channels} channels, expected ${channels}`);
    return data;
  } catch (error) {
    throw cannotDecode(path, error);
  }
}

/** One image as `size` x `size` RGB bytes (row-major HWC). Errors name the file. */
export async function decodeImage(path: string, options: { size: number }): Promise<Uint8Array> {
  const data = await resizedBytes(path, path, options.size, 3);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A batch of decoded images and which rows of the input they are. */
export interface PixelBatch {
  rows: number[];
  /** [n, size, size] pixels of 4 bytes: R, G, B, 0 (one little-endian int32 each). */
  rgbx: Uint8Array;
  size: number;
  /** Per-row augmentation, when training augments. */
  augment?: ImageAugment[];
}

// Content hash of each source file, computed once per process: the key of its cached resized image.
const sourceKeys = new Map<string, string>();

async function readSource(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw cannotDecode(path, error);
  }
}

/**
 * A cached image's RGBX bytes, or null when it is missing or damaged. The cache holds libvips's own
 * format (.v: the raw pixels behind a short header), because sharp reads it in one job on its
 * thread pool; reading raw bytes with fs takes open, stat, read and close, each of which waits for
 * the main thread, so reads queued during a synchronous training step would not progress.
 */
async function readCached(file: string, size: number): Promise<Buffer | null> {
  try {
    const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
    return info.width === size && info.height === size && info.channels === 4 ? data : null;
  } catch {
    return null;
  }
}

let temporaries = 0;

async function writeCached(file: string, pixels: Buffer, size: number): Promise<void> {
  try {
    await mkdir(dirname(file), { recursive: true });
    // Unique per write (the same image can be decoded twice at once: postings share image files),
    // and ending in .v, which tells sharp the format.
    const temporary = `${file.slice(0, -2)}.${process.pid}-${temporaries++}.tmp.v`;
    await sharp(pixels, { raw: { width: size, height: size, channels: 4 } }).toFile(temporary);
    await rename(temporary, file);
  } catch (error) {
    throw new Error(`--image-cache: cannot write ${file} (${(error as Error).message}); free some space or choose another folder`);
  }
}

/** Decodes (or reads from the cache) one image's RGBX pixels into `target`. */
async function loadInto(path: string, size: number, target: Uint8Array, cacheDir: string | undefined): Promise<void> {
  if (!cacheDir) {
    target.set(await resizedBytes(path, path, size, 4));
    return;
  }
  const absolute = resolve(path);
  let key = sourceKeys.get(absolute);
  let source: Buffer | undefined;
  if (!key) {
    source = await readSource(path);
    key = createHash('sha1').update(source).digest('hex');
    sourceKeys.set(absolute, key);
  }
  const file = join(cacheDir, String(size), key.slice(0, 2), `${key}.v`);
  const cached = await readCached(file, size);
  if (cached) {
    target.set(cached);
    return;
  }
  const pixels = await resizedBytes(path, source ?? (await readSource(path)), size, 4);
  target.set(pixels);
  await writeCached(file, pixels, size);
}

if (endianness() !== 'LE') throw new Error('@prodmatch/vision packs pixels as little-endian int32; this host is big-endian');

/** Decodes the images of `rows` into one contiguous buffer; augmentation is drawn here, in row order. */
export async function decodeBatch(paths: readonly string[], rows: readonly number[], options: DecodeOptions): Promise<PixelBatch> {
  const { size, augmentation, random } = options;
  if (augmentation && !random) throw new Error('decodeBatch: augmentation needs a random source');
  const augment = augmentation && random ? rows.map(() => drawAugment(augmentation, random)) : undefined;
  const pixelBytes = size * size * 4;
  const rgbx = new Uint8Array(rows.length * pixelBytes);
  await Promise.all(
    rows.map((row, i) => loadInto(paths[row], size, rgbx.subarray(i * pixelBytes, (i + 1) * pixelBytes), options.cacheDir)),
  );
  return { rows: [...rows], rgbx, size, ...(augment ? { augment } : {}) };
}

/**
 * Batches of `order` (indices into `paths`), decoded `prefetch` batches ahead of the consumer: every
 * image of those batches is queued at once, so sharp's threads keep working while the consumer (a
 * training step that blocks the main thread) runs. Randomness is drawn when a batch is queued, in
 * batch order, so the sequence does not depend on timing.
 */
export async function* pixelBatches(
  paths: readonly string[],
  order: readonly number[],
  batchSize: number,
  options: DecodeOptions,
): AsyncGenerator<PixelBatch> {
  const depth = Math.max(1, options.prefetch ?? 2);
  const pending: Promise<PixelBatch>[] = [];
  let next = 0;
  const queue = (): void => {
    if (next >= order.length) return;
    const batch = decodeBatch(paths, order.slice(next, next + batchSize), options);
    // A consumer that stops early (a diverged loss) leaves prefetched batches unread.
    batch.catch(() => undefined);
    pending.push(batch);
    next += batchSize;
  };
  for (let i = 0; i < depth; i++) queue();
  while (pending.length > 0) {
    const current = await pending.shift()!;
    queue();
    yield current;
  }
}

/** Rec. 601 luma weights: saturation scales the distance from this grey. */
const LUMA = [0.299, 0.587, 0.114];
/** RGB <-> YIQ: hue is a rotation of the (I, Q) plane. */
const RGB_TO_YIQ = [
  [0.299, 0.587, 0.114],
  [0.596, -0.274, -0.322],
  [0.211, -0.523, 0.312],
];

function multiply(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
}

/** The inverse of a 3x3 matrix (adjugate / determinant): the published YIQ -> RGB table is rounded, so a zero rotation would not give the identity. */
function inverse3(m: number[][]): number[][] {
  const cofactor = (i: number, j: number): number => {
    const [r0, r1] = [0, 1, 2].filter((r) => r !== i);
    const [c0, c1] = [0, 1, 2].filter((c) => c !== j);
    return ((i + j) % 2 === 0 ? 1 : -1) * (m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]);
  };
  const determinant = m[0].reduce((s, v, j) => s + v * cofactor(0, j), 0);
  return [0, 1, 2].map((i) => [0, 1, 2].map((j) => cofactor(j, i) / determinant));
}
const YIQ_TO_RGB = inverse3(RGB_TO_YIQ);

/**
 * The colour jitter of one image as a 3x3 matrix acting on RGB column vectors: brightness (a scale),
 * saturation (a blend with the luma grey) and hue (a rotation in YIQ) are all linear, so the whole
 * jitter is one small matrix product per image on the device.
 */
export function colourMatrix(a: Pick<ImageAugment, 'brightness' | 'saturation' | 'hue'>): number[][] {
  const s = a.saturation;
  const saturate = [0, 1, 2].map((i) => [0, 1, 2].map((j) => (i === j ? s : 0) + (1 - s) * LUMA[j]));
  const c = Math.cos(a.hue);
  const n = Math.sin(a.hue);
  const rotate = multiply(
    YIQ_TO_RGB,
    multiply(
      [
        [1, 0, 0],
        [0, c, -n],
        [0, n, c],
      ],
      RGB_TO_YIQ,
    ),
  );
  return multiply(rotate, saturate).map((row) => row.map((v) => v * a.brightness));
}

/**
 * [pixels] int32 RGBX -> [pixels, 3] float32 bytes 0..255, exact (every value < 2^24 and every scale
 * a power of two). The three shifts are one matrix product: the obvious stack of three channel
 * tensors is a concat along the innermost axis, which took 560 ms per 32 x 128 x 128 batch on wasm.
 */
function unpack(tf: Tf, packed: Tensor, pixels: number): Tensor {
  const v = tf.reshape(tf.cast(packed, 'float32'), [pixels, 1]);
  const shifted = tf.floor(tf.matMul(v, tf.tensor2d([[1, 1 / 256, 1 / 65536]])));
  return tf.sub(shifted, tf.mul(tf.floor(tf.mul(shifted, 1 / 256)), 256));
}

/**
 * Bytes -> float tensor [n, size, size, 3]: uploaded as int32 RGBX, unpacked, augmented (crop, flip
 * and colour jitter when the batch carries them), then ImageNet-normalised (`true`), scaled to [0, 1]
 * (`false`) or left as 0..255 values (`'pixels'`, for models that rescale inside, like Keras's
 * EfficientNet). The scaling is one product with a diagonal matrix plus bias: a plain GEMM, where
 * per-channel broadcasting kernels are slow on wasm.
 */
export function pixelsToTensor(tf: Tf, batch: PixelBatch, normalise: boolean | 'pixels' = true): Tensor4D {
  return tf.tidy(() => {
    const { size } = batch;
    const n = batch.rows.length;
    const pixels = n * size * size;
    const words = new Int32Array(batch.rgbx.buffer, batch.rgbx.byteOffset, pixels);
    let x = unpack(tf, tf.tensor3d(words, [n, size, size], 'int32'), pixels);
    if (batch.augment) {
      const boxes = tf.tensor2d(
        batch.augment.flatMap((a) => a.box),
        [n, 4],
      );
      const cropped = tf.image.cropAndResize(
        tf.reshape(x, [n, size, size, 3]) as Tensor4D,
        boxes,
        tf.range(0, n, 1, 'int32'),
        [size, size],
        'bilinear',
      );
      // x' = M x per pixel, i.e. rows of pixels times M transposed.
      const transposed = tf.tensor3d(
        batch.augment.flatMap((a) => {
          const m = colourMatrix(a);
          return [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => m[j][i]));
        }),
        [n, 3, 3],
      );
      x = tf.reshape(tf.clipByValue(tf.matMul(tf.reshape(cropped, [n, size * size, 3]), transposed), 0, 255), [pixels, 3]);
    }
    if (normalise === 'pixels') return tf.reshape(x, [n, size, size, 3]) as Tensor4D;
    const scale = [0, 1, 2].map((c) => (normalise ? 1 / (255 * STD[c]) : 1 / 255));
    const diagonal = tf.tensor2d(
      [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => (i === j ? scale[i] : 0))),
      [3, 3],
    );
    const bias = tf.tensor1d([0, 1, 2].map((c) => (normalise ? -MEAN[c] / STD[c] : 0)));
    return tf.reshape(tf.fused.matMul({ a: x as Tensor2D, b: diagonal, bias }), [n, size, size, 3]) as Tensor4D;
  });
}

/** Full paths of the postings' images in `dir` (the dataset's train_images/). */
export function imagePaths(dir: string, images: readonly string[]): string[] {
  return images.map((image) => join(dir, image));
}
