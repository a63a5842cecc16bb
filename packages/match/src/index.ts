export { searchGallery, searchesOffThread, distancesFrom, rankCandidates } from './search.ts';
export type { KnnSpec } from './search.ts';
export { channelGalleries, combineContext, embedGallery, assertFinite, seconds } from './channel.ts';
export type { Channel, StageTimings } from './channel.ts';
export type {
  ChannelGallery,
  MatchList,
  GalleryMatcher,
  GalleryScorer,
  CombineContext,
  Combiner,
  PostProcessing,
  PairExplanation,
} from './combiner.ts';
export { union } from './combiners/union.ts';
export { concat, type ConcatOptions } from './combiners/concat.ts';
export { blend, blendedFeatures, type BlendOptions } from './combiners/blend.ts';
export { clusteringEnsemble, clusteringEnsembleMatches } from './combiners/clustering.ts';
export { unionScorer, unionMatches, unionMatcher, type ScoredSource } from './score.ts';
export { evaluateGallery, type EvaluatedGallery } from './evaluate.ts';
export { tuneThresholds, type TuneResult, type TuneOptions } from './tune.ts';
