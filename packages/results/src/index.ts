// What a run leaves behind, and how it is written: the result row (the contract the leaderboard reads),
// the predictions file, the Kaggle submission; the one atomic writer every file goes through; the lock
// and the interrupt clean-up that keep interrupted or concurrent writers from leaving partial files.
export type {
  ResultRow,
  DatasetIdentity,
  DatasetKind,
  Protocol,
  SweepPoint,
  Timings,
  ChannelResult,
  JointGrid,
  F1Interval,
  CvFold,
  CvSummary,
  SeedRun,
  SeedsSummary,
} from './row.ts';
export { parseResultRow, ResultRowError } from './parse-row.ts';
export { writeResultRow, RUN_ONLY_FIELDS } from './write-row.ts';
export { writeFileAtomic, writeStreamAtomic, WriteFileError, type WriterIo } from './atomic.ts';
export { withDirectoryLock, type LockOptions } from './lock.ts';
export { installInterruptCleanup, removeIfInterrupted } from './interrupt.ts';
export { DISTANCE_RANGE, type DistanceUnit } from '@prodmatch/knn/units';
export {
  writePredictions,
  readPredictions,
  streamPredictions,
  predictionsPathFor,
  PredictionsFileError,
  PREDICTIONS_FORMAT,
  PREDICTIONS_VERSION,
} from './predictions.ts';
export type { PredictionsHeader, PredictionRow, ListInfo, PairReason } from './predictions.ts';
export {
  parseGallerySizeBench,
  GallerySizeError,
  GALLERY_SIZE_FORMAT,
  GALLERY_SIZE_VERSION,
} from './gallery-size.ts';
export type {
  GallerySizeBench,
  GallerySizeRun,
  GallerySizeExperiment,
  GallerySizeTuned,
  GallerySizeCell,
  GallerySizeHeldOut,
  GallerySizeSource,
  HeldOutScore,
} from './gallery-size.ts';
export { validateSubmission, writeSubmission, submissionCsv, SubmissionError } from './submission.ts';
export type { SubmissionRow } from './submission.ts';
