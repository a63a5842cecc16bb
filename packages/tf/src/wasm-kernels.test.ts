// Each wasm training kernel against the cpu backend's kernel on random tensors (the convolutions are in
// wasm-conv-kernels.test.ts).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as tfc from '@tensorflow/tfjs-core';
import { compare, random, relError, wasmTf, type Tf } from './kernel-testing.ts';
import {
  WASM_TRAINING_GRADIENTS,
  WASM_TRAINING_GRADIENT_NAMES,
  WASM_TRAINING_KERNELS,
  WASM_TRAINING_KERNEL_NAMES,
} from './kernels/index.ts';

let tf: Tf;

before(async () => {
  tf = await wasmTf();
});

test('Tile (memcpy doubling) matches cpu for odd shapes, leading/middle/trailing axes and int32', async () => {
  let seed = 200;
  for (const { shape, reps } of [
    { shape: [1, 1, 1, 5], reps: [3, 7, 5, 1] },
    { shape: [3, 1, 1, 7], reps: [1, 5, 3, 1] },
    { shape: [2, 3, 4], reps: [3, 1, 2] },
    { shape: [5], reps: [9] },
    { shape: [3, 2], reps: [1, 1] },
  ]) {
    await compare('Tile', { x: random(shape, seed++) }, { reps });
    const ints = Int32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i * 7 - 3);
    const want: number[][] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await tf.setBackend(backend);
      want.push(Array.from(tf.tile(tf.tensor(ints, shape, 'int32'), reps).dataSync()));
    }
    assert.deepEqual(want[1], want[0], `int32 tile ${JSON.stringify({ shape, reps })}`);
  }
});

test('Identity shares the buffer: the copy outlives the original and keeps its values', async () => {
  await tf.setBackend('wasm');
  const a = tf.tensor([1, 2, 3, 4], [2, 2]);
  const before = tf.engine().backend.numDataIds();
  const b = tf.clone(a);
  assert.equal(tf.engine().backend.numDataIds(), before, 'Identity allocated a buffer');
  a.dispose();
  assert.deepEqual(Array.from(await b.data()), [1, 2, 3, 4]);
  b.dispose();
});

test('Cast to the same dtype shares the buffer; to another dtype it converts', async () => {
  await tf.setBackend('wasm');
  const a = tf.tensor([1.5, -2.25, 3], [3]);
  const buffers = () => tf.engine().backend.numDataIds();
  const before = buffers();
  const same = tf.cast(a, 'float32');
  assert.equal(buffers(), before, 'same-dtype Cast allocated a buffer');
  const toInt = tf.cast(a, 'int32');
  assert.equal(buffers(), before + 1);
  a.dispose();
  assert.deepEqual(Array.from(await same.data()), [1.5, -2.25, 3]);
  assert.equal(toInt.dtype, 'int32');
  assert.deepEqual(Array.from(await toInt.data()), [1, -2, 3]);
  tf.dispose([same, toInt]);
});

test('FusedBatchNorm (x * a + b form) matches cpu with and without scale/offset, and falls back for other shapes', async () => {
  const c = 6;
  const x = random([2, 5, 3, c], 400);
  const stats = (seed: number, shape: number[] = [c]) => random(shape, seed);
  const positive = (t: { shape: number[]; values: Float32Array }) => ({ shape: t.shape, values: t.values.map((v) => v + 0.6) });
  const attrs = { varianceEpsilon: 1e-3 };
  await compare('FusedBatchNorm', { x, mean: stats(401), variance: positive(stats(402)), offset: stats(403), scale: stats(404) }, attrs);
  await compare('FusedBatchNorm', { x, mean: stats(405), variance: positive(stats(406)) }, attrs);
  await compare(
    'FusedBatchNorm',
    { x: random([7, c], 407), mean: stats(408, [1, c]), variance: positive(stats(409, [1, c])), scale: stats(410, [1, c]) },
    attrs,
  );
  // one statistic for all channels: the stock kernel's path
  await compare('FusedBatchNorm', { x: random([4, 5], 411), mean: stats(412, [1]), variance: positive(stats(413, [1])) }, attrs);
});

test('gradients of mean / sum / batch-norm through tf.grads match cpu', async () => {
  const x = random([3, 5, 7, 4], 300);
  const scale = random([4], 301);
  const offset = random([4], 302);
  const grads = async (backend: 'cpu' | 'wasm') => {
    await tf.setBackend(backend);
    return tf.tidy(() => {
      const f = (a: tfc.Tensor, g: tfc.Tensor, b: tfc.Tensor) => {
        const { mean, variance } = tf.moments(a, [0, 1, 2]);
        const y = tf.batchNorm(a, mean, variance, b, g, 1e-3);
        const pooled = tf.mean(tf.square(y), [1, 2]); // global average pooling: middle axes
        return tf.add(tf.sum(tf.mul(pooled, pooled)), tf.sum(tf.mul(tf.sum(a, [0, 3]), 0.1)));
      };
      return tf
        .grads(f)([tf.tensor(x.values, x.shape), tf.tensor(scale.values, scale.shape), tf.tensor(offset.values, offset.shape)])
        .map((g) => g.dataSync() as Float32Array);
    });
  };
  const want = await grads('cpu');
  const got = await grads('wasm');
  want.forEach((g, i) => assert.ok(relError(got[i], g) < 1e-4, `grad ${i}: ${relError(got[i], g)}`));
});

test('UnsortedSegmentSum and the gradient of gather (an embedding bag) match cpu, out-of-range ids dropped', async () => {
  const x = random([7, 3, 2], 400);
  const table = random([5, 4], 401);
  const ids = [2, 0, 2, -1, 3, 4, 2];
  const rows = [4, 4, 0, 1, 3, 1, 2, 4];
  const run = async (backend: 'cpu' | 'wasm') => {
    await tf.setBackend(backend);
    return tf.tidy(() => {
      const summed = tf.unsortedSegmentSum(tf.tensor(x.values, x.shape), tf.tensor1d(ids, 'int32'), 4);
      const ints = tf.unsortedSegmentSum(
        tf.tensor2d(
          [
            [1, 2],
            [3, 4],
            [5, 6],
          ],
          [3, 2],
          'int32',
        ),
        tf.tensor1d([1, 1, 0], 'int32'),
        2,
      );
      const bag = (t: tfc.Tensor) =>
        tf.sum(
          tf.square(tf.unsortedSegmentSum(tf.gather(t, tf.tensor1d(rows, 'int32')), tf.tensor1d([0, 0, 1, 1, 1, 2, 2, 2], 'int32'), 3)),
        );
      const [grad] = tf.grads(bag)([tf.tensor(table.values, table.shape)]);
      return {
        summed: summed.dataSync() as Float32Array,
        shape: summed.shape,
        ints: Array.from(ints.dataSync()),
        grad: grad.dataSync() as Float32Array,
      };
    });
  };
  const want = await run('cpu');
  const got = await run('wasm');
  assert.deepEqual(got.shape, [4, 3, 2]);
  assert.ok(relError(got.summed, want.summed) < 1e-6, `sum: ${relError(got.summed, want.summed)}`);
  assert.deepEqual(got.ints, [5, 6, 4, 6]);
  assert.ok(relError(got.grad, want.grad) < 1e-5, `gather gradient: ${relError(got.grad, want.grad)}`);
});

test('BatchMatMul with transposed operands (explicit Transpose, then the plain kernel) matches cpu', async () => {
  for (const [transposeA, transposeB] of [
    [true, false],
    [false, true],
    [true, true],
  ]) {
    const a = random(transposeA ? [2, 7, 5] : [2, 5, 7], 500);
    const b = random(transposeB ? [2, 3, 7] : [2, 7, 3], 501);
    await compare('BatchMatMul', { a, b }, { transposeA, transposeB });
  }
});

test('GatherV2 along axis 0 (row copies) matches cpu for float32 and int32; other axes fall back; bad indices are named', async () => {
  const run = async (backend: 'cpu' | 'wasm') => {
    await tf.setBackend(backend);
    return tf.tidy(() => {
      const x = tf.tensor(random([6, 3, 2], 600).values, [6, 3, 2]);
      const rows = tf.gather(
        x,
        tf.tensor2d(
          [
            [5, 0],
            [2, 2],
          ],
          [2, 2],
          'int32',
        ),
      );
      const ints = tf.gather(
        tf.tensor2d(
          [
            [1, 2],
            [3, 4],
            [5, 6],
          ],
          [3, 2],
          'int32',
        ),
        tf.tensor1d([2, 0, 2], 'int32'),
      );
      const columns = tf.gather(x, tf.tensor1d([1, 0], 'int32'), 1);
      return {
        rows: rows.dataSync() as Float32Array,
        shape: rows.shape,
        ints: Array.from(ints.dataSync()),
        columns: columns.dataSync() as Float32Array,
      };
    });
  };
  const want = await run('cpu');
  const got = await run('wasm');
  assert.deepEqual(got.shape, [2, 2, 3, 2]);
  assert.deepEqual(Array.from(got.rows), Array.from(want.rows));
  assert.deepEqual(got.ints, [5, 6, 1, 2, 5, 6]);
  assert.deepEqual(Array.from(got.columns), Array.from(want.columns));
  await tf.setBackend('wasm');
  assert.throws(
    () => tf.tidy(() => tf.gather(tf.zeros([3, 2]), tf.tensor1d([0, 3], 'int32')).dataSync()),
    /index 3 at position 1 is outside \[0, 2\]/,
  );
});

test('every kernel and gradient under kernels/ is in the register-all arrays, registered, and named once', async () => {
  const isKernel = (v: unknown): v is tfc.KernelConfig => typeof v === 'object' && v !== null && 'kernelName' in v && 'kernelFunc' in v;
  const isGradient = (v: unknown): v is tfc.GradConfig => typeof v === 'object' && v !== null && 'kernelName' in v && 'gradFunc' in v;
  const dir = new URL('./kernels/', import.meta.url);
  const kernels: tfc.KernelConfig[] = [];
  const gradients: tfc.GradConfig[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort()) {
    const exported: Record<string, unknown> = await import(new URL(file, dir).href);
    for (const value of Object.values(exported)) {
      if (isKernel(value)) {
        assert.equal(file, `${value.kernelName}.ts`, 'a kernel lives in the file named after it');
        kernels.push(value);
      } else if (isGradient(value)) {
        assert.equal(file, `${value.kernelName}_grad.ts`, 'a gradient lives in <kernel>_grad.ts');
        gradients.push(value);
      }
    }
  }
  for (const k of kernels) assert.ok(WASM_TRAINING_KERNELS.includes(k), `${k.kernelName} is missing from WASM_TRAINING_KERNELS`);
  for (const g of gradients) assert.ok(WASM_TRAINING_GRADIENTS.includes(g), `${g.kernelName} is missing from WASM_TRAINING_GRADIENTS`);
  assert.equal(WASM_TRAINING_KERNELS.length, kernels.length);
  assert.equal(WASM_TRAINING_GRADIENTS.length, gradients.length);
  assert.equal(new Set(WASM_TRAINING_KERNEL_NAMES).size, WASM_TRAINING_KERNEL_NAMES.length, 'duplicate kernel name');
  assert.equal(new Set(WASM_TRAINING_GRADIENT_NAMES).size, WASM_TRAINING_GRADIENT_NAMES.length, 'duplicate gradient name');
  assert.deepEqual([...WASM_TRAINING_KERNEL_NAMES].sort(), kernels.map((k) => k.kernelName).sort());
  assert.deepEqual([...WASM_TRAINING_GRADIENT_NAMES].sort(), gradients.map((g) => g.kernelName).sort());
  // what initTf({ backend: 'wasm' }) registered is exactly these configs
  for (const k of WASM_TRAINING_KERNELS)
    assert.equal(tfc.getKernel(k.kernelName, 'wasm'), k, `${k.kernelName} is not the registered wasm kernel`);
  for (const g of WASM_TRAINING_GRADIENTS) assert.equal(tfc.getGradient(g.kernelName), g, `${g.kernelName} is not the registered gradient`);
});
