export { experiment, main } from './main.ts';
export { runExperiment, rowName } from './run.ts';
export { fitExperiment } from './prepare.ts';
export { prepareExperiment, type PreparedExperiment } from './prepare.ts';
export { runSchema, UsageError, type RunConfig } from './config.ts';
export type { ExperimentSpec, ChannelSpec } from './spec.ts';
export type { Combiner } from '@prodmatch/match/combiner';
export { thresholdGrid } from '@prodmatch/metrics';
