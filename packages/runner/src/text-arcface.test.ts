import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { miniTextDataset, runExperimentProcess } from './testing.ts';

const TINY = ['--batch-size', '8', '--dim', '16', '--min-df', '1', '--lr-max', '0.01', '--no-progress', '--no-leaderboard'];

test('text-arcface end to end on a mini dataset: trains, checkpoints, writes its row; --resume continues from the checkpoint', async () => {
  const data = miniTextDataset();
  const results = mkdtempSync(join(tmpdir(), 'prodmatch-results-'));
  const checkpoints = mkdtempSync(join(tmpdir(), 'prodmatch-checkpoints-'));
  const args = ['--data', data, '--results', results, '--checkpoints', checkpoints, ...TINY];
  const first = await runExperimentProcess('text-arcface', [...args, '--epochs', '2']);
  assert.equal(first.code, 0, first.stderr);
  const row = JSON.parse(readFileSync(join(results, basename(data), 'text-arcface.json'), 'utf8'));
  assert.equal(row.experiment, 'text-arcface');
  assert.ok(row.f1.test > 0 && row.f1.test <= 1, `test F1 ${row.f1.test}`);
  const [folder] = readdirSync(checkpoints);
  assert.match(folder, /^text-arcface-[0-9a-f]{16}$/);
  const files = readdirSync(join(checkpoints, folder)).sort();
  // vision's epoch checkpoints, and the embedding table's own file per saved step (text-encoder/table-file.ts).
  assert.deepEqual(
    files.filter((f) => f.startsWith('epoch-')),
    ['epoch-001.bin', 'epoch-001.json', 'epoch-002.bin', 'epoch-002.json'],
  );
  assert.equal(files.filter((f) => /^table-[0-9a-f]+-step-\d+\.bin$/.test(f)).length, 2, files.join(', '));
  assert.equal(files.length, 6, files.join(', '));

  const resumed = await runExperimentProcess('text-arcface', [...args, '--epochs', '3', '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /resumed from .* after epoch 2\b/);
  assert.match(resumed.stderr, /epoch 3\/3/);
});
