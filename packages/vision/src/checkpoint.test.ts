import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initTf } from '@prodmatch/tf';
import { loadLatestCheckpoint, saveCheckpoint } from './checkpoint.ts';

test('saving removes the temp files a killed run left, and the newest checkpoint of the key loads back', async () => {
  const { tf } = await initTf({ backend: 'cpu' });
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-ckpt-'));
  writeFileSync(join(dir, 'epoch-002.bin.tmp'), 'half a checkpoint');
  writeFileSync(join(dir, 'epoch-002.json.tmp'), '{"key":');
  const tensor = tf.tensor1d([1, 2, 3]);
  await saveCheckpoint(tf, dir, 'k', { epoch: 1, tensors: [{ name: 'w', tensor }] });
  await saveCheckpoint(tf, dir, 'k', { epoch: 2, tensors: [{ name: 'w', tensor: tf.tensor1d([2, 4, 6]) }] });
  assert.deepEqual(readdirSync(dir).sort(), ['epoch-001.bin', 'epoch-001.json', 'epoch-002.bin', 'epoch-002.json']);
  const loaded = loadLatestCheckpoint(tf, dir, 'k');
  assert.equal(loaded?.epoch, 2);
  assert.deepEqual(Array.from(await (loaded as NonNullable<typeof loaded>).tensors[0].tensor.data()), [2, 4, 6]);
  assert.equal(loadLatestCheckpoint(tf, dir, 'other settings'), null);
});
