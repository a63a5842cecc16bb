import { imageEmbedding } from '@prodmatch/features/image-embedding';
import { experiment, thresholdGrid } from '@prodmatch/runner';

// Seed: CNN -> 512-d fc embedding trained with a softmax classifier over the train groups, shuffled
// batches; exact cosine kNN k = 50, seed threshold 0.5 (inside the swept grid).
export default experiment(import.meta, {
  name: 'softmax',
  description: 'CNN embedding (512-d) trained with a softmax head over train groups, uniform sampling',
  channels: {
    main: {
      features: imageEmbedding({ head: 'softmax', sampler: 'uniform' }),
      knn: { k: 50 },
      thresholds: thresholdGrid(0.05, 0.8, 0.025),
    },
  },
});
