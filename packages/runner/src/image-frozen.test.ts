// Frozen-backbone training and pretrained weights, through the experiment processes: a backbone saved
// by one experiment is frozen under others, whose backbone features come from a shared cache; bad
// weights stop a run with one line and no row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initTf } from '@prodmatch/tf';
import { efficientNet, saveKerasWeights } from '@prodmatch/vision';
import { miniImageDataset, runExperimentProcess as experiment, runFlags, TINY_IMAGES } from './testing.ts';

const common = (data: string, results: string) => [...runFlags(data, results), ...TINY_IMAGES, '--protocol', 'full'];

test('--save-backbone, then --weights DIR --freeze backbone: heads train over cached backbone features, shared between experiments', async () => {
  const data = await miniImageDataset();
  const results = mkdtempSync(join(tmpdir(), 'prodmatch-results-'));
  const backbone = join(mkdtempSync(join(tmpdir(), 'prodmatch-backbone-')), 'softmax');
  const saved = await experiment('softmax', [
    ...common(data, results),
    '--epochs',
    '1',
    '--save-backbone',
    backbone,
    '--checkpoints',
    mkdtempSync(join(tmpdir(), 'prodmatch-ck-')),
  ]);
  assert.equal(saved.code, 0, saved.stderr);
  assert.ok(existsSync(join(backbone, 'model.json')), saved.stderr);

  // A seed of its own makes this test's cache entries new, whatever earlier runs left in .cache/features.
  const seed = String(1000 + Math.floor(Math.random() * 1e6));
  const frozen = ['--weights', backbone, '--freeze', 'backbone', '--epochs', '2', '--seed', seed];
  const first = await experiment('arcface', [
    ...common(data, results),
    ...frozen,
    '--checkpoints',
    mkdtempSync(join(tmpdir(), 'prodmatch-ck-')),
  ]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /feature cache miss: computed train backbone features \(30 x 128\)/);
  assert.match(first.stderr, /over frozen 128-d backbone features/);
  const second = await experiment('softmax-weighted', [
    ...common(data, results),
    ...frozen,
    '--checkpoints',
    mkdtempSync(join(tmpdir(), 'prodmatch-ck-')),
  ]);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /feature cache hit: train backbone features \(30 x 128\)/);
  assert.doesNotMatch(second.stderr, /feature cache miss/);
  const row = JSON.parse(readFileSync(join(results, data.split('/').pop() as string, 'softmax-weighted@full.json'), 'utf8'));
  assert.equal(row.params.channels.main.config.freeze, 'backbone');
  assert.ok(row.f1.test >= 0 && row.f1.test <= 1);
});

test('a corrupt .h5, an .h5 of another variant and an unreachable download each stop the run with one line and write no row', async () => {
  const data = await miniImageDataset();
  const results = mkdtempSync(join(tmpdir(), 'prodmatch-results-'));
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-bad-weights-'));
  writeFileSync(join(dir, 'corrupt.h5'), Buffer.alloc(4096, 7));
  await initTf({ backend: 'wasm' });
  // A port nothing listens on any more (fetch refuses well-known ports such as 9 outright).
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  const b0 = efficientNet('b0', { inputSize: 32 });
  await saveKerasWeights(b0, join(dir, 'b0.h5'));
  b0.dispose();
  const cases: { args: string[]; env?: NodeJS.ProcessEnv; error: RegExp }[] = [
    { args: ['--backbone', 'b0', '--weights', join(dir, 'corrupt.h5')], error: /corrupt\.h5: not an HDF5 file/ },
    {
      args: ['--backbone', 'b1', '--weights', join(dir, 'b0.h5')],
      error: /b0\.h5: no weights for layer 'block1b_dwconv' \(efficientnetb1 expects depthwise_kernel \[3, 3, 16, 1\]\)/,
    },
    {
      args: ['--backbone', 'b0', '--pretrained', 'imagenet'],
      env: { PRODMATCH_WEIGHTS_URL: `http://127.0.0.1:${port}/`, PRODMATCH_CACHE: join(dir, 'cache') },
      error: /cannot reach http:\/\/127\.0\.0\.1:\d+\/efficientnetb0_notop\.h5 \(ECONNREFUSED\); without internet, pass --weights FILE\.h5/,
    },
  ];
  for (const c of cases) {
    const run = await experiment('arcface', [...common(data, results), '--epochs', '1', ...c.args], c.env);
    assert.equal(run.code, 1, run.stderr);
    const lines = run.stderr.split('\n').filter((line) => c.error.test(line));
    assert.equal(lines.length, 1, run.stderr);
    assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace');
  }
  assert.deepEqual(readdirSync(results, { recursive: true }), []);
});
