// BatchMatMul with transposeA or transposeB as an explicit Transpose of that operand, then the stock
// kernel without transposes. The stock kernel's transposed paths are 8x (B) and 15x (A) slower than
// its plain one: a dense layer's or classifier head's backward pass (dy @ W^T and x^T @ dy) with
// [128, 512] x [512, 5314] operands took 0.6 s and 1.1 s of CPU against 0.07 s forward.
import { BatchMatMul, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { flagAttr, runStockKernel, tensorInput, withScope } from './shared.ts';

/** The permutation that swaps a tensor's last two axes. */
const swapLast = (x: TensorInfo): number[] =>
  x.shape.map((_, i) => (i < x.shape.length - 2 ? i : i === x.shape.length - 2 ? i + 1 : i - 1));

export const batchMatMulConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: 'wasm',
  kernelFunc: (args) => {
    const a = tensorInput(args.inputs, BatchMatMul, 'a');
    const b = tensorInput(args.inputs, BatchMatMul, 'b');
    const transposeA = flagAttr(args.attrs, BatchMatMul, 'transposeA');
    const transposeB = flagAttr(args.attrs, BatchMatMul, 'transposeB');
    if (!transposeA && !transposeB) return runStockKernel(BatchMatMul, args);
    return withScope(args.backend, BatchMatMul, (s) => {
      const left = transposeA ? s.transpose(a, swapLast(a)) : a;
      const right = transposeB ? s.transpose(b, swapLast(b)) : b;
      // the wasm scope resolves BatchMatMul to this kernel again, which hands a plain product to the stock one
      return s.run(BatchMatMul, { a: left, b: right }, { ...args.attrs, transposeA: false, transposeB: false });
    });
  },
};
