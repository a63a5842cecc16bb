// Start-up is a feature: a text run loads text code only. The run is recorded module by module (a
// node:module hook, scripts/record-modules.mjs) and fails on any module of the image or tensor stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.ts';
import { miniTextDataset } from './testing.ts';

const HEAVY =
  /@tensorflow[\\/]|[\\/]sharp[\\/]|@img[\\/]sharp|[\\/]h5wasm[\\/]|packages[\\/](vision|text-encoder[\\/]src[\\/](encoder|bag)|tf)[\\/]/;

function loadedModules(experiment: string, args: string[]): string[] {
  const log = join(mkdtempSync(join(tmpdir(), 'prodmatch-modules-')), 'modules.log');
  const run = spawnSync(
    process.execPath,
    ['--import', join(REPO_ROOT, 'scripts', 'record-modules.mjs'), '--import', 'tsx', 'experiment.ts', ...args],
    {
      cwd: join(REPO_ROOT, 'experiments', experiment),
      env: { ...process.env, PRODMATCH_MODULES_LOG: log },
      encoding: 'utf8',
    },
  );
  assert.equal(run.status, 0, run.stderr);
  return [...new Set(readFileSync(log, 'utf8').trim().split('\n'))];
}

test('a text-idf run, leaderboard included, loads no module of tfjs, sharp, h5wasm or the image packages', () => {
  const data = miniTextDataset();
  const results = mkdtempSync(join(tmpdir(), 'prodmatch-results-'));
  const modules = loadedModules('text-idf', ['--data', data, '--results', results, '--no-progress']);
  assert.ok(
    modules.some((m) => m.includes('packages/features/src/word-tfidf.ts')),
    "the recording sees the run's own modules",
  );
  assert.deepEqual(
    modules.filter((m) => HEAVY.test(m)),
    [],
  );
});

test('the recording does see heavy modules where a process loads them (a positive control)', () => {
  const log = join(mkdtempSync(join(tmpdir(), 'prodmatch-modules-')), 'modules.log');
  const run = spawnSync(
    process.execPath,
    ['--import', join(REPO_ROOT, 'scripts', 'record-modules.mjs'), '--input-type=module', '-e', "await import('sharp')"],
    {
      cwd: join(REPO_ROOT, 'packages', 'data'),
      env: { ...process.env, PRODMATCH_MODULES_LOG: log },
      encoding: 'utf8',
    },
  );
  assert.equal(run.status, 0, run.stderr);
  assert.ok(
    readFileSync(log, 'utf8')
      .split('\n')
      .some((m) => HEAVY.test(m)),
    'sharp was loaded and must be seen',
  );
});
