// Sum and Mean share their kernel (a block reduction as one average pool) and their gradient (one
// Tile of the small reduced gradient); the per-kernel files name which of the two they are.
import * as tfc from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig } from '@tensorflow/tfjs-core';
import { axisAttr, flagAttr, reductionAxes, runStockKernel, singleGradient, tensorInput, withScope } from './shared.ts';

type Reduction = typeof tfc.Sum | typeof tfc.Mean;

/**
 * Sum/Mean over a contiguous block of axes that is followed by at least one kept axis (batch-norm
 * statistics over [0,1,2], global average pooling over [1,2]): the stock kernels transpose the
 * reduced axes innermost first, which costs more than the reduction. Here it is one XNNPACK average
 * pool over the whole reduced block viewed as a [a, b] window (times its size for Sum). Other
 * reductions use the stock kernel.
 */
export function blockReductionConfig(kernelName: Reduction): KernelConfig {
  return {
    kernelName,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { inputs, attrs, backend } = args;
      const x = tensorInput(inputs, kernelName, 'x');
      const axis = axisAttr(attrs, kernelName);
      const keepDims = flagAttr(attrs, kernelName, 'keepDims');
      const axes = [...new Set(reductionAxes(axis, x.shape))].sort((a, b) => a - b);
      const contiguous = axes.length > 0 && axes.every((a, i) => a === axes[0] + i);
      const last = axes[axes.length - 1];
      if (x.dtype !== 'float32' || !contiguous || last === x.shape.length - 1) return runStockKernel(kernelName, args);
      const size = (dims: number[]) => dims.reduce((p, d) => p * d, 1);
      const outer = size(x.shape.slice(0, axes[0]));
      const m = size(x.shape.slice(axes[0], last + 1));
      const inner = size(x.shape.slice(last + 1));
      if (m === 0 || outer * inner === 0) return runStockKernel(kernelName, args);
      const outShape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
      // [outer, a, b, inner] with the reduced block split as a x b (b = last reduced axis)
      const b = x.shape[last];
      const a = m / b;
      return withScope(backend, kernelName, (s) => {
        const x4 = s.reshape(x, [outer, a, b, inner]);
        const avg = s.run('AvgPool', { x: x4 }, { filterSize: [a, b], strides: [1, 1], pad: 'valid' });
        const scaled = kernelName === tfc.Mean ? avg : s.run('Multiply', { a: avg, b: s.constant(new Float32Array([m]), []) });
        return s.reshape(scaled, outShape);
      });
    },
  };
}

/**
 * Mean/Sum gradients as one Tile of the (small) reduced gradient instead of the stock
 * `mul(dy, ones(x.shape))` (a full-size Fill plus a broadcasting Multiply, and for Mean a full-size
 * RealDiv). The division by the reduced size happens on dy before tiling: the same values.
 */
export function tiledReductionGradConfig(kernelName: Reduction): GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const axes = reductionAxes(axisAttr(attrs, kernelName), x.shape);
      const expanded = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const reps = x.shape.map((d, i) => (axes.includes(i) ? d : 1));
      const size = axes.reduce((p, a) => p * x.shape[a], 1);
      return {
        x: () => {
          const g = tfc.reshape(singleGradient(dy, kernelName), expanded);
          return tfc.tile(kernelName === tfc.Mean ? tfc.div(g, size) : g, reps);
        },
      };
    },
  };
}
