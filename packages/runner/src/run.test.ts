import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { defineFeature, phash, wordTfidf, type FeatureExtractor } from '@prodmatch/features';
import { runExperiment } from './run.ts';
import type { ExperimentSpec } from './spec.ts';
import { runFlags } from './testing.ts';

// 12 products x 3 postings: titles share product words, phashes differ by a bit within a product.
function miniDataset(): string {
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-runner-'));
  const lines = ['posting_id,image,image_phash,title,label_group'];
  const words = ['kopi', 'sabun', 'tas', 'sepatu', 'kaos', 'botol', 'lampu', 'kabel', 'madu', 'teh', 'susu', 'gula'];
  words.forEach((word, g) => {
    for (let j = 0; j < 3; j++) {
      const hash = ((BigInt(g + 1) * 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn) ^ BigInt(j);
      lines.push(
        `p${g}_${j},img${g}_${j}.jpg,${hash.toString(16).padStart(16, '0')},"${word} ${word}${g} original promo ${j}",${1000 + g}`,
      );
    }
  });
  writeFileSync(join(dir, 'train.csv'), `${lines.join('\n')}\n`);
  return dir;
}

const base = (results: string, data: string): string[] => runFlags(data, results, { leaderboard: true });

test('split protocol writes a complete row and the leaderboard', async () => {
  const data = miniDataset();
  const results = mkdtempSync(join(tmpdir(), 'prodmatch-results-'));
  const spec: ExperimentSpec = {
    name: 'mini-tfidf',
    description: 'test',
    channels: {
      main: { features: wordTfidf({ tokenizer: 'sklearn', weighting: 'binary' }), knn: { k: 10 }, thresholds: [0.3, 0.5, 0.7, 0.9] },
    },
  };
  const row = await runExperiment(spec, base(results, data));
  const name = data.split('/').pop() as string;
  const written = JSON.parse(readFileSync(join(results, name, 'mini-tfidf.json'), 'utf8'));
  assert.deepEqual(written, JSON.parse(JSON.stringify(row)));
  assert.equal(row.protocol, 'split');
  assert.equal(row.dataset.kind, 'real');
  assert.equal(row.dataset.rows, 36);
  assert.equal(row.sweep.length, 4);
  assert.ok(row.f1.test > 0.9 && row.f1.val !== null && row.f1.val > 0.9, JSON.stringify(row.f1));
  const interval = row.f1Interval;
  assert.ok(interval && interval.low <= row.f1.test && row.f1.test <= interval.high && interval.high <= 1, JSON.stringify(interval));
  assert.deepEqual([interval.level, interval.resamples, interval.unit, interval.seed], [0.95, 1000, 'label group', 42]);
  assert.ok(row.timings.total >= row.timings.search);
  assert.match(row.command, /^pnpm --filter mini-tfidf run experiment -- --data /);
  assert.ok(existsSync(join(results, 'LEADERBOARD.md')));
});

test('full protocol and a fixed threshold name their rows apart', async () => {
  const data = miniDataset();
  const results = mkdtempSync(join(tmpdir(), 'prodmatch-results-'));
  const spec: ExperimentSpec = {
    name: 'mini-phash',
    description: 'test',
    channels: { main: { features: phash(), knn: { k: 10 }, thresholds: [0, 1, 2, 4] } },
  };
  const full = await runExperiment(spec, [...base(results, data), '--protocol', 'full', '--no-leaderboard']);
  assert.equal(full.protocol, 'full');
  assert.equal(full.f1.val, null);
  assert.equal(full.f1.test, 1);
  assert.deepEqual([full.f1Interval?.low, full.f1Interval?.high], [1, 1], 'every row right: the interval is [1, 1]');
  const fixed = await runExperiment(spec, ['--', ...base(results, data), '--threshold', '0', '--no-leaderboard']);
  assert.equal(fixed.protocol, 'fixed');
  assert.equal(fixed.threshold, 0);
  const name = data.split('/').pop() as string;
  assert.deepEqual(readdirSync(join(results, name)).sort(), [
    'mini-phash@full.json',
    'mini-phash@full.predictions.jsonl.gz',
    'mini-phash@t0.json',
    'mini-phash@t0.predictions.jsonl.gz',
  ]);
});

test('bad input stops the run with one line and writes nothing', async () => {
  const data = miniDataset();
  const results = mkdtempSync(join(tmpdir(), 'prodmatch-results-'));
  const nan: FeatureExtractor = {
    async extract(postings) {
      const data32 = new Float32Array(postings.length * 2).fill(1);
      data32[2 * 5 + 1] = NaN;
      return { kind: 'dense', matrix: { rows: postings.length, dim: 2, data: data32 } };
    },
  };
  const images: FeatureExtractor = { needsImages: true, extract: nan.extract };
  const spec = (features: FeatureExtractor): ExperimentSpec => ({
    name: 'bad',
    description: 'test',
    channels: { main: { features: defineFeature('test', z.strictObject({}), () => features)(), knn: { k: 5 }, thresholds: [0.5] } },
  });
  await assert.rejects(runExperiment(spec(nan), base(results, data)), /embedding of posting_id "p\d+_\d" contains NaN/);
  await assert.rejects(runExperiment(spec(images), base(results, data)), /train_images: 36 of 36 images are missing/);
  writeFileSync(
    join(data, 'train.csv'),
    'posting_id,image,image_phash,title,label_group\na,a.jpg,94974f937d4c2433,t,1\na,b.jpg,94974f937d4c2433,u,1\n',
  );
  await assert.rejects(runExperiment(spec(nan), base(results, data)), /row 2 \(posting_id "a"\): duplicate posting_id/);
  await assert.rejects(runExperiment(spec(nan), [...base(results, data), '--k', '0']), /--k must be a positive integer/);
  // Every numeric flag is checked, and thresholds against their distance's range, before any work.
  await assert.rejects(runExperiment(spec(nan), [...base(results, data), '--seed', 'abc']), /--seed must be an integer, got "abc"/);
  await assert.rejects(
    runExperiment(spec(nan), [...base(results, data), '--min-matches', '1.5']),
    /--min-matches must be a positive integer, got "1.5"/,
  );
  await assert.rejects(
    runExperiment(spec(nan), [...base(results, data), '--threshold', '-1']),
    /--threshold -1: main measures cosine distance, so its threshold must be within 0..2/,
  );
  await assert.rejects(runExperiment(spec(nan), [...base(results, data), '--threshold', 'x']), /--threshold x: "x" is not a number/);
  await assert.rejects(
    runExperiment(spec(nan), [...base(results, data), '--threshold', 'other=0.3']),
    /no source "other"; this experiment's sources are main/,
  );
  const phashSpec: ExperimentSpec = {
    name: 'bad-phash',
    description: 'test',
    channels: { main: { features: phash(), knn: { k: 5 }, thresholds: [4] } },
  };
  await assert.rejects(
    runExperiment(phashSpec, [...base(results, data), '--threshold', '65']),
    /main measures Hamming bits, so its threshold must be within 0..64/,
  );
  assert.deepEqual(readdirSync(results), []);
});
