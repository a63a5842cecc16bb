// Names and seed settings that configs need before any model exists. Nothing here imports tfjs, so a
// config schema can use them without loading the training stack (`@prodmatch/vision/constants`).
export type BackboneName = 'small' | 'b0' | 'b1' | 'b2' | 'b3';
export const BACKBONES = ['small', 'b0', 'b1', 'b2', 'b3'] as const satisfies readonly BackboneName[];
export { SEED_ARCFACE, type ArcFaceOptions, type HeadKind } from './heads.ts';
export { SEED_SCHEDULE, type LearningRateSchedule } from './schedule.ts';
export type { SamplerKind } from './sampler.ts';
