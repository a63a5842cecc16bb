// Training kernels for @tensorflow/tfjs-backend-wasm 4.22, one file per kernel named after the tfjs
// kernel it registers (laid out as tfjs-backend-wasm's src/kernels/ and register_all_kernels.ts).
//
// The stock wasm backend has no Conv2DBackpropFilter, no depthwise backprops and no
// UnsortedSegmentSum, and several of its kernels take slow scalar paths that dominate a training
// step. Every kernel here is composed from the backend's own XNNPACK-backed kernels (Conv2D,
// DepthwiseConv2dNative, Transpose, PadV2, BatchMatMul, ...) called directly on TensorInfos, so the
// heavy work runs in wasm SIMD; JavaScript only moves contiguous blocks on the wasm heap
// (TypedArray.set, a memcpy). A kernel that replaces a stock one hands it the cases it does not
// cover. The gradients replace tfjs's stock gradients with cheaper formulations of the same values.
//
// Adding a kernel: a file here exporting its KernelConfig (or GradConfig), listed below; the names
// are derived from these arrays.
import * as tfc from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig } from '@tensorflow/tfjs-core';
import { batchMatMulConfig } from './BatchMatMul.ts';
import { castConfig } from './Cast.ts';
import { conv2DBackpropFilterConfig } from './Conv2DBackpropFilter.ts';
import { conv2DBackpropInputConfig } from './Conv2DBackpropInput.ts';
import { depthwiseConv2dNativeBackpropFilterConfig } from './DepthwiseConv2dNativeBackpropFilter.ts';
import { depthwiseConv2dNativeBackpropInputConfig } from './DepthwiseConv2dNativeBackpropInput.ts';
import { fusedBatchNormConfig } from './FusedBatchNorm.ts';
import { fusedBatchNormGradConfig } from './FusedBatchNorm_grad.ts';
import { gatherV2Config } from './GatherV2.ts';
import { identityConfig } from './Identity.ts';
import { maxPoolGradConfig } from './MaxPoolGrad.ts';
import { meanConfig } from './Mean.ts';
import { meanGradConfig } from './Mean_grad.ts';
import { sumConfig } from './Sum.ts';
import { sumGradConfig } from './Sum_grad.ts';
import { tileConfig } from './Tile.ts';
import { unsortedSegmentSumConfig } from './UnsortedSegmentSum.ts';
import { unsortedSegmentSumGradConfig } from './UnsortedSegmentSum_grad.ts';
import { keepStockKernel } from './shared.ts';

/** Every kernel registered on the wasm backend; one a stock kernel of the same name had is replaced. */
export const WASM_TRAINING_KERNELS: readonly KernelConfig[] = [
  batchMatMulConfig,
  castConfig,
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  fusedBatchNormConfig,
  gatherV2Config,
  identityConfig,
  maxPoolGradConfig,
  meanConfig,
  sumConfig,
  tileConfig,
  unsortedSegmentSumConfig,
];

/**
 * Every gradient registered. tfjs keeps one gradient registry for all backends, so these apply to
 * every backend once the wasm backend was initialised in the process.
 */
export const WASM_TRAINING_GRADIENTS: readonly GradConfig[] = [
  fusedBatchNormGradConfig,
  meanGradConfig,
  sumGradConfig,
  unsortedSegmentSumGradConfig,
];

/** Names of the kernels registered (or replaced) on the wasm backend. */
export const WASM_TRAINING_KERNEL_NAMES: readonly string[] = WASM_TRAINING_KERNELS.map((k) => k.kernelName);

/** Names of the kernels whose gradient is registered (replacing tfjs's). */
export const WASM_TRAINING_GRADIENT_NAMES: readonly string[] = WASM_TRAINING_GRADIENTS.map((g) => g.kernelName);

let registered = false;

/**
 * Registers every kernel of WASM_TRAINING_KERNELS on the wasm backend, keeping the stock kernel it
 * replaces for the cases it leaves to it, and every gradient of WASM_TRAINING_GRADIENTS (idempotent).
 * Call after the wasm backend is initialised.
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  for (const config of WASM_TRAINING_KERNELS) {
    const stock = tfc.getKernel(config.kernelName, config.backendName);
    if (stock) {
      keepStockKernel(stock);
      tfc.unregisterKernel(config.kernelName, config.backendName);
    }
    tfc.registerKernel(config);
  }
  for (const config of WASM_TRAINING_GRADIENTS) tfc.registerGradient(config);
  registered = true;
}
