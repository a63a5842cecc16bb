import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectFailedWrite } from '@prodmatch/results/testing';
import { initTf } from '@prodmatch/tf';
import { loadLatestCheckpoint, saveCheckpoint } from './checkpoint.ts';

test('saving removes the temp files a killed run left, and the newest checkpoint of the key loads back', async () => {
  const { tf } = await initTf({ backend: 'cpu' });
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-ckpt-'));
  writeFileSync(join(dir, 'epoch-002.bin.tmp'), 'half a checkpoint');
  writeFileSync(join(dir, 'epoch-002.json.tmp'), '{"key":');
  writeFileSync(join(dir, 'epoch-003.bin.4242.0badcafe.tmp'), 'half of another');
  const tensor = tf.tensor1d([1, 2, 3]);
  await saveCheckpoint(tf, dir, 'k', { epoch: 1, tensors: [{ name: 'w', tensor }] });
  await saveCheckpoint(tf, dir, 'k', { epoch: 2, tensors: [{ name: 'w', tensor: tf.tensor1d([2, 4, 6]) }] });
  assert.deepEqual(readdirSync(dir).sort(), ['epoch-001.bin', 'epoch-001.json', 'epoch-002.bin', 'epoch-002.json']);
  const loaded = loadLatestCheckpoint(tf, dir, 'k');
  assert.equal(loaded?.epoch, 2);
  assert.deepEqual(Array.from(await (loaded as NonNullable<typeof loaded>).tensors[0].tensor.data()), [2, 4, 6]);
  assert.equal(loadLatestCheckpoint(tf, dir, 'other settings'), null);
});

test('a checkpoint whose write fails part-way leaves the checkpoints on disk byte for byte, no temp file, and a one-line error', async () => {
  const { tf } = await initTf({ backend: 'cpu' });
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-ckpt-'));
  await saveCheckpoint(tf, dir, 'k', { epoch: 1, tensors: [{ name: 'w', tensor: tf.tensor1d([1, 2, 3]) }] });
  const json = readFileSync(join(dir, 'epoch-001.json'));
  // Re-saving epoch 1 (its tensors fail half-way), then saving epoch 2 (its .json, the commit marker, fails).
  const error = await expectFailedWrite(join(dir, 'epoch-001.bin'), () =>
    saveCheckpoint(tf, dir, 'k', { epoch: 1, tensors: [{ name: 'w', tensor: tf.tensor1d([7, 8, 9]) }] }),
  );
  assert.match(error.message, /epoch-001\.bin: no space left/);
  assert.ok(json.equals(readFileSync(join(dir, 'epoch-001.json'))));
  await expectFailedWrite(
    join(dir, 'epoch-002.json'),
    () => saveCheckpoint(tf, dir, 'k', { epoch: 2, tensors: [{ name: 'w', tensor: tf.tensor1d([2, 4, 6]) }] }),
    { code: 'EIO' },
  );
  const loaded = loadLatestCheckpoint(tf, dir, 'k');
  assert.equal(loaded?.epoch, 1, 'epoch 2 has no .json, so it is not a checkpoint');
  assert.deepEqual(Array.from(await (loaded as NonNullable<typeof loaded>).tensors[0].tensor.data()), [1, 2, 3]);
});
