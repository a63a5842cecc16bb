import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as aq from 'arquero';
import { phashFromFile } from '../phash.ts';
import { buildCatalog } from './catalog.ts';
import { drawGroupSizes } from './group-sizes.ts';
import {
  DEFAULT_SYNTHETIC,
  ensureSyntheticDataset,
  generateSyntheticDataset,
  GENERATOR,
  readSyntheticManifest,
  syntheticDatasetDir,
} from './index.ts';
import { Rng } from './rng.ts';
import { makeTitle, sellerStyle } from './titles.ts';

const root = mkdtempSync(join(tmpdir(), 'prodmatch-synthetic-'));
after(() => rmSync(root, { recursive: true, force: true }));
const small = { seed: 7, groups: 12, imageSize: 64 };

function listing(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const sub of ['', 'train_images', 'test_images']) {
    for (const name of readdirSync(join(dir, sub))) {
      const path = join(dir, sub, name);
      if (statSync(path).isFile()) files.set(join(sub, name), readFileSync(path));
    }
  }
  return files;
}

test('the same seed gives byte-identical CSVs and images; another seed does not', async () => {
  await generateSyntheticDataset({ outDir: join(root, 'a'), ...small });
  await generateSyntheticDataset({ outDir: join(root, 'b'), ...small });
  await generateSyntheticDataset({ outDir: join(root, 'c'), ...small, seed: 8 });
  const a = listing(join(root, 'a'));
  const b = listing(join(root, 'b'));
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [name, bytes] of a) assert.ok(bytes.equals(b.get(name)!), `${name} differs between two runs with seed 7`);
  assert.notEqual(readFileSync(join(root, 'c', 'train.csv'), 'utf8'), readFileSync(join(root, 'a', 'train.csv'), 'utf8'));
});

test('writes the Kaggle layout with real pHashes and a synthetic manifest', async () => {
  const dir = join(root, 'layout');
  const result = await generateSyntheticDataset({ outDir: dir, ...small });
  const csv = readFileSync(join(dir, 'train.csv'), 'utf8');
  assert.equal(csv.split('\n')[0], 'posting_id,image,image_phash,title,label_group');
  assert.equal(readFileSync(join(dir, 'test.csv'), 'utf8').split('\n')[0], 'posting_id,image,image_phash,title');
  const rows = aq.fromCSV(csv, { parse: { image_phash: String, label_group: String, title: String } }).objects() as Array<
    Record<string, string>
  >;
  assert.equal(rows.length, result.rows);
  assert.equal(new Set(rows.map((r) => r.label_group)).size, small.groups);
  assert.equal(new Set(rows.map((r) => r.posting_id)).size, rows.length);
  for (const r of rows) {
    assert.match(r.posting_id, /^train_\d{9,10}$/);
    assert.match(r.image, /^[0-9a-f]{32}\.jpg$/);
    assert.equal(await phashFromFile(join(dir, 'train_images', r.image)), r.image_phash, `phash of ${r.image}`);
    // Kaggle quotes exactly the titles that need it.
    if (/[",]/.test(r.title)) assert.ok(csv.includes(`"${r.title.replace(/"/g, '""')}"`), `title not quoted: ${r.title}`);
  }
  const images = readdirSync(join(dir, 'train_images')).length + readdirSync(join(dir, 'test_images')).length;
  assert.equal(images, result.images);
  const testRows = aq.fromCSV(readFileSync(join(dir, 'test.csv'), 'utf8')).numRows();
  assert.ok(testRows > 0);
  assert.deepEqual(readSyntheticManifest(dir), {
    kind: 'synthetic',
    generator: GENERATOR,
    seed: 7,
    groups: 12,
    imageSize: 64,
    rows: result.rows,
    testRows,
    images,
  });
  const meta = await (await import('sharp')).default(join(dir, 'train_images', rows[0].image)).metadata();
  assert.equal(meta.width, 64);
  assert.equal(meta.height, 64);
});

test('an interrupted generation leaves neither the dataset folder nor its temp folder', async () => {
  const parent = join(root, 'interrupted');
  await assert.rejects(
    generateSyntheticDataset({
      outDir: join(parent, 'set'),
      ...small,
      onProgress: (done) => {
        if (done === 5) throw new Error('stop');
      },
    }),
    /stop/,
  );
  assert.deepEqual(readdirSync(parent), []);
  // A run killed outright leaves its temp folder; the next run removes it once its pid is gone.
  mkdirSync(join(parent, '.set.tmp-999999', 'train_images'), { recursive: true });
  await generateSyntheticDataset({ outDir: join(parent, 'set'), ...small, groups: 2 });
  assert.deepEqual(readdirSync(parent), ['set']);
});

test('ensureSyntheticDataset generates once, then reuses the folder', async () => {
  let generated = 0;
  const opts = { ...small, groups: 3, root: join(root, 'ensure'), onGenerated: () => generated++ };
  const dir = await ensureSyntheticDataset(opts);
  assert.equal(dir, join(root, 'ensure', 'synthetic-s7-g3-i64'));
  assert.equal(await ensureSyntheticDataset(opts), dir);
  assert.equal(generated, 1);
  assert.equal(readSyntheticManifest(dir)?.kind, 'synthetic');
  // A folder left by an older generator version is regenerated rather than trusted.
  const manifestPath = join(dir, 'dataset.json');
  writeFileSync(manifestPath, readFileSync(manifestPath, 'utf8').replace(GENERATOR, 'prodmatch-synthetic@old'));
  await ensureSyntheticDataset(opts);
  assert.equal(generated, 2);
  assert.equal(readSyntheticManifest(dir)?.generator, GENERATOR);
  assert.match(
    syntheticDatasetDir(),
    new RegExp(`datasets[/\\\\]synthetic-s${DEFAULT_SYNTHETIC.seed}-g${DEFAULT_SYNTHETIC.groups}-i${DEFAULT_SYNTHETIC.imageSize}$`),
  );
});

test('rejects bad size knobs with a message naming the option', async () => {
  await assert.rejects(
    generateSyntheticDataset({ outDir: join(root, 'bad'), seed: 1, groups: 0, imageSize: 64 }),
    /--groups must be a positive integer, got 0/,
  );
  await assert.rejects(
    generateSyntheticDataset({ outDir: join(root, 'bad'), seed: 1, groups: 2, imageSize: 8 }),
    /--image-size must be an integer in 32..1024, got 8/,
  );
});

test('group sizes follow the real distribution: ~63% pairs, mean ~3.1, tail up to 51', () => {
  const sizes = drawGroupSizes(1000, new Rng(3));
  const pairs = sizes.filter((s) => s === 2).length / sizes.length;
  const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
  assert.ok(Math.abs(pairs - 5620 / 8860) < 0.01, `pairs ${pairs}`);
  assert.ok(Math.abs(mean - 27402 / 8860) < 0.25, `mean ${mean}`);
  assert.ok(Math.max(...sizes) >= 30 && Math.max(...sizes) <= 51);
});

test('variants of a family share brand and model words but differ in their variant words', () => {
  const rng = new Rng(5);
  const products = buildCatalog(400, rng);
  const family = products.filter((p) => p.family.id === products.find((q) => q.variant === 1)!.family.id);
  assert.ok(family.length >= 2);
  const plain = { caps: 'as-is', promo: 0, filler: 0, typoRate: 0, shuffle: false, english: false } as const;
  const titles = family.map((p) => makeTitle(p, plain, new Rng(9)));
  assert.equal(new Set(titles).size, titles.length, `sibling variants got identical titles: ${titles.join(' | ')}`);
  const words = titles.map((t) => new Set(t.split(' ')));
  const shared = [...words[0]].filter((w) => words[1].has(w)).length;
  assert.ok(shared >= words[0].size / 2, `siblings share too few words: ${titles[0]} | ${titles[1]}`);
  const styled = makeTitle(products[0], sellerStyle(new Rng(1)), new Rng(2));
  assert.equal(styled, makeTitle(products[0], sellerStyle(new Rng(1)), new Rng(2)));
});
