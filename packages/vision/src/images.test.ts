import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { initTf } from '@prodmatch/tf';
import { decodeImage, pixelBatches, pixelsToTensor } from './images.ts';
import { seededRandom } from '@prodmatch/data';

const { tf } = await initTf({ backend: 'cpu' });

async function redSquare(dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 255, g: 0, b: 0 } } }).jpeg().toFile(path);
  return path;
}

test('images decode to size x size RGB bytes, in batches that keep row order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-vision-'));
  const paths = await Promise.all([0, 1, 2, 3, 4].map((i) => redSquare(dir, `${i}.jpg`)));
  const pixels = await decodeImage(paths[0], { size: 8 });
  assert.equal(pixels.length, 8 * 8 * 3);
  assert.ok(pixels[0] > 240 && pixels[1] < 15 && pixels[2] < 15);
  const batches = [];
  for await (const b of pixelBatches(paths, [4, 2, 0, 1, 3], 2, { size: 8 })) batches.push(b.rows);
  assert.deepEqual(batches, [[4, 2], [0, 1], [3]]);
});

test('augmentation is reproducible from the seed and normalisation uses ImageNet statistics', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-vision-'));
  const paths = await Promise.all([0, 1].map((i) => redSquare(dir, `${i}.jpg`)));
  const options = { size: 8, augmentation: { flip: 0.5, crop: 0.6, jitter: 0.3 } };
  const a = await decodeImage(paths[0], { ...options, random: seededRandom(5) });
  const b = await decodeImage(paths[0], { ...options, random: seededRandom(5) });
  assert.deepEqual(a, b);
  const batch = { rows: [0], pixels: new Uint8Array(3).fill(255).map((_, i) => [255, 0, 0][i]), size: 1 };
  const values = tf.tidy(() => pixelsToTensor(tf, batch).arraySync()[0][0][0]);
  assert.ok(Math.abs(values[0] - (1 - 0.485) / 0.229) < 1e-5 && Math.abs(values[1] - -0.456 / 0.224) < 1e-5);
});

test('a corrupt or missing image names the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-vision-'));
  const corrupt = join(dir, 'corrupt.jpg');
  writeFileSync(corrupt, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
  await assert.rejects(decodeImage(corrupt, { size: 8 }), (e: Error) => e.message.startsWith(`${corrupt}: cannot decode image`));
  const missing = join(dir, 'missing.jpg');
  await assert.rejects(decodeImage(missing, { size: 8 }), (e: Error) => e.message.startsWith(`${missing}: cannot decode image`));
});
