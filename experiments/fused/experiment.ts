import { imageEmbedding } from '@prodmatch/features/image-embedding';
import { wordTfidf } from '@prodmatch/features/word-tfidf';
import { experiment, thresholdGrid } from '@prodmatch/runner';
import { union } from '@prodmatch/runner/combiners';

// Seed 000's best row (0.74): the arcface-weighted image embedding and the seed's TF-IDF title
// embedding, each with its own threshold, match lists united. The image channel is arcface-weighted's
// feature with the same flags, so it resumes arcface-weighted's finished checkpoint instead of training
// again whenever the settings (and data, seed, training rows and images) match.
export default experiment(import.meta, {
  name: 'fused',
  description: 'arcface-weighted image embedding + text-tfidf title embedding, per-channel thresholds, union',
  channels: {
    image: {
      features: imageEmbedding({ head: 'arcface', sampler: 'weighted', resume: true }),
      knn: { k: 50 },
      thresholds: thresholdGrid(0.05, 0.8, 0.025),
    },
    text: {
      features: wordTfidf({ tokenizer: 'sklearn', weighting: 'binary' }),
      knn: { k: 50 },
      thresholds: thresholdGrid(0.2, 0.8, 0.025),
    },
  },
  combiner: union(),
});
