export { smallCnn, efficientNet, roundFilters, roundRepeats, correctPad, takesRawPixels, EFFICIENTNET_COEFFICIENTS } from './backbones.ts';
export type { SmallCnnOptions, EfficientNetOptions, EfficientNetVariant } from './backbones.ts';
export {
  decodeImage,
  decodeBatch,
  pixelBatches,
  pixelsToTensor,
  imagePaths,
  drawAugment,
  colourMatrix,
  DEFAULT_AUGMENTATION,
} from './images.ts';
export type { Augmentation, DecodeOptions, ImageAugment, PixelBatch } from './images.ts';
export { inverseGroupSizeWeights, weightedSample, shuffledRows, epochOrder } from './sampler.ts';
export type { SamplerKind } from './sampler.ts';
export { learningRate, SEED_SCHEDULE } from './schedule.ts';
export type { LearningRateSchedule } from './schedule.ts';
export { arcFaceLogits, createHead, crossEntropy, SEED_ARCFACE } from './heads.ts';
export type { ArcFaceOptions, Head, HeadKind } from './heads.ts';
export { trainLoop, modelVariables } from './train.ts';
export type { LoopOptions, LoopStep, LoopTask, LoopResult, ProgressBar, ProgressFactory } from './train.ts';
export { SeededDropout, seededTrainingArgs } from './dropout.ts';
export type { SeededDropoutArgs } from './dropout.ts';
export { saveCheckpoint, loadLatestCheckpoint } from './checkpoint.ts';
export type { TrainingState } from './checkpoint.ts';
export {
  buildEmbeddingModel,
  buildBackbone,
  buildEmbeddingHead,
  backboneOf,
  saveBackbone,
  freezeBackbone,
  trainEmbeddingModel,
  trainEmbeddingHead,
  embedImages,
  classIds,
  BACKBONES,
} from './embedding.ts';
export type { BackboneName, EmbeddingModelOptions, ClassifierTraining, FreezeSpec } from './embedding.ts';
export {
  loadPretrainedModel,
  saveModel,
  loadKerasWeights,
  saveKerasWeights,
  kerasLayout,
  imagenetWeights,
  efficientNetWeightsFile,
  EFFICIENTNET_NOTOP_MD5,
  KERAS_WEIGHTS_URL,
} from './pretrained.ts';
export type { DownloadOptions } from './pretrained.ts';
export { readKerasH5, writeKerasH5 } from './h5.ts';
export type { KerasLayerWeights, KerasWeight } from './h5.ts';
export { convAutoencoder, denseAutoencoder, trainConvAutoencoder, trainDenseAutoencoder, encodeRows, CAE_LATENT } from './autoencoder.ts';
export type { Autoencoder, AutoencoderTraining } from './autoencoder.ts';
export { seedKernels } from './init.ts';
export { estimateTrainingMemory, memoryEstimateLine } from './memory.ts';
export type { MemoryEstimate } from './memory.ts';
