import { autoencoder } from '@prodmatch/features/autoencoder';
import { experiment, thresholdGrid } from '@prodmatch/runner';
import { clusteringEnsemble } from '@prodmatch/runner/combiners';

// Seed 004: CAE latents -> dense autoencoder (2048 -> 64, LeakyReLU 0.3); per eps, DBSCAN and OPTICS
// (min_samples 2, cosine) and kNN within eps each give match lists, and every row keeps the longest.
export default experiment(import.meta, {
  name: 'double-ae',
  description: 'CAE latents -> dense AE (64-d) -> DBSCAN / OPTICS / kNN ensemble, longest list per row (eps sweep)',
  channels: {
    main: {
      features: autoencoder({ dense: true }),
      knn: { k: 50 },
      thresholds: thresholdGrid(0.001, 0.06, 0.001),
    },
  },
  combiner: clusteringEnsemble(),
});
