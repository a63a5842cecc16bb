// UnsortedSegmentSum, which the stock wasm backend lacks: tf.unsortedSegmentSum and the gradient of
// tf.gather (an embedding bag's forward and backward pass) both need it. out[s] is the sum of the rows
// of x whose segment id is s; ids outside [0, numSegments) are dropped, as TensorFlow does. One pass
// of row-block adds on the wasm heap.
import { UnsortedSegmentSum, type KernelConfig } from '@tensorflow/tfjs-core';
import { numberAttr, tensorInput, wasmBackend } from './shared.ts';

export const unsortedSegmentSumConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const heap = wasmBackend(backend, UnsortedSegmentSum);
    const x = tensorInput(inputs, UnsortedSegmentSum, 'x');
    const segmentIds = tensorInput(inputs, UnsortedSegmentSum, 'segmentIds');
    const numSegments = numberAttr(attrs, UnsortedSegmentSum, 'numSegments');
    if (segmentIds.shape.length !== 1 || segmentIds.shape[0] !== x.shape[0]) {
      throw new Error(
        `UnsortedSegmentSum (wasm): segment ids must be one per row of x, got shape [${segmentIds.shape}] for x [${x.shape}]`,
      );
    }
    const rows = x.shape[0];
    const width = x.shape.slice(1).reduce((a, b) => a * b, 1);
    const out = heap.makeOutput([numSegments, ...x.shape.slice(1)], x.dtype);
    // Views after the allocation: makeOutput may grow (and so move) the heap.
    const target = heap.typedArrayFromHeap(out);
    const values = heap.typedArrayFromHeap(x);
    const ids = heap.typedArrayFromHeap(segmentIds);
    target.fill(0);
    for (let i = 0; i < rows; i++) {
      const segment = ids[i];
      if (!(segment >= 0 && segment < numSegments)) continue;
      const to = segment * width;
      const from = i * width;
      for (let j = 0; j < width; j++) target[to + j] += values[from + j];
    }
    return out;
  },
};
