// Where image training keeps what outlives a run: checkpoint folders and the frozen backbone's
// feature cache, each keyed by everything that decides its content.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Posting } from '@prodmatch/data';
import type { DenseMatrix } from '@prodmatch/knn';
import { writeFileAtomic } from '@prodmatch/results';
import type { FeatureContext } from './feature.ts';
import type { ImageSettings } from './image-settings.ts';

/**
 * sha256 over the name and bytes of every distinct image in `names` (files in `dir`), in name order.
 * Content rather than name + size + mtime: a stat-based key trusts that a changed file has a new size
 * or mtime, which tools that restore mtimes (rsync -t, cp -p, unzip) do not promise, and it changes
 * when identical files are copied or the synthetic set is regenerated, orphaning good checkpoints.
 * Reading the bytes once costs less than one training epoch, which decodes every one of them.
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

const sha = (value: unknown, length: number): string => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, length);

/**
 * A folder per (dataset, training settings, training images), so runs with other settings never
 * prune or resume it. Settings that do not change the weights (epochs: a longer run resumes a shorter
 * one; where files go) stay out of the key.
 */
export function checkpointPlace(
  settings: ImageSettings,
  what: string,
  context: FeatureContext,
  train: readonly Posting[],
): { dir: string; key: string } {
  const { epochs, resume, checkpoints, saveBackbone, preset, imageCache, ...weightsDecidedBy } = settings;
  const key = sha(
    {
      what,
      settings: weightsDecidedBy,
      data: context.dataset.identity.sha256,
      seed: context.seed,
      rows: train.map((p) => p.postingId),
      images: imagesFingerprint(
        context.imagesDir,
        train.map((p) => p.image),
      ),
    },
    16,
  );
  const dir =
    checkpoints === null
      ? join(context.cacheDir, 'checkpoints', context.dataset.identity.name, `${what}-${key}`)
      : context.resolvePath(checkpoints);
  return { dir, key };
}

/** Bytes that identify a weights source: a file's bytes, every file of a folder, or a URL as written. */
export function weightsIdentity(weights: string): string {
  if (/^https?:\/\//.test(weights)) return `url:${weights}`;
  if (!existsSync(weights))
    throw new Error(`weights ${weights}: not found; pass a Keras .h5 file or a tfjs model folder (what saveBackbone writes)`);
  const hash = createHash('sha256');
  const files = statSync(weights).isDirectory()
    ? readdirSync(weights)
        .sort()
        .map((f) => join(weights, f))
    : [weights];
  for (const file of files) if (statSync(file).isFile()) hash.update(`${file.slice(weights.length)}\0`).update(readFileSync(file));
  return `sha256:${hash.digest('hex')}`;
}

/**
 * Pooled backbone features of `postings`, computed once by `compute` and kept in
 * .cache/features/<dataset>/<key>.bin; the key covers the backbone's identity (variant, weights by
 * content, image size), train.csv, the postings and the bytes of their images, as checkpoint keys do.
 */
export async function cachedFeatures(
  identity: Record<string, unknown>,
  postings: readonly Posting[],
  context: FeatureContext,
  label: string,
  compute: () => Promise<DenseMatrix>,
): Promise<DenseMatrix> {
  const key = sha(
    {
      identity,
      data: context.dataset.identity.sha256,
      rows: postings.map((p) => p.postingId),
      images: imagesFingerprint(
        context.imagesDir,
        postings.map((p) => p.image),
      ),
    },
    24,
  );
  const dir = join(context.cacheDir, 'features', context.dataset.identity.name);
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
  const matrix = await compute();
  // Features first, the .json last: a cache entry counts only once both are in place.
  await writeFileAtomic(file, new Uint8Array(matrix.data.buffer, matrix.data.byteOffset, matrix.data.byteLength));
  await writeFileAtomic(meta, JSON.stringify({ rows: matrix.rows, dim: matrix.dim, identity }));
  context.log(
    `feature cache miss: computed ${label} backbone features (${matrix.rows} x ${matrix.dim}) in ${((Date.now() - start) / 1000).toFixed(1)} s, saved to ${file}`,
  );
  return matrix;
}
