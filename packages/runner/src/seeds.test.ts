import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wordTfidf } from '@prodmatch/features';
import { readResultRows } from '@prodmatch/leaderboard';
import { runExperiment } from './run.ts';
import type { ExperimentSpec } from './spec.ts';
import { miniTextDataset, runFlags } from './testing.ts';

const base = (results: string, data: string): string[] => runFlags(data, results);
const spec: ExperimentSpec = {
  name: 'mini-seeds',
  description: 'test',
  channels: {
    main: { features: wordTfidf({ tokenizer: 'sklearn', weighting: 'binary' }), knn: { k: 10 }, thresholds: [0.3, 0.5, 0.7, 0.9] },
  },
};

test('--seeds runs once per seed and writes one row with their mean, sd and per-seed F1', async () => {
  const data = miniTextDataset();
  const results = mkdtempSync(join(tmpdir(), 'prodmatch-results-'));
  const row = await runExperiment(spec, [...base(results, data), '--seeds', '1,2,3']);
  const single = await Promise.all(
    [1, 2, 3].map((seed) =>
      runExperiment(spec, [...base(mkdtempSync(join(tmpdir(), 'prodmatch-results-')), data), '--seed', String(seed)]),
    ),
  );
  const seeds = row.seeds;
  assert.ok(seeds);
  assert.deepEqual(seeds.values, [1, 2, 3]);
  assert.deepEqual(
    seeds.perSeed.map((r) => [r.seed, r.f1.test, r.f1.val]),
    single.map((r) => [r.seed, r.f1.test, r.f1.val]),
    'each seed scores as a run with --seed',
  );
  const tests = single.map((r) => r.f1.test);
  const mean = tests.reduce((s, v) => s + v, 0) / 3;
  assert.ok(Math.abs(row.f1.test - mean) < 1e-12 && Math.abs(seeds.mean - mean) < 1e-12);
  assert.ok(Math.abs(seeds.sd - Math.sqrt(tests.reduce((s, v) => s + (v - mean) ** 2, 0) / 2)) < 1e-12);
  assert.equal(row.seed, 1);
  assert.equal(row.f1Interval, undefined, 'per-seed intervals only');
  assert.deepEqual(seeds.perSeed[0].f1Interval, single[0].f1Interval);
  assert.deepEqual(readdirSync(join(results, 'mini')).sort(), ['mini-seeds@seeds.json', 'mini-seeds@seeds.predictions.jsonl.gz']);
  assert.deepEqual((await readResultRows(results))[0].seeds, seeds, 'the leaderboard reads the row back');
});

test('--seeds is generic over protocols: with cv each seed is a k-fold run', async () => {
  const data = miniTextDataset();
  const results = mkdtempSync(join(tmpdir(), 'prodmatch-results-'));
  const row = await runExperiment(spec, [...base(results, data), '--protocol', 'cv', '--folds', '3', '--seeds', '5,6']);
  assert.equal(row.protocol, 'cv');
  assert.deepEqual(row.seeds?.values, [5, 6]);
  assert.equal(row.cv, undefined);
  assert.deepEqual(readdirSync(join(results, 'mini')).sort(), ['mini-seeds@cv3@seeds.json', 'mini-seeds@cv3@seeds.predictions.jsonl.gz']);
});

test('bad --seeds stop the run with one line before any work', async () => {
  const data = miniTextDataset();
  const results = mkdtempSync(join(tmpdir(), 'prodmatch-results-'));
  const run = (...args: string[]) => runExperiment(spec, [...base(results, data), ...args]);
  await assert.rejects(run('--seeds', 'a'), /^Error: --seeds must be two or more comma-separated integers, e\.g\. 1,2,3, got "a"$/);
  await assert.rejects(run('--seeds', '1'), /--seeds must be two or more comma-separated integers, e\.g\. 1,2,3, got "1"/);
  await assert.rejects(run('--seeds', '1,2.5'), /--seeds must be two or more comma-separated integers/);
  await assert.rejects(run('--seeds', '1,2,1'), /--seeds 1,2,1: a seed is given twice/);
  await assert.rejects(run('--seeds', '1,2', '--seed', '3'), /--seed and --seeds do not combine/);
  assert.deepEqual(readdirSync(results), []);
});
