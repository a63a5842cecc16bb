// GatherV2 along axis 0 (batchDims 0) as one row-block copy per index: the stock kernel computes
// every element's source offset, and took about 1.7 s for the 15,500 x 512 rows an embedding bag
// reads per batch. Other axes and dtypes use the stock kernel.
import { GatherV2, type KernelConfig } from '@tensorflow/tfjs-core';
import { isFloatOrInt, optionalNumberAttr, runStockKernel, tensorInput, wasmBackend } from './shared.ts';

export const gatherV2Config: KernelConfig = {
  kernelName: GatherV2,
  backendName: 'wasm',
  kernelFunc: (args) => {
    const x = tensorInput(args.inputs, GatherV2, 'x');
    const indices = tensorInput(args.inputs, GatherV2, 'indices');
    const axis = optionalNumberAttr(args.attrs, GatherV2, 'axis');
    const batchDims = optionalNumberAttr(args.attrs, GatherV2, 'batchDims');
    if ((axis !== 0 && axis !== -x.shape.length) || batchDims !== 0 || !isFloatOrInt(x.dtype) || indices.dtype !== 'int32') {
      return runStockKernel(GatherV2, args);
    }
    const backend = wasmBackend(args.backend, GatherV2);
    const rows = x.shape[0];
    const width = x.shape.slice(1).reduce((a, b) => a * b, 1);
    const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
    // Views after the allocation: makeOutput may grow (and so move) the heap.
    const target = backend.typedArrayFromHeap(out);
    const values = backend.typedArrayFromHeap(x);
    const ids = backend.typedArrayFromHeap(indices);
    for (let i = 0; i < ids.length; i++) {
      const row = ids[i];
      if (!(row >= 0 && row < rows)) throw new Error(`GatherV2 (wasm): index ${row} at position ${i} is outside [0, ${rows - 1}]`);
      target.set(values.subarray(row * width, (row + 1) * width), i * width);
    }
    return out;
  },
};
