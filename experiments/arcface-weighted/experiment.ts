import { imageEmbedding } from '@prodmatch/features/image-embedding';
import { experiment, thresholdGrid } from '@prodmatch/runner';

// As arcface, with the seed's 1/group-size WeightedRandomSampler.
export default experiment(import.meta, {
  name: 'arcface-weighted',
  description: 'CNN embedding (512-d) trained with an ArcFace head (m 0.5, s 30), 1/group-size weighted sampling',
  channels: {
    main: {
      features: imageEmbedding({ head: 'arcface', sampler: 'weighted' }),
      knn: { k: 50 },
      thresholds: thresholdGrid(0.05, 0.8, 0.025),
    },
  },
});
