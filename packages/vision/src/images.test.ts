import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { initTf } from '@prodmatch/tf';
import { colourMatrix, decodeBatch, decodeImage, pixelBatches, pixelsToTensor, type PixelBatch } from './images.ts';
import { seededRandom } from '@prodmatch/data';

const { tf } = await initTf({ backend: 'cpu' });

async function redSquare(dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 255, g: 0, b: 0 } } })
    .jpeg()
    .toFile(path);
  return path;
}

/** A 6 x 6 PNG whose every pixel differs, so crops and flips show. */
async function gradient(dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  const raw = Buffer.alloc(6 * 6 * 3);
  for (let i = 0; i < 36; i++) raw.set([i * 7, 255 - i * 5, (i * 31) % 256], i * 3);
  await sharp(raw, { raw: { width: 6, height: 6, channels: 3 } })
    .png()
    .toFile(path);
  return path;
}

const floats = (batch: PixelBatch): number[] => Array.from(tf.tidy(() => pixelsToTensor(tf, batch, 'pixels').dataSync()));

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

test('pixels travel as packed int32 and unpack to the exact bytes; normalisation uses ImageNet statistics', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-vision-'));
  const path = await gradient(dir, 'g.png');
  const batch = await decodeBatch([path], [0], { size: 6 });
  const rgb = await decodeImage(path, { size: 6 });
  assert.deepEqual(floats(batch), Array.from(rgb));
  const red = { rows: [0], rgbx: Uint8Array.from([255, 0, 0, 0]), size: 1 };
  const values = tf.tidy(() => pixelsToTensor(tf, red).arraySync()[0][0][0]);
  assert.ok(Math.abs(values[0] - (1 - 0.485) / 0.229) < 1e-5 && Math.abs(values[1] - -0.456 / 0.224) < 1e-5);
  const unit = tf.tidy(() => pixelsToTensor(tf, red, false).arraySync()[0][0][0]);
  assert.ok(Math.abs(unit[0] - 1) < 1e-6 && unit[1] === 0 && unit[2] === 0);
});

test('augmentation on the backend: the same seed gives the same tensor, a flip box mirrors, colour jitter is one matrix', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-vision-'));
  const paths = [await gradient(dir, 'a.png'), await gradient(dir, 'b.png')];
  const options = { size: 6, augmentation: { flip: 0.5, crop: 0.6, jitter: 0.3 } };
  const a = await decodeBatch(paths, [0, 1], { ...options, random: seededRandom(5) });
  const b = await decodeBatch(paths, [0, 1], { ...options, random: seededRandom(5) });
  const c = await decodeBatch(paths, [0, 1], { ...options, random: seededRandom(6) });
  assert.deepEqual(floats(a), floats(b));
  assert.notDeepEqual(floats(a), floats(c));

  const plain = await decodeBatch(paths, [0], { size: 6 });
  const flipped = { ...plain, augment: [{ box: [0, 1, 1, 0] as [number, number, number, number], brightness: 1, saturation: 1, hue: 0 }] };
  const mirrored = tf.tidy(() => tf.reverse(pixelsToTensor(tf, plain, 'pixels'), 2).dataSync());
  floats(flipped).forEach((v, i) => assert.ok(Math.abs(v - mirrored[i]) < 1e-3, `pixel value ${i}: ${v} vs ${mirrored[i]}`));

  const identity = colourMatrix({ brightness: 1, saturation: 1, hue: 0 });
  identity.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - (i === j ? 1 : 0)) < 1e-12)));
  // Saturation 0 maps every colour to its grey; a hue rotation leaves greys grey.
  const grey = colourMatrix({ brightness: 1, saturation: 0, hue: 0 }).map((row) => row[0] * 200 + row[1] * 50 + row[2] * 10);
  assert.ok(Math.abs(grey[0] - grey[1]) < 1e-9 && Math.abs(grey[1] - grey[2]) < 1e-9);
  const turned = colourMatrix({ brightness: 1, saturation: 1, hue: 0.4 }).map((row) => row[0] + row[1] + row[2]);
  turned.forEach((v) => assert.ok(Math.abs(v - 1) < 1e-12, `grey row sum ${v}`));
});

test('--image-cache: the second pass reads the resized bytes back, and a damaged entry is decoded again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-vision-'));
  const cacheDir = join(dir, 'cache');
  const paths = [await gradient(dir, 'a.png'), await redSquare(dir, 'b.jpg')];
  const direct = await decodeBatch(paths, [0, 1], { size: 6 });
  const first = await decodeBatch(paths, [0, 1], { size: 6, cacheDir });
  const entries = readdirSync(join(cacheDir, '6'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  assert.equal(entries.length, 2);
  const damaged = join(entries[0].parentPath, entries[0].name);
  writeFileSync(damaged, Buffer.from([1, 2, 3]));
  const second = await decodeBatch(paths, [0, 1], { size: 6, cacheDir });
  assert.ok(statSync(damaged).size >= 6 * 6 * 4, 'the damaged entry was written again');
  assert.deepEqual(first.rgbx, direct.rgbx);
  assert.deepEqual(second.rgbx, direct.rgbx);
});

test('a corrupt or missing image names the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-vision-'));
  const corrupt = join(dir, 'corrupt.jpg');
  writeFileSync(corrupt, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
  await assert.rejects(decodeImage(corrupt, { size: 8 }), (e: Error) => e.message.startsWith(`${corrupt}: cannot decode image`));
  const missing = join(dir, 'missing.jpg');
  await assert.rejects(decodeImage(missing, { size: 8 }), (e: Error) => e.message.startsWith(`${missing}: cannot decode image`));
  await assert.rejects(decodeBatch([missing], [0], { size: 8, cacheDir: join(dir, 'cache') }), (e: Error) =>
    e.message.startsWith(`${missing}: cannot decode image`),
  );
});
