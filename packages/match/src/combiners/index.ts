export { union } from './union.ts';
export { concat, type ConcatOptions } from './concat.ts';
export { blend, blendedFeatures, type BlendOptions } from './blend.ts';
export { clusteringEnsemble, clusteringEnsembleMatches } from './clustering.ts';
