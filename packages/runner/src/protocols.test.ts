import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { Posting } from '@prodmatch/data';
import { defineFeature, wordTfidf, type FeatureExtractor } from '@prodmatch/features';
import { matchScores } from '@prodmatch/metrics';
import { readPredictions } from '@prodmatch/results';
import { runExperiment } from './run.ts';
import type { ExperimentSpec } from './spec.ts';
import { miniTextDataset, runFlags } from './testing.ts';

const base = (results: string, data: string): string[] => runFlags(data, results);
const textSpec: ExperimentSpec = {
  name: 'mini-cv',
  description: 'test',
  channels: {
    main: { features: wordTfidf({ tokenizer: 'sklearn', weighting: 'binary' }), knn: { k: 10 }, thresholds: [0.3, 0.5, 0.7, 0.9] },
  },
};

test('cv: every posting out of fold once, folds summarised, pooled F1 equal to its predictions file scored again', async () => {
  const data = miniTextDataset();
  const results = mkdtempSync(join(tmpdir(), 'prodmatch-results-'));
  const row = await runExperiment(textSpec, [...base(results, data), '--protocol', 'cv', '--folds', '3']);
  assert.equal(row.protocol, 'cv');
  assert.equal(row.f1.val, null);
  const cv = row.cv;
  assert.ok(cv);
  assert.equal(cv.folds, 3);
  assert.deepEqual(
    cv.perFold.map((f) => [f.fold, f.groups]),
    [
      [1, 4],
      [2, 4],
      [3, 4],
    ],
  );
  assert.equal(
    cv.perFold.reduce((n, f) => n + f.rows, 0),
    36,
  );
  const tests = cv.perFold.map((f) => f.f1.test);
  assert.ok(Math.abs(cv.mean - tests.reduce((s, v) => s + v, 0) / 3) < 1e-12);
  assert.equal(cv.pooled.f1, row.f1.test);
  assert.deepEqual(cv.pooled.thresholds, row.thresholds);
  assert.ok(row.f1Interval && row.f1Interval.low <= row.f1.test && row.f1.test <= row.f1Interval.high);
  assert.deepEqual(readdirSync(join(results, 'mini')).sort(), ['mini-cv@cv3.json', 'mini-cv@cv3.predictions.jsonl.gz']);
  const { header, rows } = await readPredictions(join(results, 'mini', 'mini-cv@cv3.predictions.jsonl.gz'));
  assert.deepEqual([header.protocol, header.gallery, header.rows], ['cv', 'all rows', 36]);
  assert.deepEqual(rows.map((r) => r.postingId).sort(), Array.from({ length: 36 }, (_, i) => `p${Math.floor(i / 3)}_${i % 3}`).sort());
  const rescored = matchScores(
    rows.map((r) => r.matches),
    rows.map((r) => r.labelGroup as string),
  );
  assert.ok(Math.abs(rescored.f1 - row.f1.test) < 1e-12, `${rescored.f1} vs ${row.f1.test}`);
});

test('cv with a feature that learns: fits once per fold, never on the fold tested or its val fold', async () => {
  const data = miniTextDataset();
  const results = mkdtempSync(join(tmpdir(), 'prodmatch-results-'));
  const fits: Set<string>[] = [];
  const extracts: Set<string>[] = [];
  const groupsOf = (postings: readonly Posting[]) => new Set(postings.map((p) => p.labelGroup as string));
  const extractor: FeatureExtractor = {
    async fit(train) {
      fits.push(groupsOf(train));
    },
    async extract(postings) {
      extracts.push(groupsOf(postings));
      const data32 = new Float32Array(postings.length * 16);
      postings.forEach((p, i) => (data32[i * 16 + (Number(p.labelGroup) % 16)] = 1));
      return { kind: 'dense', matrix: { rows: postings.length, dim: 16, data: data32 } };
    },
  };
  const spec: ExperimentSpec = {
    name: 'mini-learns',
    description: 'test',
    channels: { main: { features: defineFeature('test', z.strictObject({}), () => extractor)(), knn: { k: 5 }, thresholds: [0.1, 0.5] } },
  };
  const row = await runExperiment(spec, [...base(results, data), '--protocol', 'cv', '--folds', '4']);
  assert.equal(fits.length, 4);
  // Per fold: val gallery then test gallery, both after that fold's fit.
  assert.equal(extracts.length, 8);
  fits.forEach((train, f) => {
    const [val, tested] = [extracts[2 * f], extracts[2 * f + 1]];
    assert.equal(train.size, 6, 'trained on 2 of 4 folds (12 groups)');
    for (const g of [...val, ...tested]) assert.ok(!train.has(g), `fold ${f + 1} trained on group ${g}`);
  });
  assert.equal(row.f1.test, 1);
  assert.deepEqual(
    row.cv?.perFold.map((f) => f.f1.test),
    [1, 1, 1, 1],
  );
});

test('bad --folds, and flags that do not combine with cv, stop the run with one line before any work', async () => {
  const data = miniTextDataset();
  const results = mkdtempSync(join(tmpdir(), 'prodmatch-results-'));
  const run = (...args: string[]) => runExperiment(textSpec, [...base(results, data), ...args]);
  await assert.rejects(run('--protocol', 'cv', '--folds', '1'), /^Error: --folds must be an integer >= 2, got "1"$/);
  await assert.rejects(run('--protocol', 'cv', '--folds', 'x'), /--folds must be an integer >= 2, got "x"/);
  await assert.rejects(run('--folds', '3'), /--folds 3: folds are for --protocol cv \(this run's protocol is split\)/);
  await assert.rejects(run('--protocol', 'cv', '--threshold', '0.5'), /--threshold does not combine with --protocol cv/);
  await assert.rejects(
    run('--protocol', 'cv', '--folds', '13'),
    /13 group folds need at least 13 label groups, the data has 12; use fewer --folds/,
  );
  assert.deepEqual(readdirSync(results), []);
});
