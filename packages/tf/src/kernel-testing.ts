// Shared by the wasm kernel tests: run one kernel on the cpu and wasm backends and compare the results.
import assert from 'node:assert/strict';
import type * as tfc from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { initTf } from './backend.ts';

export type Tf = typeof tfc;
let tf: Tf | null = null;

/** tfjs on the wasm backend with our kernels registered (the cpu backend stays available to compare against). */
export async function wasmTf(): Promise<Tf> {
  if (!tf) ({ tf } = await initTf({ backend: 'wasm' }));
  return tf;
}

/** Runs one kernel on `backend` with inputs given as plain arrays; returns values and shape. */
export async function runOn(
  backend: 'cpu' | 'wasm',
  kernel: string,
  inputs: Record<string, { shape: number[]; values: Float32Array }>,
  attrs: Record<string, unknown>,
): Promise<{ shape: number[]; values: Float32Array }> {
  const tf = await wasmTf();
  await tf.setBackend(backend);
  const tensors: Record<string, tfc.Tensor> = {};
  for (const [k, v] of Object.entries(inputs)) tensors[k] = tf.tensor(v.values, v.shape);
  const out = tf.engine().runKernel(kernel, tensors as never, attrs as never) as tfc.Tensor;
  const result = { shape: out.shape, values: (await out.data()) as Float32Array };
  out.dispose();
  Object.values(tensors).forEach((t) => t.dispose());
  return result;
}

export function random(shape: number[], seed: number): { shape: number[]; values: Float32Array } {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  let s = seed >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    values[i] = s / 2 ** 32 - 0.5;
  }
  return { shape, values };
}

/** max |a-b| / max(1e-3, max|b|): relative to the tensor's scale, so near-zero entries don't blow up. */
export function relError(a: Float32Array, b: Float32Array): number {
  let maxDiff = 0;
  let scale = 1e-3;
  for (let i = 0; i < b.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return maxDiff / scale;
}

export async function compare(
  kernel: string,
  inputs: Record<string, { shape: number[]; values: Float32Array }>,
  attrs: Record<string, unknown>,
) {
  const want = await runOn('cpu', kernel, inputs, attrs);
  const got = await runOn('wasm', kernel, inputs, attrs);
  assert.deepEqual(got.shape, want.shape, `${kernel} shape`);
  const err = relError(got.values, want.values);
  assert.ok(err < 1e-4, `${kernel} ${JSON.stringify(attrs)}: relative error ${err}`);
}
