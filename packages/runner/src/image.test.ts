import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { miniImageDataset, runExperimentProcess as experiment, runFlags, TINY_IMAGES } from './testing.ts';

const EXPERIMENTS = ['softmax', 'softmax-weighted', 'arcface', 'arcface-weighted', 'cae', 'double-ae'];

/**
 * F1 over all 30 rows after 2 epochs at 32 px, seed 42, wasm backend (deterministic: the same to the last
 * bit on every run). Two epochs this small leave the embeddings nearly collapsed: even at the grid's lowest
 * threshold a posting matches most of the 30 (precision 0.10-0.12, recall 1), and matching all 30 scores
 * 2 x 0.1 / 1.1 = 0.1818 (cae and double-ae sit exactly there). So these catch any change in what the runs
 * compute, not a loss of quality; the falling loss below is the check that training does something.
 */
const F1: Record<string, number> = {
  softmax: 0.2148349053423653,
  'softmax-weighted': 0.20297377424499666,
  arcface: 0.20250788164581265,
  'arcface-weighted': 0.1930197759230017,
  cae: 0.18181818181818174,
  'double-ae': 0.18181818181818174,
};

test('each image experiment runs end to end on a tiny dataset and writes its row', async () => {
  const data = await miniImageDataset();
  const results = mkdtempSync(join(tmpdir(), 'prodmatch-results-'));
  const checkpoints = mkdtempSync(join(tmpdir(), 'prodmatch-checkpoints-'));
  for (const name of EXPERIMENTS) {
    const args = [
      ...runFlags(data, results),
      ...TINY_IMAGES,
      '--epochs',
      '2',
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
    assert.deepEqual(row.f1, { val: null, test: F1[name] }, name);
    const losses = [...stderr.matchAll(/epoch \d\/2: loss (\d+\.\d+)/g)].map((m) => Number(m[1]));
    assert.ok(losses.length === 2 && losses[1] < losses[0], `${name}: the loss falls over the two epochs (${losses})`);
    assert.ok(row.timings.train > 0, `${name}: no training time recorded`);
    assert.match(stderr, /epoch 2\/2/);
  }
});

test('--resume continues from the newest checkpoint instead of training again', async () => {
  const data = await miniImageDataset();
  const results = mkdtempSync(join(tmpdir(), 'prodmatch-results-'));
  const checkpoints = mkdtempSync(join(tmpdir(), 'prodmatch-checkpoints-'));
  const args = [...runFlags(data, results), ...TINY_IMAGES, '--checkpoints', checkpoints];
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
