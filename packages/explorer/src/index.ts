export { startExplorer, explorerHandler, REPO_ROOT, type ExplorerOptions, type RunningExplorer, type ExplorerHandler } from './server.ts';
export { Explorer, ExplorerRequestError, type ExplorerSources, type WorstFilter } from './explorer.ts';
export type {
  DatasetSummary,
  ExperimentDetail,
  ExperimentSummary,
  GalleryScores,
  ListSummary,
  PostingCard,
  QueryDetail,
  RowScore,
  ApiError,
} from './api-types.ts';
