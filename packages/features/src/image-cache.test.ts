import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadDataset } from '@prodmatch/data';
import type { FeatureContext } from './feature.ts';
import { checkpointPlace } from './image-cache.ts';
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
