import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '@prodmatch/data';
import { runExperiment } from './run.ts';
import { loadExperimentSpec, submit } from './submit.ts';
import { miniTextDataset } from './testing.ts';

// test.csv: 5 new products x 3 postings, unlabelled, with Kaggle's sample_submission.csv beside it.
function withTestCsv(dir: string): string[] {
  const words = ['jam', 'payung', 'bantal', 'sendok', 'piring'];
  const ids: string[] = [];
  const lines = ['posting_id,image,image_phash,title'];
  words.forEach((word, g) => {
    for (let j = 0; j < 3; j++) {
      const id = `test_${g}${j}`;
      ids.push(id);
      const hash = ((BigInt(g + 101) * 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn) ^ BigInt(j);
      lines.push(`${id},t${g}_${j}.jpg,${hash.toString(16).padStart(16, '0')},${word} ${word}${g} murah promo ${j}`);
    }
  });
  writeFileSync(join(dir, 'test.csv'), `${lines.join('\n')}\n`);
  writeFileSync(join(dir, 'sample_submission.csv'), `${['posting_id,matches', ...ids.map((id) => `${id},${id}`)].join('\n')}\n`);
  return ids;
}

test('submit fused-text end to end: thresholds from the split row, a validated submission.csv', async () => {
  const data = miniTextDataset();
  const ids = withTestCsv(data);
  const results = mkdtempSync(join(tmpdir(), 'prodmatch-submit-results-'));
  const out = join(mkdtempSync(join(tmpdir(), 'prodmatch-submit-')), 'submission.csv');
  const common = ['--data', data, '--results', results, '--no-progress'];
  await assert.rejects(
    submit(['fused-text', ...common, '--out', out]),
    /no split-protocol row of fused-text on mini; run `pnpm --filter fused-text run experiment/,
  );
  const row = await runExperiment(await loadExperimentSpec('fused-text'), [...common, '--no-leaderboard']);
  const result = await submit(['fused-text', ...common, '--out', out]);
  assert.equal(result.rows, 15);
  const lines = readFileSync(out, 'utf8').trim().split('\n');
  assert.equal(lines[0], 'posting_id,matches');
  const matches = new Map(lines.slice(1).map((l) => [l.split(',')[0], l.split(',')[1].split(' ')]));
  assert.deepEqual([...matches.keys()].sort(), [...ids].sort());
  for (const id of ids) {
    const product = id.slice(0, 6);
    assert.equal(matches.get(id)?.[0], id, 'self first');
    // Each posting finds the other two postings of its product and nothing else.
    assert.deepEqual(
      matches.get(id)?.slice().sort(),
      ids.filter((other) => other.startsWith(product)).sort(),
      `${id}: ${matches.get(id)?.join(' ')} (thresholds ${JSON.stringify(row.thresholds)})`,
    );
  }
  // --threshold overrides the row; a bad one is refused before anything is written.
  const fixedOut = join(mkdtempSync(join(tmpdir(), 'prodmatch-submit-')), 'submission.csv');
  await submit(['fused-text', ...common, '--out', fixedOut, '--threshold', 'text=0', '--threshold', 'char=0', '--threshold', 'phash=0']);
  assert.ok(readFileSync(fixedOut, 'utf8').split('\n')[1].split(',')[1].split(' ').length <= 2, 'min2 at most at threshold 0');
  const badOut = join(mkdtempSync(join(tmpdir(), 'prodmatch-submit-')), 'submission.csv');
  await assert.rejects(
    submit(['fused-text', ...common, '--out', badOut, '--threshold', 'phash=80', '--threshold', 'text=0', '--threshold', 'char=0']),
    /phash measures Hamming bits, so its threshold must be within 0..64/,
  );
  assert.equal(existsSync(badOut), false);
  await assert.rejects(submit(['no-such-experiment', ...common]), /no experiment "no-such-experiment"; choose one of .*fused-text/);
});

test('submit needs test.csv', async () => {
  const data = miniTextDataset();
  await assert.rejects(
    submit(['text-tfidf', '--data', data, '--threshold', '0.5', '--no-progress']),
    /test.csv: not found; submit predicts Kaggle's test.csv/,
  );
});

test('submit sizes its thresholds for test.csv from the gallery-size curve when it measured the experiment on this train.csv', async () => {
  const data = miniTextDataset();
  withTestCsv(data);
  const results = mkdtempSync(join(tmpdir(), 'prodmatch-submit-results-'));
  const common = ['--data', data, '--results', results, '--no-progress'];
  await runExperiment(await loadExperimentSpec('fused-text'), [...common, '--no-leaderboard']);
  const identity = loadDataset(data).identity;
  const tuned = (rows: number, text: number) => ({ size: rows, rows, thresholds: { text, char: 0.4, phash: 6 }, f1: 0.9 });
  const grid = (from: number, to: number, step: number) =>
    Array.from({ length: Math.round((to - from) / step) + 1 }, (_, i) => Number((from + i * step).toFixed(3)));
  const experiment = {
    experiment: 'fused-text',
    sources: [
      { name: 'text', unit: 'cosine distance', grid: grid(0.2, 0.8, 0.05) },
      { name: 'char', unit: 'cosine distance', grid: grid(0.2, 0.8, 0.05) },
      { name: 'phash', unit: 'Hamming bits', grid: grid(0, 12, 1) },
    ],
    pool: { rows: 36, groups: 12, what: 'all rows' },
    splitRow: null,
    // text: 0.6 at 10 rows, 0.4 at 40: read at test.csv's 15 rows, ln-interpolated, 0.6 - 0.2·ln(1.5)/ln(4) = 0.54 -> 0.55.
    tuned: [tuned(10, 0.6), tuned(40, 0.4)],
    cells: [],
    heldOut: [],
    seconds: 1,
  };
  const run = {
    dataset: identity,
    seed: 42,
    sizes: [10, 40],
    experiments: [experiment],
    command: 'test',
    gitCommit: null,
    finishedAt: new Date(0).toISOString(),
    load: { start: 0, end: 0 },
    seconds: 1,
  };
  mkdirSync(join(results, 'bench'));
  const bench = join(results, 'bench', 'gallery-size.json');
  writeFileSync(bench, JSON.stringify({ format: 'prodmatch-gallery-size', version: 1, runs: [run] }));
  const out = join(mkdtempSync(join(tmpdir(), 'prodmatch-submit-')), 'submission.csv');
  const sized = await submit(['fused-text', ...common, '--out', out]);
  assert.deepEqual(sized.thresholds.values, [0.55, 0.4, 6]);
  assert.match(sized.thresholds.from, /gallery-size curve .* 15 rows is within the measured galleries: interpolated/);
  // A curve measured on another train.csv is not used: the split row's thresholds are, and the log says why.
  writeFileSync(
    bench,
    JSON.stringify({ format: 'prodmatch-gallery-size', version: 1, runs: [{ ...run, dataset: { ...identity, sha256: 'other' } }] }),
  );
  const fallback = await submit(['fused-text', ...common, '--out', out]);
  assert.match(
    fallback.thresholds.from,
    /fused-text\.json, tuned on its val gallery \(no gallery-size curve for fused-text on this train.csv/,
  );
  writeFileSync(bench, '{"format":"prodmatch-gallery-size","version":0,"runs":[]}');
  await assert.rejects(
    submit(['fused-text', ...common, '--out', out]),
    /gallery-size\.json: version 0, this reader knows 1; run `pnpm bench:gallery-size` again/,
  );
});
