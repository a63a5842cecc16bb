import { wordTfidf } from '@prodmatch/features/word-tfidf';
import { experiment, thresholdGrid } from '@prodmatch/runner';

// text-idf plus "min2": every Shopee posting has at least one other posting of its product, so each
// row keeps its nearest neighbour even beyond the threshold.
export default experiment(import.meta, {
  name: 'text-idf-min2',
  description: 'text-idf features, each posting keeps at least its nearest other posting (min2)',
  channels: {
    main: {
      features: wordTfidf({ tokenizer: 'title', title: { keepGlued: true }, weighting: 'binary', idf: { minDf: 2 } }),
      knn: { k: 50 },
      thresholds: thresholdGrid(0.2, 0.8, 0.025),
    },
  },
  minMatches: 2,
});
