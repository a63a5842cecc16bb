// Mean over a leading/middle block of axes as one XNNPACK average pool (see reduce_util.ts); other
// reductions use the stock kernel.
import { Mean, type KernelConfig } from '@tensorflow/tfjs-core';
import { blockReductionConfig } from './reduce_util.ts';

export const meanConfig: KernelConfig = blockReductionConfig(Mean);
