export { searchGallery, searchesOffThread, distancesFrom, rankCandidates } from './features.ts';
export type { FeatureMatrix, KnnSpec } from './features.ts';
export type { ChannelGallery, MatchList, GalleryMatcher, CombineContext, Combiner } from './combiner.ts';
export { union } from './combiners/union.ts';
export { concat, type ConcatOptions } from './combiners/concat.ts';
export { blend, blendedFeatures, type BlendOptions } from './combiners/blend.ts';
export { clusteringEnsemble, clusteringEnsembleMatches } from './combiners/clustering.ts';
export { unionScorer, unionMatches, galleryMatches, type ScoredSource, type PostProcessing } from './score.ts';
export { tuneThresholds, type TuneResult, type TuneOptions } from './tune.ts';
