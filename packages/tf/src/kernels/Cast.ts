// Cast to the dtype a tensor already has (ReLU's gradient casts its float mask to float) shares the
// input's buffer (reference counted, like Reshape) instead of the stock kernel's full copy. Casts
// that change the dtype, and strings, use the stock kernel.
import { Cast, type KernelConfig } from '@tensorflow/tfjs-core';
import { optionalStringAttr, runStockKernel, shareBuffer, tensorInput, wasmBackend } from './shared.ts';

export const castConfig: KernelConfig = {
  kernelName: Cast,
  backendName: 'wasm',
  kernelFunc: (args) => {
    const x = tensorInput(args.inputs, Cast, 'x');
    const dtype = optionalStringAttr(args.attrs, Cast, 'dtype');
    if (x.dtype === 'string' || dtype !== x.dtype) return runStockKernel(Cast, args);
    return shareBuffer(wasmBackend(args.backend, Cast), x);
  },
};
