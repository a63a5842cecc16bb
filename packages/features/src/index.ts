// One file per feature. Each exports its config schema and a function that takes the experiment's
// config (every key defaulted) and returns a FeatureChoice the runner resolves once. Importing this
// module loads no tfjs, sharp or h5wasm: the image and title-encoder features import them when they
// first fit or extract.
export { defineFeature, mergeConfig, issuesLine, ConfigError } from './feature.ts';
export type { FeatureChoice, FeatureContext, FeatureExtractor, FeatureMatrix, Progress, ProgressBar, ResolvedFeature } from './feature.ts';
export { titleTokens, type TextTokens } from './tokens.ts';
export { wordTfidf, wordTfidfSchema } from './word-tfidf.ts';
export { charTfidf, charTfidfSchema } from './char-tfidf.ts';
export { glove, gloveSchema } from './glove.ts';
export { phash } from './phash.ts';
export { imageEmbedding, imageEmbeddingSchema } from './image-embedding.ts';
export { autoencoder, autoencoderSchema } from './autoencoder.ts';
export { titleEncoder, titleEncoderSchema } from './title-encoder.ts';
