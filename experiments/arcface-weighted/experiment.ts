import { arcFaceOptions, imageEmbeddingFeatures, imageTrainingOptions, main, thresholdGrid } from '@prodmatch/runner';

// As arcface, with the seed's 1/group-size WeightedRandomSampler.
main({
  name: 'arcface-weighted',
  description: 'CNN embedding (512-d) trained with an ArcFace head (m 0.5, s 30), 1/group-size weighted sampling',
  features: (options) => imageEmbeddingFeatures({ head: 'arcface', sampler: 'weighted' }, options),
  knn: { k: 50 },
  thresholds: thresholdGrid(0.05, 0.8, 0.025),
  options: { ...imageTrainingOptions, ...arcFaceOptions },
});
