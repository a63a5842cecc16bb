import { idfWeights, loadGloveText, sentenceVectors, trainGlove, type GloveOptions, type WordVectors } from '@prodmatch/text';
import type { FeatureExtractor } from '../features.ts';
import { titleTokens, type TextTokens } from './text.ts';

export interface GloveFeatureSpec extends TextTokens {
  /** 'mean' of word vectors (glove) or IDF-weighted mean (glove-idf); IDF is fitted on the postings matched. */
  pooling: 'mean' | 'idf';
  glove: Omit<GloveOptions, 'seed' | 'onEpoch'>;
  /** A Stanford-format GloVe .txt file to use instead of training on the titles. */
  vectors?: string;
}

/**
 * GloVe sentence vectors. Word vectors are trained on the training postings' titles only (so, under
 * the split protocol, test products' titles are never seen in training) or loaded with --vectors.
 */
export function gloveFeatures(spec: GloveFeatureSpec): FeatureExtractor {
  let words: WordVectors | null = null;
  return {
    params: { features: `glove-${spec.pooling}`, ...spec },
    async fit(train, context) {
      if (spec.vectors) {
        const vocabulary = new Set(context.dataset.train.postings.flatMap((p) => titleTokens(p.title, spec)));
        words = await loadGloveText(spec.vectors, { vocabulary });
        context.log(`loaded ${words.words.length} word vectors (dim ${words.dim}) from ${spec.vectors}`);
        return;
      }
      const bar = context.progress('glove epochs', spec.glove.epochs);
      words = trainGlove(train.map((p) => titleTokens(p.title, spec)), {
        ...spec.glove,
        seed: context.seed,
        onEpoch: (_, loss) => bar.tick(1, { loss: loss.toFixed(4) }),
      });
      bar.stop();
      context.log(`trained GloVe on ${train.length} titles: ${words.words.length} words, dim ${words.dim}`);
    },
    async extract(postings) {
      if (!words) throw new Error('gloveFeatures: extract() before fit()');
      const docs = postings.map((p) => titleTokens(p.title, spec));
      let weight: ((token: string) => number) | undefined;
      if (spec.pooling === 'idf') {
        const model = idfWeights(docs);
        weight = (token) => {
          const j = model.vocabulary.get(token);
          return j === undefined ? 0 : model.idf[j];
        };
      }
      return { kind: 'dense', matrix: { rows: postings.length, dim: words.dim, data: sentenceVectors(docs, words, weight) } };
    },
  };
}
