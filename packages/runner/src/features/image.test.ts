import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { REPO_ROOT } from '../paths.ts';

const run = promisify(execFile);

// 10 products x 3 postings; a product is a colour and a shape, its postings move and resize it.
async function miniImageDataset(withImages = true): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-images-'));
  mkdirSync(join(dir, 'train_images'));
  const colours = ['#e6194b', '#3cb44b', '#ffe119', '#4363d8', '#f58231', '#911eb4', '#46f0f0', '#f032e6', '#bcf60c', '#008080'];
  const lines = ['posting_id,image,image_phash,title,label_group'];
  for (let g = 0; g < colours.length; g++) {
    for (let j = 0; j < 3; j++) {
      const image = `g${g}_${j}.jpg`;
      const shape = g % 2 === 0 ? `<circle cx="${28 + 4 * j}" cy="32" r="${18 - j}" fill="${colours[g]}"/>` : `<rect x="${12 + 3 * j}" y="14" width="${34 - j}" height="${30 + j}" fill="${colours[g]}"/>`;
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="${j === 2 ? '#fafafa' : '#ffffff'}"/>${shape}</svg>`;
      if (withImages) await sharp(Buffer.from(svg)).jpeg().toFile(join(dir, 'train_images', image));
      lines.push(`p${g}_${j},${image},${(g * 3 + j).toString(16).padStart(16, '0')},product ${g},${100 + g}`);
    }
  }
  writeFileSync(join(dir, 'train.csv'), lines.join('\n') + '\n');
  return dir;
}

async function experiment(name: string, args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'experiments', name, 'experiment.ts'), ...args], {
      cwd: join(REPO_ROOT, 'experiments', name),
      env: { ...process.env, PRODMATCH_BACKEND: 'wasm' },
    });
    return { code: 0, stderr };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

const EXPERIMENTS = ['softmax', 'softmax-weighted', 'arcface', 'arcface-weighted', 'cae', 'double-ae'];

test('each image experiment runs end to end on a tiny dataset and writes its row', async () => {
  const data = await miniImageDataset();
  const results = mkdtempSync(join(tmpdir(), 'prodmatch-results-'));
  const checkpoints = mkdtempSync(join(tmpdir(), 'prodmatch-checkpoints-'));
  for (const name of EXPERIMENTS) {
    const args = ['--data', data, '--results', results, '--no-progress', '--no-leaderboard', '--epochs', '2', '--img-size', '32', '--batch-size', '8', '--protocol', 'full', '--checkpoints', join(checkpoints, name)];
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
  const args = ['--data', data, '--results', results, '--no-progress', '--no-leaderboard', '--img-size', '32', '--batch-size', '8', '--checkpoints', checkpoints];
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
    const { code, stderr } = await experiment(name, ['--data', data, '--results', mkdtempSync(join(tmpdir(), 'prodmatch-results-')), '--no-progress']);
    assert.equal(code, 1, name);
    assert.ok(stderr.includes(`${name}: ${join(data, 'train_images')}: 30 of 30 images are missing`), stderr);
    assert.doesNotMatch(stderr, /epoch/);
  }
});
