import type { Dataset, Posting } from '@prodmatch/data';
import type { CsrMatrix, DenseMatrix, DistanceUnit, Hash64Matrix } from '@prodmatch/knn';
import type { TfRuntime } from '@prodmatch/tf';
import type { z } from 'zod';

/** What a feature extractor hands the search step; the kind picks the kNN. */
export type FeatureMatrix =
  | { kind: 'dense'; matrix: DenseMatrix }
  | { kind: 'sparse'; matrix: CsrMatrix }
  | { kind: 'hash64'; matrix: Hash64Matrix };

// Training reports progress through vision's bar type; a feature context hands the same factory on.
export type { ProgressBar, ProgressFactory as Progress } from '@prodmatch/vision';
import type { ProgressFactory as Progress } from '@prodmatch/vision';

/** What a feature may use while it fits or extracts; the runner builds it once per run. */
export interface FeatureContext {
  dataset: Dataset;
  /** The folder a posting's `image` is read from (train_images/, or test_images/ for a submission). */
  imagesDir: string;
  seed: number;
  /** The tfjs runtime, initialised on first use so text-only experiments never load tfjs. */
  tf(): Promise<TfRuntime>;
  progress: Progress;
  log(message: string): void;
  /** The repo's .cache folder: checkpoints, feature caches, downloaded weights. */
  cacheDir: string;
  /** A path typed on the command line or in a config, resolved where the user typed it. */
  resolvePath(path: string): string;
}

/**
 * A feature extractor: optionally learns from labelled training postings, then turns any set of
 * postings into vectors. Unsupervised extractors (TF-IDF, GloVe) skip `fit` and fit on the postings
 * they are given, labels unused, as Kaggle solutions fit on the test set itself.
 */
export interface FeatureExtractor {
  /** What distances between these features measure; default cosine distance. */
  distance?: DistanceUnit;
  needsImages?: boolean;
  fit?(train: readonly Posting[], context: FeatureContext): Promise<void>;
  extract(postings: readonly Posting[], context: FeatureContext): Promise<FeatureMatrix>;
}

/** A feature with its config resolved: what the row records, and the extractor made from it. */
export interface ResolvedFeature {
  feature: string;
  config: Record<string, unknown>;
  extractor: FeatureExtractor;
}

/** A config value is a plain object to merge into, or a leaf that an override replaces. */
type ConfigObject = Record<string, unknown>;

/**
 * A feature as an experiment names it: which feature, the config the experiment file wrote, and the
 * schema that types, defaults and validates it. `resolve` applies overrides (from the command line),
 * parses once and makes the extractor.
 */
export interface FeatureChoice {
  feature: string;
  /** The schema's input side, for listing and checking override keys. */
  schema: z.ZodType;
  config: ConfigObject;
  resolve(overrides?: ConfigObject): ResolvedFeature;
}

export class ConfigError extends Error {}

const isPlainObject = (value: unknown): value is ConfigObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `override` laid over `base`: objects merge key by key, anything else replaces. */
export function mergeConfig(base: ConfigObject, override: ConfigObject): ConfigObject {
  const out: ConfigObject = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const below = out[key];
    out[key] = isPlainObject(value) && isPlainObject(below) ? mergeConfig(below, value) : value;
  }
  return out;
}

/** Zod's issues as one line: `idf.minDf: Too small: expected number to be >=1; ...`. */
export function issuesLine(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(config)'}: ${issue.message}`).join('; ');
}

/**
 * Declares a feature: its name, its config schema (every key with a default, so an experiment states
 * only what it changes) and `make`, which builds the extractor from the parsed config. Heavy modules
 * (tfjs, sharp) are imported inside the extractor's methods, never here.
 */
export function defineFeature<S extends z.ZodType<ConfigObject, ConfigObject>>(
  feature: string,
  schema: S,
  make: (config: z.output<S>) => FeatureExtractor,
): (config?: z.input<S>) => FeatureChoice {
  return (config) => {
    const written: ConfigObject = { ...(config ?? {}) };
    return {
      feature,
      schema,
      config: written,
      resolve(overrides = {}) {
        const parsed = schema.safeParse(mergeConfig(written, overrides));
        if (!parsed.success) throw new ConfigError(`${feature}: ${issuesLine(parsed.error)}`);
        return { feature, config: parsed.data, extractor: make(parsed.data) };
      },
    };
  };
}
