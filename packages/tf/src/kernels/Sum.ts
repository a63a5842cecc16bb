// Sum over a leading/middle block of axes as one XNNPACK average pool times the block's size
// (see reduce_util.ts); other reductions use the stock kernel.
import { Sum, type KernelConfig } from '@tensorflow/tfjs-core';
import { blockReductionConfig } from './reduce_util.ts';

export const sumConfig: KernelConfig = blockReductionConfig(Sum);
