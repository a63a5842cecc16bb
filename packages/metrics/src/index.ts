export { matchScores, labelIds, rowF1, rowScoring, startRow, countMatch, finishRow, MATCH_CAP } from './f1.ts';
export type { MatchScores, RowScoring } from './f1.ts';
export { thresholdSweep, bestThreshold, thresholdGrid } from './sweep.ts';
export type { SweepPoint } from './sweep.ts';
export { unionMatches, longestMatches, matchesWithin } from './combine.ts';
export type { ThresholdedList } from './combine.ts';
export { groupBootstrap, pairedGroupBootstrap, groupSums, quantile, DEFAULT_LEVEL, DEFAULT_RESAMPLES } from './bootstrap.ts';
export type { BootstrapOptions, GroupInterval, PairedInterval, IntervalSettings } from './bootstrap.ts';
