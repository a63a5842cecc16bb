import { phash } from '@prodmatch/features/phash';
import { experiment, thresholdGrid } from '@prodmatch/runner';

// Beyond the seeds: Kaggle's own image_phash column, matched by Hamming distance (bits of 64).
// Reposted images keep their hash exactly, so small thresholds are precise and cheap.
export default experiment(import.meta, {
  name: 'phash',
  description: 'image_phash Hamming distance (bits of 64), exact search',
  channels: {
    main: {
      features: phash(),
      knn: { k: 50 },
      thresholds: thresholdGrid(0, 20, 1),
    },
  },
});
