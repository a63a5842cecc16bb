import assert from 'node:assert/strict';
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { leaderboardMarkdown, readResultRows, sweepChartSpec, sweepOverlaySpec, ResultRowError } from './index.ts';
import { makeRow, REAL } from './test-rows.ts';

const interval = { low: 0.8431, high: 0.8577, level: 0.95, resamples: 1000, unit: 'label group' as const, seed: 42 };

test('the leaderboard shows a row\'s test F1 with its interval, and rows without one as before', () => {
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
  assert.match(overlay, /"kind":"chosen","unit":"cosine distance","experiment":"fused","threshold":0\.3,"f1":0\.8506,"low":0\.8431,"high":0\.8577/);
  assert.match(overlay, /"type":"errorbar"/);
});

test('a row with a malformed interval is refused with one line naming the field', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'prodmatch-intervals-'));
  await mkdir(join(dir, 'shopee'));
  const file = join(dir, 'shopee', 'fused.json');
  await writeFile(file, JSON.stringify(makeRow('fused', REAL, 0.85, { f1Interval: interval })));
  assert.deepEqual((await readResultRows(dir))[0].f1Interval, interval);
  await writeFile(file, JSON.stringify(makeRow('fused', REAL, 0.85, { f1Interval: { ...interval, high: 0.8 } })));
  await assert.rejects(readResultRows(dir), (error: Error) => error instanceof ResultRowError && /field "f1Interval\.high" must be >= f1Interval\.low \(0\.8431\), got 0\.8/.test(error.message));
  await writeFile(file, JSON.stringify({ ...makeRow('fused', REAL, 0.85), f1Interval: { ...interval, unit: 'row' } }));
  await assert.rejects(readResultRows(dir), /field "f1Interval\.unit" must be "label group", got "row"/);
});
