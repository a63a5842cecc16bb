// Identity sharing the input's buffer (reference counted, like Reshape) instead of the stock
// kernel's full copy: tfjs clones big activations ~10 times per training step. Strings use the stock
// kernel.
import { Identity, type KernelConfig } from '@tensorflow/tfjs-core';
import { runStockKernel, shareBuffer, tensorInput, wasmBackend } from './shared.ts';

export const identityConfig: KernelConfig = {
  kernelName: Identity,
  backendName: 'wasm',
  kernelFunc: (args) => {
    const x = tensorInput(args.inputs, Identity, 'x');
    if (x.dtype === 'string') return runStockKernel(Identity, args);
    return shareBuffer(wasmBackend(args.backend, Identity), x);
  },
};
