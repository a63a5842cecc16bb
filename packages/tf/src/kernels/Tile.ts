// Tile by memcpy: each tiled axis (innermost first) repeats blocks that are contiguous in memory, so
// the output is built in place by moving each block to its final offset and doubling it with
// copyWithin. The stock kernel computes every output index in a scalar loop. Falls back to it for
// other dtypes and when the blocks are so small that there would be more than MAX_TILE_COPIES copies.
import { Tile, type KernelConfig } from '@tensorflow/tfjs-core';
import { isFloatOrInt, numbersAttr, runStockKernel, tensorInput, wasmBackend } from './shared.ts';

const MAX_TILE_COPIES = 1 << 14;

export const tileConfig: KernelConfig = {
  kernelName: Tile,
  backendName: 'wasm',
  kernelFunc: (args) => {
    const x = tensorInput(args.inputs, Tile, 'x');
    if (!isFloatOrInt(x.dtype)) return runStockKernel(Tile, args);
    const reps = numbersAttr(args.attrs, Tile, 'reps');
    const shape = [...x.shape];
    let copies = 0;
    for (let a = shape.length - 1; a >= 0; a--) {
      if (reps[a] === 1) continue;
      const outer = shape.slice(0, a).reduce((p, d) => p * d, 1);
      copies += outer * (1 + Math.ceil(Math.log2(reps[a])));
    }
    if (copies > MAX_TILE_COPIES) return runStockKernel(Tile, args);
    const backend = wasmBackend(args.backend, Tile);
    const out = backend.makeOutput(
      x.shape.map((d, i) => d * reps[i]),
      x.dtype,
    );
    const values = backend.typedArrayFromHeap(out);
    values.set(backend.typedArrayFromHeap(x));
    for (let a = shape.length - 1; a >= 0; a--) {
      const r = reps[a];
      if (r === 1) continue;
      const block = shape.slice(a).reduce((p, d) => p * d, 1);
      const outer = shape.slice(0, a).reduce((p, d) => p * d, 1);
      const total = block * r;
      for (let o = outer - 1; o >= 0; o--) {
        const dst = o * total;
        if (o > 0) values.copyWithin(dst, o * block, o * block + block);
        for (let filled = block; filled < total; filled *= 2) {
          values.copyWithin(dst + filled, dst, dst + Math.min(filled, total - filled));
        }
      }
      shape[a] *= r;
    }
    return out;
  },
};
