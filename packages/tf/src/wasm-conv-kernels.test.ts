// The wasm convolution training kernels (backprops, depthwise, their gradients) against the cpu backend's.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import type * as tfc from '@tensorflow/tfjs-core';
import { compare, random, relError, wasmTf, type Tf } from './kernel-testing.ts';

let tf: Tf;

before(async () => {
  tf = await wasmTf();
});

const cases: Array<{ n: number; h: number; w: number; k: [number, number]; stride: number; pad: 'same' | 'valid' }> = [];
for (const stride of [1, 2]) {
  for (const pad of ['same', 'valid'] as const) {
    cases.push({ n: 2, h: 9, w: 7, k: [3, 3], stride, pad });
    cases.push({ n: 3, h: 8, w: 11, k: [5, 3], stride, pad });
    cases.push({ n: 1, h: 6, w: 6, k: [1, 1], stride, pad });
    cases.push({ n: 2, h: 10, w: 10, k: [2, 2], stride, pad });
  }
}

function outSize(h: number, k: number, stride: number, pad: 'same' | 'valid'): number {
  return pad === 'same' ? Math.ceil(h / stride) : Math.ceil((h - k + 1) / stride);
}

test('Conv2DBackpropInput / Conv2DBackpropFilter match cpu', async () => {
  let seed = 1;
  for (const c of cases) {
    const ci = 3,
      co = 5;
    const oh = outSize(c.h, c.k[0], c.stride, c.pad),
      ow = outSize(c.w, c.k[1], c.stride, c.pad);
    const x = random([c.n, c.h, c.w, ci], seed++);
    const filter = random([c.k[0], c.k[1], ci, co], seed++);
    const dy = random([c.n, oh, ow, co], seed++);
    const base = { strides: [c.stride, c.stride], pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
    await compare('Conv2DBackpropInput', { dy, filter }, { ...base, inputShape: x.shape });
    await compare('Conv2DBackpropFilter', { x, dy }, { ...base, filterShape: filter.shape });
  }
});

test('stride-1 Conv2DBackpropFilter matches cpu when its matMul is split into several column chunks', async () => {
  // 4 x 26 x 26 padded pixels > the 2048-column chunk, so partial products are summed
  let seed = 50;
  for (const { h, w, k, pad, ci, co } of [
    { h: 24, w: 24, k: [3, 3], pad: 'same', ci: 3, co: 4 },
    { h: 30, w: 21, k: [5, 3], pad: 'valid', ci: 5, co: 6 },
    { h: 23, w: 25, k: [2, 4], pad: 'same', ci: 2, co: 3 },
  ] as const) {
    const n = 4;
    const oh = outSize(h, k[0], 1, pad),
      ow = outSize(w, k[1], 1, pad);
    const x = random([n, h, w, ci], seed++);
    const dy = random([n, oh, ow, co], seed++);
    await compare(
      'Conv2DBackpropFilter',
      { x, dy },
      { strides: [1, 1], pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: [k[0], k[1], ci, co] },
    );
  }
});

test('conv backprops match cpu with explicit, asymmetric padding (stride-1 shared-padding grid and its fallback)', async () => {
  let seed = 70;
  // [top, bottom, left, right]: uneven pads exercise the grid's max(top, bottom) rows; a pad as
  // large as the filter leaves output rows without input and takes the generic path
  for (const [pt, pb, pl, pr] of [
    [2, 1, 0, 2],
    [0, 0, 1, 0],
    [0, 3, 1, 1],
  ]) {
    for (const stride of [1, 2]) {
      const n = 2,
        h = 7,
        w = 8,
        k = 3,
        ci = 3,
        co = 4;
      const oh = Math.floor((h + pt + pb - k) / stride) + 1,
        ow = Math.floor((w + pl + pr - k) / stride) + 1;
      const x = random([n, h, w, ci], seed++);
      const filter = random([k, k, ci, co], seed++);
      const dy = random([n, oh, ow, co], seed++);
      const base = {
        strides: [stride, stride],
        pad: [
          [0, 0],
          [pt, pb],
          [pl, pr],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dimRoundingMode: undefined,
      };
      await compare('Conv2DBackpropInput', { dy, filter }, { ...base, inputShape: x.shape });
      await compare('Conv2DBackpropFilter', { x, dy }, { ...base, filterShape: filter.shape });
    }
  }
});

test('DepthwiseConv2dNative backprops match cpu (multiplier 1 and 2)', async () => {
  let seed = 100;
  for (const c of cases) {
    for (const mult of [1, 2]) {
      const ch = 4;
      const oh = outSize(c.h, c.k[0], c.stride, c.pad),
        ow = outSize(c.w, c.k[1], c.stride, c.pad);
      const x = random([c.n, c.h, c.w, ch], seed++);
      const filter = random([c.k[0], c.k[1], ch, mult], seed++);
      const dy = random([c.n, oh, ow, ch * mult], seed++);
      const base = { strides: [c.stride, c.stride], dilations: [1, 1], pad: c.pad, dimRoundingMode: undefined };
      await compare('DepthwiseConv2dNativeBackpropInput', { dy, filter }, { ...base, inputShape: x.shape });
      await compare('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...base, filterShape: filter.shape });
    }
  }
});

test('gradients of conv2d / depthwiseConv2d through tf.grads match cpu', async () => {
  const x = random([2, 9, 9, 4], 7),
    w = random([3, 3, 4, 6], 8),
    dw = random([3, 3, 4, 1], 9);
  const grads = async (backend: 'cpu' | 'wasm') => {
    await tf.setBackend(backend);
    return tf.tidy(() => {
      const f = (a: tfc.Tensor, b: tfc.Tensor, c: tfc.Tensor) => {
        const y = tf.conv2d(tf.depthwiseConv2d(a as tfc.Tensor4D, c as tfc.Tensor4D, 2, 'same'), b as tfc.Tensor4D, 1, 'same');
        return tf.sum(tf.square(y));
      };
      return tf
        .grads(f)([tf.tensor(x.values, x.shape), tf.tensor(w.values, w.shape), tf.tensor(dw.values, dw.shape)])
        .map((g) => g.dataSync() as Float32Array);
    });
  };
  const want = await grads('cpu');
  const got = await grads('wasm');
  want.forEach((g, i) => assert.ok(relError(got[i], g) < 1e-4, `grad ${i}: ${relError(got[i], g)}`));
});
