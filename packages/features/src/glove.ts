import { idfWeights, loadGloveText, sentenceVectors, trainGlove, type WordVectors } from '@prodmatch/text';
import { z } from 'zod';
import { defineFeature } from './feature.ts';
import { titleTokens, tokensSchema } from './tokens.ts';

/**
 * Defaults from a sweep on the real titles (packages/text/bench/glove-explore.ts): dim 100, window 10,
 * min count 2, x_max 1, alpha 0.75, 25 epochs, AdaGrad 0.1.
 */
export const gloveSchema = z.strictObject({
  ...tokensSchema,
  /** 'mean' of word vectors, or IDF-weighted mean ('idf', IDF fitted on the postings matched). */
  pooling: z.enum(['mean', 'idf']).default('mean'),
  glove: z
    .strictObject({
      dim: z.int().min(1).default(100),
      window: z.int().min(1).default(10),
      minCount: z.int().min(1).default(2),
      xMax: z.number().positive().default(1),
      alpha: z.number().positive().default(0.75),
      epochs: z.int().min(1).default(25),
      learningRate: z.number().positive().default(0.1),
    })
    .prefault({}),
  /** A Stanford-format GloVe .txt file to use instead of training on the titles. */
  vectors: z.string().nullable().default(null),
});

/**
 * GloVe sentence vectors. Word vectors are trained on the training postings' titles only (so, under
 * the split protocol, test products' titles are never seen in training) or loaded from `vectors`.
 */
export const glove = defineFeature('glove', gloveSchema, (config) => {
  let words: WordVectors | null = null;
  return {
    async fit(train, context) {
      if (config.vectors) {
        const file = context.resolvePath(config.vectors);
        const vocabulary = new Set(context.dataset.train.postings.flatMap((p) => titleTokens(p.title, config)));
        words = await loadGloveText(file, { vocabulary });
        context.log(`loaded ${words.words.length} word vectors (dim ${words.dim}) from ${file}`);
        return;
      }
      const bar = context.progress('glove epochs', config.glove.epochs);
      words = trainGlove(
        train.map((p) => titleTokens(p.title, config)),
        { ...config.glove, seed: context.seed, onEpoch: (_, loss) => bar.tick(1, { loss: loss.toFixed(4) }) },
      );
      bar.stop();
      context.log(`trained GloVe on ${train.length} titles: ${words.words.length} words, dim ${words.dim}`);
    },
    async extract(postings) {
      if (!words) throw new Error('glove: extract() before fit(); the runner fits first');
      const docs = postings.map((p) => titleTokens(p.title, config));
      let weight: ((token: string) => number) | undefined;
      if (config.pooling === 'idf') {
        const model = idfWeights(docs);
        weight = (token) => {
          const j = model.vocabulary.get(token);
          return j === undefined ? 0 : model.idf[j];
        };
      }
      return { kind: 'dense', matrix: { rows: postings.length, dim: words.dim, data: sentenceVectors(docs, words, weight) } };
    },
  };
});
