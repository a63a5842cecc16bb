import assert from 'node:assert/strict';
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ResultRowError } from '@prodmatch/results';
import { leaderboardMarkdown, readResultRows, sweepChartSpec, sweepOverlaySpec } from './index.ts';
import { makeRow, REAL } from '@prodmatch/results/testing';

const interval = { low: 0.8431, high: 0.8577, level: 0.95, resamples: 1000, unit: 'label group' as const, seed: 42 };

test("the leaderboard shows a row's test F1 with its interval, and rows without one as before", () => {
  const markdown = leaderboardMarkdown([makeRow('fused', REAL, 0.8506, { f1Interval: interval }), makeRow('phash', REAL, 0.55)]);
  assert.match(markdown, /\| \*\*0\.8506\*\* \[0\.843, 0\.858\] \|/);
  assert.match(markdown, /\| \*\*0\.550\*\* \|/);
  assert.match(markdown, /95% interval, a seeded bootstrap over label groups/);
});

test('sweep charts draw the interval as an error bar at the chosen threshold', () => {
  const row = makeRow('fused', REAL, 0.8506, { f1Interval: interval });
  const spec = JSON.stringify(sweepChartSpec(row));
  assert.match(spec, /"type":"errorbar"/);
  assert.match(spec, /\{"threshold":0\.3,"low":0\.8431,"high":0\.8577\}/);
  assert.doesNotMatch(JSON.stringify(sweepChartSpec(makeRow('phash', REAL, 0.55))), /errorbar/);
  const overlay = JSON.stringify(sweepOverlaySpec([row, makeRow('phash', REAL, 0.55)]));
  assert.match(
    overlay,
    /"kind":"chosen","unit":"cosine distance","experiment":"fused","threshold":0\.3,"f1":0\.8506,"low":0\.8431,"high":0\.8577/,
  );
  assert.match(overlay, /"type":"errorbar"/);
});

test('a row with a malformed interval is refused with one line naming the field', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'prodmatch-evaluation-'));
  await mkdir(join(dir, 'shopee'));
  const file = join(dir, 'shopee', 'fused.json');
  await writeFile(file, JSON.stringify(makeRow('fused', REAL, 0.85, { f1Interval: interval })));
  assert.deepEqual((await readResultRows(dir))[0].f1Interval, interval);
  await writeFile(file, JSON.stringify(makeRow('fused', REAL, 0.85, { f1Interval: { ...interval, high: 0.8 } })));
  await assert.rejects(
    readResultRows(dir),
    (error: Error) =>
      error instanceof ResultRowError && /field "f1Interval\.high" must be >= f1Interval\.low \(0\.8431\), got 0\.8/.test(error.message),
  );
  await writeFile(file, JSON.stringify({ ...makeRow('fused', REAL, 0.85), f1Interval: { ...interval, unit: 'row' } }));
  await assert.rejects(readResultRows(dir), /field "f1Interval\.unit" must be "label group", got "row"/);
});

const cv = {
  folds: 2,
  perFold: [
    { fold: 1, rows: 100, groups: 40, thresholds: { text: 0.5 }, f1: { val: 0.85, test: 0.84 } },
    { fold: 2, rows: 110, groups: 40, thresholds: { text: 0.475 }, f1: { val: 0.83, test: 0.86 } },
  ],
  mean: 0.85,
  sd: 0.0141,
  pooled: { f1: 0.8512, thresholds: { text: 0.5 } },
};
const seeds = {
  values: [1, 2, 3],
  perSeed: [1, 2, 3].map((seed, i) => ({ seed, f1: { val: 0.7, test: 0.69 + i * 0.01 }, thresholds: { main: 0.3 }, f1Interval: interval })),
  mean: 0.7,
  sd: 0.01,
};

test("cv rows list their folds' mean ± sd and pooled F1; --seeds rows show mean ± sd", () => {
  const markdown = leaderboardMarkdown([
    makeRow('fused-text', REAL, 0.8512, { protocol: 'cv', f1: { val: null, test: 0.8512 }, f1Interval: interval, cv }),
    makeRow('arcface', REAL, 0.7, { seeds }),
  ]);
  assert.match(
    markdown,
    /- \*\*fused-text\*\*: 2 folds' test F1 \*\*0\.8500 ± 0\.0141\*\* \(mean ± sd; each at its val-tuned thresholds: 0\.8400 \(text=0\.5\) · 0\.8600 \(text=0\.475\)\); pooled out-of-fold \*\*0\.8512\*\* at text=0\.5/,
  );
  assert.match(markdown, /\| \*\*0\.7000\*\* ± 0\.0100 \(3 seeds\) \|/);
  assert.match(
    markdown,
    /- \*\*arcface\*\*: 3 seeds' F1 \*\*0\.7000 ± 0\.0100\*\* \(mean ± sd\): seed 1 0\.6900 \[0\.843, 0\.858\] · seed 2 0\.7000/,
  );
});

test('cv and --seeds rows read back; a cv row without its folds is refused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'prodmatch-evaluation-'));
  await mkdir(join(dir, 'shopee'));
  const file = join(dir, 'shopee', 'fused-text@cv.json');
  const row = makeRow('fused-text', REAL, 0.8512, { protocol: 'cv', f1: { val: null, test: 0.8512 }, cv, seeds });
  await writeFile(file, JSON.stringify(row));
  const [read] = await readResultRows(dir);
  assert.deepEqual([read.cv, read.seeds], [cv, seeds]);
  await writeFile(file, JSON.stringify({ ...row, cv: undefined }));
  await assert.rejects(readResultRows(dir), /field "cv" must be the folds of a cv row, missing/);
  await writeFile(file, JSON.stringify({ ...row, cv: { ...cv, folds: 3 } }));
  await assert.rejects(readResultRows(dir), /field "cv\.perFold" must be 3 folds \(cv\.folds\), got 2/);
});
