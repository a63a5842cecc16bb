import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as aq from 'arquero';
import sharp from 'sharp';
import { phashDistance, phashFromFile, phashHex, resizeLanczosLikePillow } from './phash.ts';
import { repoRoot } from './synthetic/paths.ts';

const REAL = join(repoRoot(), '..', 'shared', 'datasets', 'shopee');

test('matches the Kaggle image_phash column on the real train images', {
  skip: !existsSync(join(REAL, 'train_images')) && 'real data not present',
}, async () => {
  const table = await aq.loadCSV(join(REAL, 'train.csv'), { parse: { image_phash: String } });
  const kaggle = new Map((table.objects() as Array<{ image: string; image_phash: string }>).map((r) => [r.image, r.image_phash]));
  const files = readdirSync(join(REAL, 'train_images')).filter((f) => kaggle.has(f));
  assert.ok(files.length >= 20, `expected the real sample images, found ${files.length}`);
  const distances = await Promise.all(
    files.map(async (f) => phashDistance(await phashFromFile(join(REAL, 'train_images', f)), kaggle.get(f)!)),
  );
  // Measured: 24 of 25 exact, the other 2 bits off (a JPEG decoder difference).
  assert.ok(distances.filter((d) => d === 0).length >= files.length - 1, `exact matches: ${distances.join(',')}`);
  assert.ok(Math.max(...distances) <= 2, `hamming distances: ${distances.join(',')}`);
});

async function pattern(seed: number, size: number): Promise<Buffer> {
  const shapes = Array.from({ length: 6 }, (_, i) => {
    const v = (seed * 7919 + i * 104729) % 997;
    return `<circle cx="${v % 256}" cy="${(v * 3) % 256}" r="${20 + (v % 40)}" fill="hsl(${v % 360},70%,${30 + (v % 40)}%)"/>`;
  }).join('');
  return sharp(
    Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 256 256"><rect width="256" height="256" fill="#eee"/>${shapes}</svg>`,
    ),
  )
    .png()
    .toBuffer();
}

test('is stable under re-encoding and resizing, and separates different images', async () => {
  const a = await pattern(1, 256);
  const b = await pattern(2, 256);
  const ha = await phashFromFile(a);
  assert.match(ha, /^[0-9a-f]{16}$/);
  assert.ok(phashDistance(ha, await phashFromFile(await sharp(a).jpeg({ quality: 60 }).toBuffer())) <= 4);
  assert.ok(phashDistance(ha, await phashFromFile(await sharp(a).resize(100, 100).toBuffer())) <= 6);
  assert.ok(phashDistance(ha, await phashFromFile(b)) >= 12);
});

test('grey, RGB and float inputs of the same picture hash alike', () => {
  const w = 40;
  const h = 30;
  const grey = new Uint8Array(w * h);
  const rgb = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    grey[i] = ((i % w) * 5 + Math.floor(i / w) * 3) % 256;
    rgb.fill(grey[i], i * 3, i * 3 + 3);
  }
  assert.equal(phashHex(grey, w, h), phashHex(rgb, w, h, 3));
  assert.equal(phashHex(grey, w, h), phashHex(Float32Array.from(grey), w, h));
  assert.throws(() => phashHex(grey, w, h, 3), /expected 3600 values for 40x30x3, got 1200/);
});

test('Pillow-style Lanczos keeps flat images flat and is the identity at the same size', () => {
  const flat = new Uint8Array(97 * 61).fill(173);
  assert.deepEqual([...new Set(resizeLanczosLikePillow(flat, 97, 61, 32, 32))], [173]);
  const ramp = Uint8Array.from({ length: 32 * 32 }, (_, i) => i % 256);
  assert.deepEqual(resizeLanczosLikePillow(ramp, 32, 32, 32, 32), ramp);
});

test('phashDistance counts differing bits', () => {
  assert.equal(phashDistance('0000000000000000', 'ffffffffffffffff'), 64);
  assert.equal(phashDistance('94974f937d4c2433', '94974f937d4c2433'), 0);
  assert.equal(phashDistance('8000000000000001', '0000000000000000'), 2);
  assert.throws(() => phashDistance('abc', '0000000000000000'), /16-digit hex/);
});
