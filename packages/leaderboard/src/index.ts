export { SEED_F1 } from './seed.ts';
export { readResultRows, rowLabel, RESERVED_RESULT_DIRS } from './read-rows.ts';
export { leaderboardMarkdown, type LeaderboardCharts, type ChartLink } from './markdown.ts';
export { sweepChartSpec, sweepOverlaySpec, thresholdUnit, type TopLevelSpec } from './charts.ts';
export { renderChart } from './render-chart.ts';
export { regenerateLeaderboard, type RegenerateOptions, type RegeneratedLeaderboard } from './regenerate.ts';
export {
  comparePaired,
  comparisonText,
  rowScores,
  pairingProblem,
  predictionsPathOf,
  CompareError,
  type Comparison,
  type RowScores,
} from './paired.ts';
export { compareWithBest, type VersusBest } from './ties.ts';
