import { tfidfVectors } from '@prodmatch/text/tfidf';
import { z } from 'zod';
import { defineFeature } from './feature.ts';
import { titleTokens, tokensSchema } from './tokens.ts';

export const wordTfidfSchema = z.strictObject({
  ...tokensSchema,
  /** Term frequency: presence, raw count, 1 + ln count, or BM25 saturation. */
  weighting: z.enum(['binary', 'count', 'sublinear', 'bm25']).default('binary'),
  idf: z
    .strictObject({
      /** scikit-learn's smooth_idf. */
      smooth: z.boolean().default(true),
      /** Drop terms in fewer titles than this: they can never match another posting. */
      minDf: z.int().min(1).default(1),
    })
    .prefault({}),
  /** IDF raised to this power: < 1 flattens rare-term dominance, 0 drops IDF. */
  idfPower: z.number().min(0).default(1),
  bm25: z.strictObject({ k1: z.number().positive().default(1.2), b: z.number().min(0).max(1).default(0.75) }).prefault({}),
});

/** Sparse, L2-normalised TF-IDF title vectors, fitted on the postings being matched (labels unused). */
export const wordTfidf = defineFeature('word-tfidf', wordTfidfSchema, (config) => ({
  async extract(postings) {
    const docs = postings.map((p) => titleTokens(p.title, config));
    const matrix = tfidfVectors(docs, {
      weighting: config.weighting,
      idfOptions: config.idf,
      idfPower: config.idfPower,
      bm25: config.bm25,
      norm: 'l2',
    });
    return { kind: 'sparse', matrix };
  },
}));
