export { sklearnTokenize, tokenizeTitle, charNgrams } from './tokenize.ts';
export type { TitleTokenizerOptions } from './tokenize.ts';
export { idfWeights, tfidfVectors } from './tfidf.ts';
export type { IdfModel, IdfOptions, TfidfOptions, TermWeighting } from './tfidf.ts';
