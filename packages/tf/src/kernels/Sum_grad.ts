// The gradient of Sum as one Tile of dy (see reduce_util.ts).
import { Sum, type GradConfig } from '@tensorflow/tfjs-core';
import { tiledReductionGradConfig } from './reduce_util.ts';

export const sumGradConfig: GradConfig = tiledReductionGradConfig(Sum);
