import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jointGridSpec } from './charts.ts';
import { regenerateLeaderboard } from './regenerate.ts';
import { parseResultRow, type ResultRow } from '@prodmatch/results';
import { makeRow, REAL, writeRow } from '@prodmatch/results/testing';

function fusedRow(): ResultRow {
  const points = [];
  for (const x of [0.3, 0.4, 0.5])
    for (const y of [4, 8]) points.push({ x, y, f1: Number((0.8 - (x - 0.4) ** 2 - ((y - 8) / 40) ** 2).toFixed(4)) });
  return makeRow('fused-mini', REAL, 0.74, {
    threshold: 0.4,
    thresholds: { text: 0.4, phash: 8 },
    channels: [
      { name: 'text', unit: 'cosine distance', params: { features: 'tfidf' }, threshold: 0.4, f1: { val: 0.71, test: 0.7 } },
      { name: 'phash', unit: 'Hamming bits', params: { features: 'image_phash' }, threshold: 8, f1: { val: 0.61, test: 0.6 } },
    ],
    combiner: { name: 'union', params: {} },
    jointGrid: { x: 'text', y: 'phash', xUnit: 'cosine distance', yUnit: 'Hamming bits', on: 'val', points },
  });
}

test('a fused row round-trips through the row reader, and a broken joint grid is named', () => {
  const row = fusedRow();
  assert.deepEqual(parseResultRow(JSON.stringify(row), 'f.json'), row);
  const broken = { ...row, jointGrid: { ...row.jointGrid, on: 'test' } };
  assert.throws(() => parseResultRow(JSON.stringify(broken), 'f.json'), /f.json: field "jointGrid.on" must be one of "val", "all rows"/);
  const noF1 = { ...row, channels: [{ ...row.channels![0], f1: { val: null, test: 2 } }] };
  assert.throws(() => parseResultRow(JSON.stringify(noF1), 'f.json'), /field "channels\[0\].f1.test" must be a finite number in \[0, 1\]/);
});

test('a two-source row gets a joint-threshold heatmap and a per-channel line on the leaderboard', async () => {
  const results = await mkdtemp(join(tmpdir(), 'prodmatch-fused-lb-'));
  await writeRow(results, fusedRow());
  await writeRow(results, makeRow('text-tfidf', REAL, 0.68));
  await regenerateLeaderboard(results);
  const markdown = readFileSync(join(results, 'LEADERBOARD.md'), 'utf8');
  assert.match(markdown, /\| text=0\.4, phash=8 \|/);
  assert.match(markdown, /- \*\*fused-mini\*\* \(union\): text 0\.700 at 0\.4 · phash 0\.600 at 8 → fused \*\*0\.740\*\*/);
  assert.match(markdown, /!\[fused-mini: F1 over both thresholds\]\(charts\/shopee\/fused-mini\.joint\.png\)/);
  assert.ok(existsSync(join(results, 'charts', 'shopee', 'fused-mini.joint.png')));
  assert.ok(!existsSync(join(results, 'charts', 'shopee', 'text-tfidf.joint.png')), 'single-channel rows have no heatmap');
  // The spec as JSON (what the .vl.json file holds), read at the fields this test looks at.
  const spec: { layer: { data: { values: { x: number; y: number }[] } }[] } = JSON.parse(JSON.stringify(jointGridSpec(fusedRow())));
  assert.equal(spec.layer[0].data.values.length, 6);
  assert.deepEqual(spec.layer[1].data.values, [{ x: 0.4, y: 8, label: 'chosen' }]);
});
