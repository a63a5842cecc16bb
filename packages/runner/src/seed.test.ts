// A seed fixes the split and every random draw of training, so the same seed gives the same F1. The image
// side (arcface, seeded init, sampling and dropout) is checked in interrupt.test.ts, where a run resumed
// twice must end at the F1 of an uninterrupted run with the same seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { miniTextDataset, runExperimentProcess, runFlags } from './testing.ts';

test('glove (seeded GloVe training, seeded split): the same seed gives the same F1 and sweep', async () => {
  const data = miniTextDataset();
  const outcome = async (seed: number) => {
    const results = mkdtempSync(join(tmpdir(), 'prodmatch-results-'));
    const run = await runExperimentProcess('glove', [...runFlags(data, results), '--seed', String(seed)]);
    assert.equal(run.code, 0, run.stderr);
    const row = JSON.parse(readFileSync(join(results, basename(data), 'glove.json'), 'utf8'));
    return { seed: row.seed, f1: row.f1, threshold: row.threshold, precision: row.precision, recall: row.recall, sweep: row.sweep };
  };
  const [first, second, other] = await Promise.all([outcome(7), outcome(7), outcome(8)]);
  assert.deepEqual(first, second);
  assert.equal(other.seed, 8);
  assert.notDeepEqual(other.sweep, first.sweep, 'another seed draws another split and other vectors');
});
