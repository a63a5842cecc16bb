import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
