import { wordTfidf } from '@prodmatch/features/word-tfidf';
import { experiment, thresholdGrid } from '@prodmatch/runner';

// The seed's TF-IDF, configured as scikit-learn's TfidfVectorizer(binary=True): default token pattern,
// smooth IDF, l2 norm; exact sparse cosine kNN, k = 50 (seed threshold 0.55 lies inside the grid).
export default experiment(import.meta, {
  name: 'text-tfidf',
  description: 'Binary TF-IDF of titles (sklearn token pattern), exact sparse cosine kNN',
  channels: {
    main: {
      features: wordTfidf({ tokenizer: 'sklearn', weighting: 'binary' }),
      knn: { k: 50 },
      thresholds: thresholdGrid(0.2, 0.8, 0.025),
    },
  },
});
