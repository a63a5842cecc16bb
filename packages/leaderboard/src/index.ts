export type { ResultRow, DatasetIdentity, DatasetKind, Protocol, SweepPoint, Timings, ChannelResult, JointGrid, F1Interval, CvFold, CvSummary, SeedRun, SeedsSummary } from './row.ts';
export { SEED_F1 } from './seed.ts';
export { readResultRows, parseResultRow, rowLabel, ResultRowError } from './read-rows.ts';
export { leaderboardMarkdown, type LeaderboardCharts, type ChartLink } from './markdown.ts';
export { sweepChartSpec, sweepOverlaySpec, thresholdUnit, renderChart, type TopLevelSpec } from './charts.ts';
export { regenerateLeaderboard } from './regenerate.ts';
export { writeFileAtomic, withDirectoryLock, type LockOptions } from './atomic.ts';
export { comparePaired, comparisonText, rowScores, pairingProblem, predictionsPathOf, CompareError, type Comparison, type RowScores } from './paired.ts';
export { compareWithBest, type VersusBest } from './ties.ts';
