export { readPostingsCsv, DataError } from './csv.ts';
export type { Posting, PostingsFile } from './csv.ts';
export { decodeByteEscapes } from './escapes.ts';
export { loadDataset, assertImagesPresent } from './dataset.ts';
export type { Dataset, DatasetIdentity, DatasetKind } from './dataset.ts';
export { groupSplit, seededRandom, DEFAULT_FRACTIONS } from './split.ts';
export type { GroupSplit, SplitFractions } from './split.ts';
