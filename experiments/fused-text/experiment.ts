import { charTfidf } from '@prodmatch/features/char-tfidf';
import { phash } from '@prodmatch/features/phash';
import { wordTfidf } from '@prodmatch/features/word-tfidf';
import { experiment, thresholdGrid } from '@prodmatch/runner';
import { union } from '@prodmatch/runner/combiners';

// No CNN, so it runs on a Kaggle folder without images: word IDF (text-idf's features), char_wb 2-4
// TF-IDF and Kaggle's image_phash, each thresholded on its own, united, then min2. The char channel
// ranks the word and phash channels' candidates by its exact distance instead of searching all titles
// itself: on the real 27k titles its full self-search costs ~70x the word search (docs/fusion.md).
export default experiment(import.meta, {
  name: 'fused-text',
  description: 'word IDF + char_wb 2-4 TF-IDF + image_phash, per-channel thresholds, union, min2 (no CNN)',
  channels: {
    text: {
      features: wordTfidf({ tokenizer: 'title', title: { keepGlued: true }, weighting: 'binary', idf: { minDf: 2 } }),
      knn: { k: 50 },
      thresholds: thresholdGrid(0.2, 0.8, 0.025),
    },
    char: {
      features: charTfidf({ ngramRange: [2, 4], tf: 'count' }),
      knn: { k: 50, candidatesFrom: ['text', 'phash'] },
      thresholds: thresholdGrid(0.1, 0.7, 0.025),
    },
    phash: {
      features: phash(),
      // Only neighbours within the grid's 16 bits can match: a multi-index search finds exactly those.
      knn: { k: 50, maxDistance: 16 },
      thresholds: thresholdGrid(0, 16, 1),
    },
  },
  combiner: union(),
  minMatches: 2,
});
