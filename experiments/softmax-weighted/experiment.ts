import { imageEmbedding } from '@prodmatch/features/image-embedding';
import { experiment, thresholdGrid } from '@prodmatch/runner';

// As softmax, but each epoch draws len(train) rows with probability 1 / group size (the seed's
// WeightedRandomSampler), so small groups are seen as often as large ones.
export default experiment(import.meta, {
  name: 'softmax-weighted',
  description: 'CNN embedding (512-d) trained with a softmax head, 1/group-size weighted sampling',
  channels: {
    main: {
      features: imageEmbedding({ head: 'softmax', sampler: 'weighted' }),
      knn: { k: 50 },
      thresholds: thresholdGrid(0.05, 0.8, 0.025),
    },
  },
});
