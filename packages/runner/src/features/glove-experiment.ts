import type { ExperimentSpec } from '../run.ts';
import { thresholdGrid } from '@prodmatch/metrics';
import { gloveFeatures } from './glove.ts';

/**
 * The two GloVe experiments differ only in pooling. Defaults from a sweep on the real titles
 * (packages/text/bench/glove-explore.ts): title tokenizer, dim 100, window 10, min count 2,
 * x_max 1, alpha 0.75, 25 epochs, AdaGrad 0.1. Averaged title vectors sit close together, so the
 * best thresholds are small cosine distances (~0.1): the grid is fine there.
 */
export function gloveExperiment(name: string, pooling: 'mean' | 'idf', description: string): ExperimentSpec {
  return {
    name,
    description,
    options: { vectors: { type: 'string', describe: 'Stanford-format GloVe .txt to use instead of training on the titles' } },
    channels: {
      main: {
        features: (options) =>
          gloveFeatures({
            tokenizer: 'title',
            pooling,
            glove: { dim: 100, window: 10, minCount: 2, xMax: 1, alpha: 0.75, epochs: 25, learningRate: 0.1 },
            vectors: options.vectors as string | undefined,
          }),
        knn: { k: 50 },
        thresholds: [...thresholdGrid(0.01, 0.2, 0.005), ...thresholdGrid(0.225, 0.8, 0.025)],
      },
    },
  };
}
