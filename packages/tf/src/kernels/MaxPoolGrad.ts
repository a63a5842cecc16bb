// MaxPoolGrad for non-overlapping windows (pool == stride, no padding, sizes divisible): the
// gradient goes to the first maximum of each window (the cpu backend's rule, which matters after
// ReLU where whole windows are 0). Built from broadcasting Sub/Step/Multiply and one MaxPool instead
// of the stock per-element loop; other configurations use the stock kernel.
import * as tfc from '@tensorflow/tfjs-core';
import { MaxPoolGrad, type KernelConfig } from '@tensorflow/tfjs-core';
import { padAttr, pairAttr, roundingModeAttr, runStockKernel, shape4, tensorInput, withScope } from './shared.ts';

export const maxPoolGradConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: (args) => {
    const { inputs, attrs, backend } = args;
    const dy = tensorInput(inputs, MaxPoolGrad, 'dy');
    const x = tensorInput(inputs, MaxPoolGrad, 'input');
    const y = tensorInput(inputs, MaxPoolGrad, 'output');
    const info = tfc.backend_util.computePool2DInfo(
      shape4(x.shape, MaxPoolGrad, 'the input'),
      pairAttr(attrs, MaxPoolGrad, 'filterSize'),
      pairAttr(attrs, MaxPoolGrad, 'strides'),
      1,
      padAttr(attrs, MaxPoolGrad),
      roundingModeAttr(attrs, MaxPoolGrad),
    );
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
    const [n, h, w, c] = x.shape;
    const fast =
      x.dtype === 'float32' &&
      kh === sh &&
      kw === sw &&
      h === oh * kh &&
      w === ow * kw &&
      info.padInfo.top === 0 &&
      info.padInfo.left === 0;
    if (!fast) return runStockKernel(MaxPoolGrad, args);
    return withScope(backend, MaxPoolGrad, (s) => {
      const win = [n, oh, kh, ow, kw, c];
      const cell = [n, oh, 1, ow, 1, c];
      // notMax = step(y - x) is 1 where x is below its window's max (broadcast over the window)
      const notMax = s.run('Step', { x: s.run('Sub', { a: s.reshape(y, cell), b: s.reshape(x, win) }) }, { alpha: 0 });
      // rank maxima so the first one (row-major in the window) gets the largest weight
      const order = new Float32Array(kh * kw).map((_, i) => kh * kw - i);
      const weights = s.reshape(s.constant(order, [kh * kw]), [1, 1, kh, 1, kw, 1]);
      const ranked = s.run('Sub', { a: weights, b: s.run('Multiply', { a: notMax, b: weights }) });
      const best = s.run('MaxPool', { x: s.reshape(ranked, [n, h, w, c]) }, { filterSize: [kh, kw], strides: [kh, kw], pad: 'valid' });
      const threshold = s.run('Sub', { a: best, b: s.constant(new Float32Array([0.5]), []) });
      const first = s.run('Step', { x: s.run('Sub', { a: ranked, b: s.reshape(threshold, cell) }) }, { alpha: 0 });
      const dx = s.run('Multiply', { a: first, b: s.reshape(dy, cell) });
      return s.reshape(dx, [n, h, w, c]);
    });
  },
};
