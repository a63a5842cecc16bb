import { charTfidfVectors } from '@prodmatch/text';
import { z } from 'zod';
import { defineFeature } from './feature.ts';

export const charTfidfSchema = z.strictObject({
  /** n-gram lengths within words, as scikit-learn's ngram_range. */
  ngramRange: z.tuple([z.int().min(1), z.int().min(1)]).default([2, 4]),
  /** 'count' (scikit-learn's default tf) or 'sublinear' (1 + ln count). */
  tf: z.enum(['count', 'sublinear']).default('count'),
  minDf: z.int().min(1).default(1),
});

/** scikit-learn's char_wb TF-IDF of the titles, fitted on the postings matched. */
export const charTfidf = defineFeature('char-tfidf', charTfidfSchema, (config) => ({
  async extract(postings) {
    return {
      kind: 'sparse',
      matrix: charTfidfVectors(
        postings.map((p) => p.title),
        config,
      ),
    };
  },
}));
