// The gradient of Mean as one Tile of dy divided by the reduced size (see reduce_util.ts).
import { Mean, type GradConfig } from '@tensorflow/tfjs-core';
import { tiledReductionGradConfig } from './reduce_util.ts';

export const meanGradConfig: GradConfig = tiledReductionGradConfig(Mean);
