export { runExperiment, main } from './run.ts';
export type { ExperimentSpec } from './run.ts';
export type { FeatureExtractor, FeatureContext, FeatureMatrix } from './features.ts';
export type { KnnSpec } from './search.ts';
export { tfidfFeatures, titleTokens } from './features/text.ts';
export type { TfidfFeatureSpec, TextTokens } from './features/text.ts';
export { phashFeatures } from './features/phash.ts';
export { thresholdGrid } from '@prodmatch/metrics';
