import assert from 'node:assert/strict';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { compile } from 'vega-lite';
import { GallerySizeError, parseGallerySizeBench, type GallerySizeBench, type GallerySizeExperiment } from '@prodmatch/results';
import { REAL } from '@prodmatch/results/testing';
import { gallerySizeChartSpec, gallerySizeMarkdown } from './gallery-size.ts';
import { regenerateLeaderboard } from './regenerate.ts';

const experiment: GallerySizeExperiment = {
  experiment: 'fused-text',
  sources: [
    { name: 'text', unit: 'cosine distance', grid: [0.4, 0.5, 0.6] },
    { name: 'phash', unit: 'Hamming bits', grid: [6, 8] },
  ],
  pool: { rows: 27402, groups: 8858, what: 'all rows (the experiment fits nothing)' },
  splitRow: { thresholds: { text: 0.5, phash: 8 }, valRows: 5500 },
  tuned: [
    { size: 1000, rows: 1003, thresholds: { text: 0.6, phash: 8 }, f1: 0.9 },
    { size: 27402, rows: 27402, thresholds: { text: 0.4, phash: 6 }, f1: 0.8 },
  ],
  cells: [
    { tunedSize: 0, scoredSize: 1000, scoredRows: 1010, f1: 0.88 },
    { tunedSize: 1000, scoredSize: 1000, scoredRows: 1010, f1: 0.89 },
    { tunedSize: 27402, scoredSize: 1000, scoredRows: 1010, f1: 0.85 },
    { tunedSize: 0, scoredSize: 27402, scoredRows: 27402, f1: 0.79 },
    { tunedSize: 1000, scoredSize: 27402, scoredRows: 27402, f1: 0.75 },
    { tunedSize: 27402, scoredSize: 27402, scoredRows: 27402, f1: 0.8 },
  ],
  heldOut: [
    {
      size: 27402,
      rows: 27402,
      fitSizes: [1000],
      fitted: { thresholds: { text: 0.6, phash: 8 }, f1: 0.75 },
      splitRow: { thresholds: { text: 0.5, phash: 8 }, f1: 0.79 },
      tunedHere: { thresholds: { text: 0.4, phash: 6 }, f1: 0.8 },
      gain: { difference: -0.04, low: -0.05, high: -0.03, pGreater: 0, resamples: 1000, seed: 42 },
    },
  ],
  seconds: 12,
};
const bench: GallerySizeBench = {
  format: 'prodmatch-gallery-size',
  version: 1,
  runs: [
    {
      dataset: REAL,
      seed: 42,
      sizes: [1000, 27402],
      experiments: [experiment],
      command: 'pnpm bench:gallery-size',
      gitCommit: 'abc',
      finishedAt: '2026-12-04T21:00:00.000Z',
      load: { start: 3, end: 4 },
      seconds: 30,
    },
  ],
};

test('the gallery-size table: tuned sets down, scored sizes across, the best of each column in bold, the held-out gain', () => {
  const lines = gallerySizeMarkdown(bench, new Map());
  assert.ok(lines.includes('| thresholds | text · phash | F1 @ 1010 | F1 @ 27402 |'), lines.join('\n'));
  assert.ok(lines.includes('| split row (val 5500 rows) | text=0.5 phash=8 | 0.8800 | 0.7900 |'));
  assert.ok(lines.includes('| tuned at 1003 rows | text=0.6 phash=8 | **0.8900** | 0.7500 |'));
  assert.ok(lines.includes('| tuned at 27402 rows | text=0.4 phash=6 | 0.8500 | **0.8000** |'));
  const held = lines.find((l) => l.startsWith('- Held out 27402 rows'));
  assert.match(
    held ?? '',
    /score 0\.7500, the split row's 0\.7900: −0\.0400 \[−0\.0500, −0\.0300\].*here the same rows: in sample\) 0\.8000/,
  );
  assert.deepEqual(gallerySizeMarkdown(null, new Map()), [], 'no benchmark, no section');
});

test('the gallery-size chart compiles: one line per tuned set over the scored rows (log scale)', () => {
  const spec = gallerySizeChartSpec(bench.runs[0], experiment);
  const compiled = compile(spec).spec;
  const data = compiled.data?.find((d) => Array.isArray((d as { values?: unknown }).values)) as {
    values: { tuned: string; rows: number }[];
  };
  assert.equal(data.values.length, 6);
  assert.deepEqual(
    [...new Set(data.values.map((v) => v.tuned))],
    ['split row (val 5500 rows)', 'tuned at 1003 rows', 'tuned at 27402 rows'],
  );
});

test('regenerateLeaderboard adds the section and draws its chart from results/bench/gallery-size.json', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'prodmatch-gallery-size-'));
  try {
    await mkdir(join(dir, 'bench'));
    await writeFile(join(dir, 'bench', 'gallery-size.json'), JSON.stringify(bench));
    await regenerateLeaderboard(dir);
    const markdown = await readFile(join(dir, 'LEADERBOARD.md'), 'utf8');
    assert.match(
      markdown,
      /## Thresholds and gallery size[\s\S]*#### fused-text on shopee[\s\S]*!\[fused-text: F1 by scored gallery size, per tuned size\]\(charts\/shopee\/gallery-size\.fused-text\.png\)/,
    );
    await access(join(dir, 'charts', 'shopee', 'gallery-size.fused-text.png'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('parseGallerySizeBench refuses another format and a tuned set without a threshold for a source, in one line', () => {
  assert.throws(
    () => parseGallerySizeBench('{"format":"x"}', 'g.json'),
    /g\.json: format is "x", expected "prodmatch-gallery-size"; run `pnpm bench:gallery-size` again/,
  );
  const missing = structuredClone(bench);
  missing.runs[0].experiments[0].tuned[0].thresholds = { text: 0.6 };
  assert.throws(
    () => parseGallerySizeBench(JSON.stringify(missing), 'g.json'),
    (e: Error) => e instanceof GallerySizeError && /set tuned at 1000 rows has no threshold for phash/.test(e.message),
  );
  assert.equal(parseGallerySizeBench(JSON.stringify(bench), 'g.json').runs[0].experiments[0].tuned.length, 2);
});
