export { readPostingsCsv, DataError } from './csv.ts';
export type { Posting, PostingsFile } from './csv.ts';
export { decodeByteEscapes } from './escapes.ts';
export { loadDataset, assertImagesPresent } from './dataset.ts';
export type { Dataset, DatasetIdentity, DatasetKind } from './dataset.ts';
export { groupSplit, DEFAULT_FRACTIONS } from './split.ts';
export { groupFolds } from './folds.ts';
export { seededRandom } from './random.ts';
export type { GroupSplit, SplitFractions } from './split.ts';
export {
  DEFAULT_SYNTHETIC,
  syntheticDatasetDir,
  ensureSyntheticDataset,
  generateSyntheticDataset,
  readSyntheticManifest,
  GENERATOR as SYNTHETIC_GENERATOR,
} from './synthetic/index.ts';
export type { GenerateOptions, GenerateResult, SyntheticManifest, SyntheticOptions } from './synthetic/index.ts';
export { phashHex, phashFromFile, phashDistance } from './phash.ts';
