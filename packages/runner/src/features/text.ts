import { charNgrams, charTfidfVectors, sklearnTokenize, tfidfVectors, tokenizeTitle, type IdfOptions, type TermWeighting, type TitleTokenizerOptions } from '@prodmatch/text';
import type { FeatureExtractor } from '../features.ts';

export interface TextTokens {
  /** 'sklearn': TfidfVectorizer's default token pattern (the reference); 'title': our title tokenizer. */
  tokenizer: 'sklearn' | 'title';
  title?: TitleTokenizerOptions;
  /** Add character n-grams of each word (scikit-learn's char_wb), e.g. [3, 5]. */
  charNgrams?: [number, number];
}

export function titleTokens(title: string, spec: TextTokens): string[] {
  const words = spec.tokenizer === 'sklearn' ? sklearnTokenize(title) : tokenizeTitle(title, spec.title);
  if (!spec.charNgrams) return words;
  // Prefixed so that an n-gram never shares a column with an identical whole word.
  return [...words, ...charNgrams(words, spec.charNgrams[0], spec.charNgrams[1]).map((gram) => `#${gram}`)];
}

export interface TfidfFeatureSpec extends TextTokens {
  weighting: TermWeighting;
  idf?: IdfOptions;
  idfPower?: number;
}

/** Sparse TF-IDF title vectors, fitted on the postings being matched (labels unused). */
export function tfidfFeatures(spec: TfidfFeatureSpec): FeatureExtractor {
  return {
    params: { features: 'tfidf', ...spec },
    async extract(postings) {
      const docs = postings.map((p) => titleTokens(p.title, spec));
      return { kind: 'sparse', matrix: tfidfVectors(docs, { weighting: spec.weighting, idfOptions: spec.idf, idfPower: spec.idfPower, norm: 'l2' }) };
    },
  };
}

export interface CharTfidfFeatureSpec {
  ngramRange: [number, number];
  tf: 'count' | 'sublinear';
  minDf?: number;
}

/** scikit-learn's char_wb TF-IDF of the titles (see charTfidfVectors), fitted on the postings matched. */
export function charTfidfFeatures(spec: CharTfidfFeatureSpec): FeatureExtractor {
  return {
    params: { features: 'char_wb tfidf', ...spec },
    async extract(postings) {
      return { kind: 'sparse', matrix: charTfidfVectors(postings.map((p) => p.title), spec) };
    },
  };
}
