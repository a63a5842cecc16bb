export { hashBucket, hashTitles, titleFeatureStrings, DEFAULT_FEATURES } from './hashing.ts';
export type { HashedFeatureSpec, HashedTitles } from './hashing.ts';
export { bagBatch, bagInputs, fitBagVocabulary } from './inputs.ts';
export type { BagBatch, BagInputs, BagVocabulary, InputWeighting } from './inputs.ts';
export { embeddingBag, SparseAdamTable, ADAM } from './bag.ts';
export type { AdamSettings } from './bag.ts';
export { trainTitleEncoder, embedTitles, checkTitleEncoderConfig, DEFAULT_TITLE_ENCODER } from './encoder.ts';
export type { TitleEncoder, TitleEncoderConfig, TitleEncoderTraining } from './encoder.ts';
