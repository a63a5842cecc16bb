// The pthreads build of the wasm backend (own process: the thread count is fixed at first init).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as tfc from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { initTf } from './backend.ts';
import { setWasmBackendWithThreads } from './wasm-threads.ts';

test('wasm with 2 XNNPACK threads trains the same conv step as cpu', async () => {
  assert.equal(await setWasmBackendWithThreads(2), 2);
  const { tf } = await initTf({ backend: 'wasm' }); // our kernels, on the already threaded backend
  const x = tf.randomUniform([4, 13, 11, 5], -1, 1, 'float32', 1).arraySync();
  const w = tf.randomUniform([3, 3, 5, 7], -1, 1, 'float32', 2).arraySync();
  const run = async (name: 'cpu' | 'wasm') => {
    await tf.setBackend(name);
    return tf.tidy(() => {
      const f = (a: tfc.Tensor, b: tfc.Tensor) => tf.sum(tf.square(tf.relu(tf.conv2d(a as tfc.Tensor4D, b as tfc.Tensor4D, 1, 'same'))));
      const [gx, gw] = tf.grads(f)([tf.tensor(x), tf.tensor(w)]);
      return [gx.dataSync(), gw.dataSync()] as Float32Array[];
    });
  };
  const want = await run('cpu');
  const got = await run('wasm');
  want.forEach((g, i) => {
    const scale = g.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-3);
    const err = g.reduce((m, v, j) => Math.max(m, Math.abs(v - got[i][j])), 0) / scale;
    assert.ok(err < 1e-4, `gradient ${i}: relative error ${err}`);
  });
});

test('asking for threads after the backend was initialised is an error', async () => {
  await assert.rejects(setWasmBackendWithThreads(3), /already initialised/);
});
