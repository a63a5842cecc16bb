export type { ChannelMatrix, RerankChannel } from './types.ts';
export { candidatePairs, pairIndex, reversePairs, pairLabels, candidateRecall, type CandidatePairs } from './candidates.ts';
export { titleFacts, titleIndex, canonicalNumber, QUANTITY_UNITS, type TitleFacts } from './titles.ts';
export {
  pairTable,
  pairFeatureList,
  channelFeatureList,
  featureGroups,
  TITLE_FEATURES,
  SHARED_NEIGHBOURS,
  type PairTable,
  type PairFeature,
  type PairTableInput,
  type FeatureFamily,
} from './table.ts';
export { sampleFitSet, permutedTable, allRows, type PairModel, type PairModelFactory, type FitSet } from './model.ts';
export { logisticModel, logisticContributions, type LogisticModel, type LogisticOptions } from './logistic.ts';
export { mlpModel, type MlpOptions } from './mlp.ts';
export { gbdtModel, type GbdtOptions } from './gbdt.ts';
export {
  symmetricScores,
  rerankMatches,
  cutScorer,
  chooseDecision,
  decisionScores,
  decide,
  SYMMETRISATIONS,
  CUT_GRID,
  SMOOTHING_GRID,
  type Symmetrisation,
  type Decision,
  type DecisionChoice,
  type DecisionPost,
} from './decision.ts';
export { twoHopScores, smoothScores, type Smoothing } from './smoothing.ts';
export { permutationImportance, type GroupImportance } from './importance.ts';
export { crossFitSlots, crossFitPredict, type CrossFitSlot, type CrossFitOptions } from './crossfit.ts';
export { candidateFolds, crossFoldShare, groupFolds, type FoldAssignment } from './folds.ts';
