import { autoencoder } from '@prodmatch/features/autoencoder';
import { experiment, thresholdGrid } from '@prodmatch/runner';

// Seed 004: a convolutional autoencoder trained on the images; its encoder latents (2,048) are the
// embedding. The seed took the top-k neighbours with no threshold: that is the grid's last point,
// distance 2 (every cosine distance is <= 2); the thresholded sweep sits before it.
export default experiment(import.meta, {
  name: 'cae',
  description: 'Convolutional autoencoder latents (2048), exact cosine kNN; top-k (threshold 2) and thresholded sweep',
  channels: {
    main: {
      features: autoencoder(),
      knn: { k: 50 },
      thresholds: [...thresholdGrid(0.005, 0.3, 0.005), 2],
    },
  },
});
