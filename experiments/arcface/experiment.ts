import { imageEmbedding } from '@prodmatch/features/image-embedding';
import { experiment, thresholdGrid } from '@prodmatch/runner';

// Seed: CNN -> 512-d fc embedding trained with ArcFace (m 0.5, s 30, easy_margin false) over the
// train groups, shuffled batches; exact cosine kNN k = 50, seed threshold 0.3 (inside the grid).
export default experiment(import.meta, {
  name: 'arcface',
  description: 'CNN embedding (512-d) trained with an ArcFace head (m 0.5, s 30) over train groups, uniform sampling',
  channels: {
    main: {
      features: imageEmbedding({ head: 'arcface', sampler: 'uniform' }),
      knn: { k: 50 },
      thresholds: thresholdGrid(0.05, 0.8, 0.025),
    },
  },
});
