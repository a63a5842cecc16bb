export {
  writePredictions,
  readPredictions,
  streamPredictions,
  predictionsPathFor,
  PredictionsFileError,
  DISTANCE_RANGE,
  PREDICTIONS_FORMAT,
  PREDICTIONS_VERSION,
} from './predictions.ts';
export type { PredictionsHeader, PredictionRow, ListInfo, DistanceUnit } from './predictions.ts';
export { validateSubmission, writeSubmission, submissionCsv, SubmissionError } from './submission.ts';
export type { SubmissionRow } from './submission.ts';
