export { sklearnTokenize, tokenizeTitle, charNgrams } from './tokenize.ts';
export type { TitleTokenizerOptions } from './tokenize.ts';
export { idfWeights, tfidfVectors } from './tfidf.ts';
export { charTfidfVectors, type CharTfidfOptions } from './char-tfidf.ts';
export type { IdfModel, IdfOptions, TfidfOptions, TermWeighting } from './tfidf.ts';
export { cooccurrenceCounts, trainGlove, trainGloveOnCooccurrences, sentenceVectors } from './glove.ts';
export type { WordVectors, Cooccurrences, CooccurrenceOptions, GloveOptions, GloveFitOptions } from './glove.ts';
export { loadGloveText } from './glove-text.ts';
