import type { Dataset, Posting } from '@prodmatch/data';
import type { FeatureMatrix } from '@prodmatch/match';
import type { DistanceUnit } from '@prodmatch/results';
import type { TfRuntime } from '@prodmatch/tf';
import type { Progress } from './progress.ts';

export type { FeatureMatrix } from '@prodmatch/match';

export interface FeatureContext {
  dataset: Dataset;
  seed: number;
  /** Parsed CLI options, including the experiment's own (e.g. --vectors, --epochs). */
  options: Readonly<Record<string, unknown>>;
  /** The tfjs runtime, initialised on first use so text-only experiments never load tfjs. */
  tf(): Promise<TfRuntime>;
  progress: Progress;
  log(message: string): void;
}

/**
 * A feature extractor: optionally learns from labelled training postings, then turns any set of
 * postings into vectors. Unsupervised extractors (TF-IDF, GloVe) skip `fit` and fit on the postings
 * they are given, labels unused, as Kaggle solutions fit on the test set itself.
 */
export interface FeatureExtractor {
  /** Recorded in the result row. */
  params: Record<string, unknown>;
  /** What distances between these features measure; default cosine distance. */
  distance?: DistanceUnit;
  needsImages?: boolean;
  fit?(train: readonly Posting[], context: FeatureContext): Promise<void>;
  extract(postings: readonly Posting[], context: FeatureContext): Promise<FeatureMatrix>;
}
