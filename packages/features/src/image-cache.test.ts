import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadDataset } from '@prodmatch/data';
import type { DenseMatrix } from '@prodmatch/knn';
import { expectFailedWrite } from '@prodmatch/results/testing';
import type { FeatureContext } from './feature.ts';
import { cachedFeatures, checkpointPlace } from './image-cache.ts';
import { imageEmbeddingSchema } from './image-embedding.ts';

const grey = (level: number) =>
  sharp({ create: { width: 16, height: 16, channels: 3, background: { r: level, g: level, b: level } } })
    .png()
    .toBuffer();

// 3 products x 2 postings, one grey square each.
async function miniDataset(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-ckpt-key-'));
  mkdirSync(join(dir, 'train_images'));
  const lines = ['posting_id,image,image_phash,title,label_group'];
  for (let i = 0; i < 6; i++) {
    writeFileSync(join(dir, 'train_images', `${i}.png`), await grey(40 * i));
    lines.push(`p${i},${i}.png,${i.toString(16).padStart(16, '0')},product ${i >> 1},${100 + (i >> 1)}`);
  }
  writeFileSync(join(dir, 'train.csv'), `${lines.join('\n')}\n`);
  return dir;
}

test('the checkpoint key changes when a training image changes, and only then', async () => {
  const dir = await miniDataset();
  const dataset = loadDataset(dir);
  const settings = imageEmbeddingSchema.parse({ epochs: 2 });
  const train = dataset.train.postings.slice(0, 4);
  const context = { dataset, imagesDir: dataset.trainImagesDir, seed: 42, cacheDir: join(dir, '.cache') } as FeatureContext;
  const place = () => checkpointPlace(settings, 'arcface-uniform', context, train);
  const before = place();
  assert.equal(place().key, before.key, 'the same files give the same key');

  // A newer mtime on unchanged bytes keeps the key: it is the content that counts.
  const image = join(dir, 'train_images', '1.png');
  utimesSync(image, new Date(), new Date(Date.now() + 60_000));
  assert.equal(place().key, before.key);

  // An image outside the training rows does not enter the key.
  writeFileSync(join(dir, 'train_images', '5.png'), await grey(7));
  assert.equal(place().key, before.key);

  // The same name in train.csv, other pixels: train.csv's sha256 alone would not see this.
  writeFileSync(image, await grey(41));
  const changed = place();
  assert.notEqual(changed.key, before.key);
  assert.notEqual(changed.dir, before.dir, 'the default folder follows the key, so the old checkpoints are neither resumed nor pruned');
});

test('a feature cache write that fails part-way keeps the entry it replaces, leaves no temp file, and fails in one line', async () => {
  const dir = await miniDataset();
  const dataset = loadDataset(dir);
  const postings = dataset.train.postings;
  const context: FeatureContext = {
    dataset,
    imagesDir: dataset.trainImagesDir,
    seed: 42,
    tf: () => Promise.reject(new Error('the feature cache needs no tfjs')),
    progress: () => ({ tick: () => undefined, stop: () => undefined }),
    log: () => undefined,
    cacheDir: join(dir, '.cache'),
    resolvePath: (path) => path,
  };
  let computed = 0;
  const compute = (): Promise<DenseMatrix> => {
    computed++;
    return Promise.resolve({
      rows: postings.length,
      dim: 2,
      data: Float32Array.from({ length: postings.length * 2 }, (_, i) => i * computed),
    });
  };
  const cache = () => cachedFeatures({ backbone: 'test' }, postings, context, 'test', compute);
  // The entry's two files (their names are the key): learnt from one write, then removed.
  await cache();
  const folder = join(dir, '.cache', 'features', dataset.identity.name);
  const [bin, meta] = ['.bin', '.json'].map((ext) => join(folder, readdirSync(folder).find((f) => f.endsWith(ext)) ?? ext));
  rmSync(folder, { recursive: true });

  // No entry before: none after, and the .json (the entry's commit marker) is not written without features.
  const fresh = await expectFailedWrite(bin, cache);
  assert.match(fresh.message, /\.bin: no space left on the device \(ENOSPC\); free some disk space, then try again/);
  assert.deepEqual(readdirSync(folder), []);
  await cache();
  const written = [readFileSync(bin), readFileSync(meta)];
  // A stale entry (its .json says 99 rows) is recomputed, and each of its two files' writes fails in turn.
  writeFileSync(meta, JSON.stringify({ rows: 99, dim: 2 }));
  const stale = readFileSync(meta);
  await expectFailedWrite(bin, cache, { code: 'EIO' });
  assert.ok(stale.equals(readFileSync(meta)), 'the .json is left as it was when the features failed');
  await expectFailedWrite(meta, cache, { code: 'EACCES', at: 'rename' });
  assert.equal(computed, 5, 'every miss computed the features: nothing half-written was read back');
  // The disk works again: the entry is written whole, and the next call reads it without computing.
  await cache();
  assert.equal(computed, 6);
  const hit = await cache();
  assert.equal(computed, 6, 'a hit');
  assert.deepEqual(
    Array.from(hit.data),
    Array.from({ length: postings.length * 2 }, (_, i) => i * 6),
  );
  assert.ok(written[1].equals(readFileSync(meta)));
  assert.equal(readFileSync(bin).length, written[0].length);
});
