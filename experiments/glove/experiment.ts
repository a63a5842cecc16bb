import { glove } from '@prodmatch/features/glove';
import { experiment, thresholdGrid } from '@prodmatch/runner';

// Seed: GloVe title vectors, mean pooling (seed threshold 0.8 in its own units). GloVe's defaults
// (title tokenizer, dim 100, window 10, 25 epochs) come from a sweep on the real titles. Averaged title
// vectors sit close together, so the best thresholds are small cosine distances (~0.1): the grid is
// fine there. `--vectors FILE` uses Stanford-format vectors instead of training on the titles.
export default experiment(import.meta, {
  name: 'glove',
  description: 'GloVe trained on training titles (or --vectors), mean of word vectors, exact cosine kNN',
  channels: {
    main: {
      features: glove({ pooling: 'mean' }),
      knn: { k: 50 },
      thresholds: [...thresholdGrid(0.01, 0.2, 0.005), ...thresholdGrid(0.225, 0.8, 0.025)],
    },
  },
});
