import { wordTfidf } from '@prodmatch/features/word-tfidf';
import { experiment, thresholdGrid } from '@prodmatch/runner';

// IDF-weighted token presence over our title tokenizer: units split from numbers (150ml -> 150 ml)
// while keeping the glued form, unit spellings unified, and terms seen in only one title dropped
// (they can never match another posting and only dilute the norm).
export default experiment(import.meta, {
  name: 'text-idf',
  description: 'IDF-weighted title tokens (title tokenizer, glued units kept, min df 2), sparse cosine kNN',
  channels: {
    main: {
      features: wordTfidf({ tokenizer: 'title', title: { keepGlued: true }, weighting: 'binary', idf: { minDf: 2 } }),
      knn: { k: 50 },
      thresholds: thresholdGrid(0.2, 0.8, 0.025),
    },
  },
});
