import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pairedGroupBootstrap } from '@prodmatch/metrics';
import { writePredictions, type PredictionRow, type PredictionsHeader } from '@prodmatch/results';
import { comparePaired, readResultRows, regenerateLeaderboard, rowScores } from './index.ts';
import type { ResultRow } from '@prodmatch/results';
import { makeRow, REAL } from '@prodmatch/results/testing';

const CLI = fileURLToPath(new URL('./compare-cli.ts', import.meta.url));

// Six test postings in three groups: g1 = {a, b, c}, g2 = {d}, g3 = {e, f}.
const postings = [
  ['a', 'g1'],
  ['b', 'g1'],
  ['c', 'g1'],
  ['d', 'g2'],
  ['e', 'g3'],
  ['f', 'g3'],
] as const;

function header(row: ResultRow, name: string, rows: number): PredictionsHeader {
  return {
    format: 'prodmatch-predictions',
    version: 1,
    experiment: row.experiment,
    rowName: name,
    dataset: { name: row.dataset.name, sha256: row.dataset.sha256 },
    protocol: row.protocol,
    gallery: 'test',
    rows,
    lists: [{ name: 'main', unit: 'cosine distance', source: true, threshold: 0.3, minMatches: 1, grid: [0.3] }],
    combiner: { name: 'union', params: {} },
    recomputable: false,
    minMatches: 1,
    cap: 50,
  };
}

/** Writes a row and its predictions file; `matches[i]` are indices into `order` (the file's gallery order). */
async function writeRowWithPredictions(
  dir: string,
  name: string,
  row: ResultRow,
  matches: number[][],
  order = [0, 1, 2, 3, 4, 5],
): Promise<void> {
  await mkdir(join(dir, row.dataset.name), { recursive: true });
  await writeFile(join(dir, row.dataset.name, `${name}.json`), JSON.stringify(row));
  const rows: PredictionRow[] = order.map((p, i) => ({
    postingId: postings[p][0],
    labelGroup: postings[p][1],
    neighbours: {},
    matches: matches[i],
  }));
  await writePredictions(join(dir, row.dataset.name, `${name}.predictions.jsonl.gz`), header(row, name, rows.length), rows);
}

// A: a {a,b} 2·2/(2+3)=0.8; b {b,a,c} 1; c {c} 0.5; d {d} 1; e {e,f} 1; f {f,d} 0.5.
const matchesA = [[0, 1], [1, 0, 2], [2], [3], [4, 5], [5, 3]];
const f1A = [0.8, 1, 0.5, 1, 1, 0.5];
// B, stored in another order (f, e, d, c, b, a): f {f,e} 1; e {e} 2/3; d {d,e} 2/3; c {c,b,a} 1; b {b} 0.5; a {a} 0.5.
const orderB = [5, 4, 3, 2, 1, 0];
const matchesB = [[0, 1], [1], [2, 1], [3, 4, 5], [4], [5]];
const f1B = [0.5, 0.5, 1, 2 / 3, 2 / 3, 1]; // in posting order a..f

test('compare pairs the postings by id and bootstraps their per-row F1 differences (equal to a direct computation)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'prodmatch-paired-'));
  await writeRowWithPredictions(dir, 'alpha', makeRow('alpha', REAL, 0.8), matchesA);
  await writeRowWithPredictions(dir, 'beta', makeRow('beta', REAL, 0.72), matchesB, orderB);
  const [alpha, beta] = await readResultRows(dir);
  const a = await rowScores(dir, alpha);
  assert.deepEqual(
    Array.from(a.f1).map((v) => Number(v.toFixed(12))),
    f1A,
  );
  const c = comparePaired(a, await rowScores(dir, beta));
  const direct = pairedGroupBootstrap(
    f1A,
    f1B,
    postings.map((p) => p[1]),
    { seed: 42 },
  );
  assert.ok(Math.abs(c.paired.difference - direct.difference) < 1e-12);
  assert.ok(Math.abs(c.paired.low - direct.low) < 1e-12 && Math.abs(c.paired.high - direct.high) < 1e-12, `${c.paired.low} ${direct.low}`);
  assert.ok(Math.abs(c.f1A - 0.8) < 1e-12 && Math.abs(c.f1B - (0.5 + 0.5 + 1 + 2 / 3 + 2 / 3 + 1) / 6) < 1e-12);
  assert.deepEqual([c.rows, c.groups], [6, 3]);

  const run = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'alpha', 'beta', '--results', dir, '--dataset', 'shopee'], {
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /alpha vs beta on shopee \(split, seed 42; 6 test postings in 3 label groups/);
  assert.match(
    run.stdout,
    /A − B = \+0\.0778 \[[−+±]\d\.\d{4}, [−+±]\d\.\d{4}\] \(95% paired bootstrap over label groups, 1000 resamples, seed 42\)/,
  );
  assert.match(run.stdout, /P\(A > B\) = \d\.\d{3}/);
});

test('identical predictions give exactly 0 [0, 0]; rows made on other rows are refused in one line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'prodmatch-paired-'));
  await writeRowWithPredictions(dir, 'alpha', makeRow('alpha', REAL, 0.8), matchesA);
  await writeRowWithPredictions(dir, 'twin', makeRow('twin', REAL, 0.8), matchesA);
  await writeRowWithPredictions(dir, 'reseeded', makeRow('reseeded', REAL, 0.8, { seed: 7 }), matchesA);
  await writeRowWithPredictions(dir, 'other-csv', makeRow('other-csv', { ...REAL, sha256: 'c'.repeat(64) }, 0.8), matchesA);
  await writeRowWithPredictions(dir, 'fewer', makeRow('fewer', REAL, 0.8), [[0], [1], [2], [3], [4]], [0, 1, 2, 3, 4]);
  const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args, '--results', dir], { encoding: 'utf8' });
  const same = cli('alpha', 'twin');
  assert.equal(same.status, 0, same.stderr);
  assert.match(same.stdout, /A − B = ±0\.0000 \[±0\.0000, ±0\.0000\]/);
  assert.match(same.stdout, /P\(A > B\) = 0\.500; the interval includes 0/);
  const refusals: [string, RegExp][] = [
    ['reseeded', /^compare: cannot pair them: alpha was split with seed 42, reseeded with seed 7: their test groups differ\n$/],
    [
      'other-csv',
      /^compare: cannot pair them: alpha and other-csv were made on different train\.csv files \(sha256 aaaaaaaaaaaa vs cccccccccccc\); re-run the older one\n$/,
    ],
    [
      'fewer',
      /^compare: cannot pair them: alpha reports 6 postings, fewer 5, 1 of A's not in B \(e\.g\. f\); they were not made on the same split\n$/,
    ],
    ['nope', /^compare: no row nope on shopee; rows: alpha, fewer, other-csv, reseeded, twin\n$/],
  ];
  for (const [other, message] of refusals) {
    const result = cli('alpha', other);
    assert.equal(result.status, 1);
    assert.match(result.stderr, message);
  }
  assert.match(cli('alpha').stderr, /give two rows, A and B/);
});

test('the leaderboard marks the rows whose paired difference from the best includes zero', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'prodmatch-paired-'));
  await writeRowWithPredictions(dir, 'alpha', makeRow('alpha', REAL, 0.8), matchesA);
  await writeRowWithPredictions(dir, 'twin', makeRow('twin', REAL, 0.8), matchesA);
  // Worse than alpha on every group (d also predicts a): its difference's interval is below zero.
  await writeRowWithPredictions(dir, 'worse', makeRow('worse', REAL, 0.61), [[0], [1], [2], [3, 0], [4], [5]]);
  await writeRow(dir, makeRow('no-predictions', REAL, 0.5));
  await regenerateLeaderboard(dir);
  const markdown = await readFile(join(dir, 'LEADERBOARD.md'), 'utf8');
  const cellOf = (name: string) =>
    markdown
      .split('\n')
      .find((l) => new RegExp(`^\\| \\d+ \\| \\[?${name}[\\]| ]`).test(l))
      ?.split(' | ')[5];
  assert.equal(cellOf('alpha'), 'best');
  assert.equal(cellOf('twin'), '±0.0000 [±0.000, ±0.000] **tied**');
  assert.match(cellOf('worse') ?? '', /^−0\.\d{4} \[−0\.\d{3}, −0\.\d{3}\]$/);
  assert.equal(cellOf('no-predictions'), '—');
});

async function writeRow(dir: string, row: ResultRow): Promise<void> {
  await mkdir(join(dir, row.dataset.name), { recursive: true });
  await writeFile(join(dir, row.dataset.name, `${row.experiment}.json`), JSON.stringify(row));
}

test('per-row scores are cached beside the results and re-read when the predictions file changes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'prodmatch-paired-'));
  await writeRowWithPredictions(dir, 'alpha', makeRow('alpha', REAL, 0.8), matchesA);
  const [alpha] = await readResultRows(dir);
  const first = await rowScores(dir, alpha);
  const cached = JSON.parse(await readFile(join(dir, '.cache', 'row-scores', 'shopee', 'alpha.json'), 'utf8'));
  assert.deepEqual(cached.postingIds, ['a', 'b', 'c', 'd', 'e', 'f']);
  assert.deepEqual(Array.from((await rowScores(dir, alpha)).f1), Array.from(first.f1), 'the cached scores read back exactly');
  await writeRowWithPredictions(dir, 'alpha', makeRow('alpha', REAL, 0.8), [[0, 1, 2], [1, 0, 2], [2, 0, 1], [3], [4, 5], [5, 4]]);
  assert.deepEqual(Array.from((await rowScores(dir, alpha)).f1), [1, 1, 1, 1, 1, 1]);
  assert.deepEqual(await readResultRows(dir), [alpha], 'the cache is no row');
});
