import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { miniImageDataset, runExperimentProcess as experiment } from './testing.ts';

const EXPERIMENTS = ['softmax', 'softmax-weighted', 'arcface', 'arcface-weighted', 'cae', 'double-ae'];

test('each image experiment runs end to end on a tiny dataset and writes its row', async () => {
  const data = await miniImageDataset();
  const results = mkdtempSync(join(tmpdir(), 'prodmatch-results-'));
  const checkpoints = mkdtempSync(join(tmpdir(), 'prodmatch-checkpoints-'));
  for (const name of EXPERIMENTS) {
    const args = [
      '--data',
      data,
      '--results',
      results,
      '--no-progress',
      '--no-leaderboard',
      '--epochs',
      '2',
      '--img-size',
      '32',
      '--batch-size',
      '8',
      '--protocol',
      'full',
      '--checkpoints',
      join(checkpoints, name),
    ];
    const { code, stderr } = await experiment(name, args);
    assert.equal(code, 0, `${name} failed:\n${stderr}`);
    const row = JSON.parse(readFileSync(join(results, data.split('/').pop() as string, `${name}@full.json`), 'utf8'));
    assert.equal(row.experiment, name);
    assert.equal(row.backend.name, 'wasm');
    assert.equal(row.dataset.rows, 30);
    assert.ok(row.f1.test >= 0 && row.f1.test <= 1, `${name}: F1 ${row.f1.test}`);
    assert.ok(row.timings.train > 0, `${name}: no training time recorded`);
    assert.match(stderr, /epoch 2\/2/);
  }
});

test('--resume continues from the newest checkpoint instead of training again', async () => {
  const data = await miniImageDataset();
  const results = mkdtempSync(join(tmpdir(), 'prodmatch-results-'));
  const checkpoints = mkdtempSync(join(tmpdir(), 'prodmatch-checkpoints-'));
  const args = [
    '--data',
    data,
    '--results',
    results,
    '--no-progress',
    '--no-leaderboard',
    '--img-size',
    '32',
    '--batch-size',
    '8',
    '--checkpoints',
    checkpoints,
  ];
  assert.equal((await experiment('arcface', [...args, '--epochs', '1'])).code, 0);
  const resumed = await experiment('arcface', [...args, '--epochs', '2', '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /resumed from .* after epoch 1/);
  assert.doesNotMatch(resumed.stderr, /epoch 1\/2/);
  assert.match(resumed.stderr, /epoch 2\/2/);
});

test('a dataset folder without images stops every image experiment at once, saying how many are missing and where', async () => {
  const data = await miniImageDataset(false);
  for (const name of EXPERIMENTS) {
    const { code, stderr } = await experiment(name, [
      '--data',
      data,
      '--results',
      mkdtempSync(join(tmpdir(), 'prodmatch-results-')),
      '--no-progress',
    ]);
    assert.equal(code, 1, name);
    assert.ok(stderr.includes(`${name}: ${join(data, 'train_images')}: 30 of 30 images are missing`), stderr);
    assert.doesNotMatch(stderr, /epoch/);
  }
});
