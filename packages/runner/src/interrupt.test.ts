// Interrupted runs lose nothing (DESIGN.md: rows are written atomically, the leaderboard under a lock):
// a SIGINT or SIGTERM in the middle of training or of writing leaves only complete rows, a leaderboard
// that parses, no *.tmp and no lock; --resume continues from the last checkpoint and ends at the F1 of an
// uninterrupted run with the same seed; two experiments that finish together both reach the leaderboard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { regenerateLeaderboard } from '@prodmatch/leaderboard';
import { makeRow, writeRow, REAL } from '@prodmatch/results/testing';
import { leftovers, miniImageDataset, miniTextDataset, runExperimentProcess, startExperiment } from './testing.ts';

const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * The leaderboard's tables, by dataset heading: every table row has as many cells as its header, and
 * each row names its experiment. Throws on a truncated or interleaved file.
 */
function parseLeaderboard(markdown: string): Record<string, string[]> {
  assert.match(markdown, /^# prodmatch leaderboard\n/);
  const tables: Record<string, string[]> = {};
  let dataset = '';
  let columns = 0;
  for (const line of markdown.split('\n')) {
    const heading = /^## (\S+)/.exec(line);
    if (heading) dataset = heading[1];
    if (line.startsWith('| # |')) columns = line.split(' | ').length;
    const row = /^\| \d+ \| \[?([\w@.-]+)/.exec(line);
    if (!row) continue;
    assert.equal(line.split(' | ').length, columns, `row with a different number of cells: ${line}`);
    assert.ok(line.endsWith(' |'), `row cut short: ${line}`);
    (tables[dataset] ??= []).push(row[1]);
  }
  return tables;
}

/** Every row file under results/ parses and names its experiment (predictions, charts and the leaderboard's score cache aside). */
function completeRows(results: string): string[] {
  return readdirSync(results, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.json') && !path.startsWith('charts') && !path.startsWith('.cache') && !path.endsWith('.vl.json'))
    .map((path) => {
      const row = JSON.parse(readFileSync(join(results, path), 'utf8')) as { experiment: string; f1: { test: number } };
      assert.ok(typeof row.experiment === 'string' && row.f1.test >= 0 && row.f1.test <= 1, path);
      return path;
    })
    .sort();
}

const checkpointEpochs = (dir: string): number[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .flatMap((f) => (/^epoch-(\d+)\.json$/.exec(f) ? [Number(/^epoch-(\d+)/.exec(f)?.[1])] : []))
        .sort((a, b) => a - b)
    : [];

async function untilCheckpoint(dir: string, epoch: number, exited: () => boolean): Promise<void> {
  while (!checkpointEpochs(dir).some((e) => e >= epoch)) {
    assert.ok(!exited(), `the run ended before checkpoint ${epoch}`);
    await sleep(20);
  }
}

test('SIGINT, then SIGTERM, mid-training: nothing partial is left, and --resume continues from the last checkpoint to the F1 of an uninterrupted run', async () => {
  const data = await miniImageDataset();
  const results = mkdtempSync(join(tmpdir(), 'prodmatch-results-'));
  const checkpoints = mkdtempSync(join(tmpdir(), 'prodmatch-checkpoints-'));
  const args = (ckpt: string, out: string) => [
    '--data',
    data,
    '--results',
    out,
    '--no-progress',
    '--epochs',
    '5',
    '--img-size',
    '32',
    '--batch-size',
    '8',
    '--seed',
    '7',
    '--checkpoints',
    ckpt,
  ];

  let resumeFrom = 0;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const run = startExperiment('arcface', [...args(checkpoints, results), ...(resumeFrom > 0 ? ['--resume'] : [])]);
    let exited = false;
    void run.exit.then(() => (exited = true));
    if (resumeFrom > 0) await run.waitFor(new RegExp(`resumed from .* after epoch ${resumeFrom}\\b`));
    await untilCheckpoint(checkpoints, resumeFrom + 1, () => exited);
    run.child.kill(signal);
    assert.equal(await run.exit, SIGNAL_EXIT[signal], run.stderr());
    assert.deepEqual(leftovers(results), [], `${signal}: temp files or lock in results/`);
    assert.deepEqual(leftovers(checkpoints), [], `${signal}: temp files in the checkpoints`);
    assert.deepEqual(completeRows(results), [], `${signal}: no row before the run finishes`);
    assert.ok(!existsSync(join(results, 'LEADERBOARD.md')));
    const epochs = checkpointEpochs(checkpoints);
    assert.ok(epochs.length > 0 && epochs[epochs.length - 1] > resumeFrom, `${signal}: checkpoints ${epochs}`);
    resumeFrom = epochs[epochs.length - 1];
  }
  assert.ok(resumeFrom < 5, 'the interrupts came before the last epoch');

  const resumed = await runExperimentProcess('arcface', [...args(checkpoints, results), '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, new RegExp(`resumed from .* after epoch ${resumeFrom}\\b`));
  assert.doesNotMatch(resumed.stderr, new RegExp(`epoch ${resumeFrom}/5`));
  assert.match(resumed.stderr, /epoch 5\/5/);
  const name = basename(data);
  assert.deepEqual(completeRows(results), [join(name, 'arcface.json')]);
  assert.deepEqual(parseLeaderboard(readFileSync(join(results, 'LEADERBOARD.md'), 'utf8')), { [name]: ['arcface'] });
  assert.deepEqual(leftovers(results), []);

  // The same seed without interruptions: the same F1 and sweep (resume is exact, training is seeded).
  const straight = mkdtempSync(join(tmpdir(), 'prodmatch-results-'));
  const uninterrupted = await runExperimentProcess('arcface', [
    ...args(mkdtempSync(join(tmpdir(), 'prodmatch-checkpoints-')), straight),
    '--no-leaderboard',
  ]);
  assert.equal(uninterrupted.code, 0, uninterrupted.stderr);
  const outcome = (dir: string) => {
    const row = JSON.parse(readFileSync(join(dir, name, 'arcface.json'), 'utf8'));
    return { f1: row.f1, threshold: row.threshold, precision: row.precision, recall: row.recall, sweep: row.sweep };
  };
  assert.deepEqual(outcome(results), outcome(straight));
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} while the leaderboard is being written leaves complete files, no temp file and no lock`, async () => {
    const data = miniTextDataset();
    const results = mkdtempSync(join(tmpdir(), 'prodmatch-results-'));
    // Rows whose charts are not drawn yet, so the regeneration after the row is written takes a while.
    for (let i = 0; i < 24; i++) await writeRow(results, makeRow(`fixture-${i}`, REAL, 0.4 + i / 100));
    const run = startExperiment('text-tfidf', ['--data', data, '--results', results, '--no-progress']);
    await run.waitFor(/F1 test .* -> /);
    run.child.kill(signal);
    assert.equal(await run.exit, SIGNAL_EXIT[signal], `the signal came after the leaderboard was written:\n${run.stderr()}`);
    assert.deepEqual(leftovers(results), []);
    assert.ok(completeRows(results).includes(join(basename(data), 'text-tfidf.json')), 'the row written before the signal is whole');
    if (existsSync(join(results, 'LEADERBOARD.md'))) parseLeaderboard(readFileSync(join(results, 'LEADERBOARD.md'), 'utf8'));
    // The next regeneration neither waits for a stale lock nor finds anything half-written.
    await regenerateLeaderboard(results, { lock: { timeoutMs: 2000 } });
    const tables = parseLeaderboard(readFileSync(join(results, 'LEADERBOARD.md'), 'utf8'));
    assert.ok(tables[basename(data)].includes('text-tfidf') && tables.shopee.length === 24, JSON.stringify(tables));
  });
}

test('two experiments that finish at the same moment both land on the leaderboard', async () => {
  const data = miniTextDataset();
  const results = mkdtempSync(join(tmpdir(), 'prodmatch-results-'));
  const runs = await Promise.all(
    ['text-tfidf', 'phash'].map((name) => runExperimentProcess(name, ['--data', data, '--results', results, '--no-progress'])),
  );
  for (const run of runs) assert.equal(run.code, 0, run.stderr);
  const name = basename(data);
  assert.deepEqual(completeRows(results), [join(name, 'phash.json'), join(name, 'text-tfidf.json')]);
  assert.deepEqual(parseLeaderboard(readFileSync(join(results, 'LEADERBOARD.md'), 'utf8'))[name].sort(), ['phash', 'text-tfidf']);
  assert.deepEqual(leftovers(results), []);
});
