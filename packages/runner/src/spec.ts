import type { FeatureChoice } from '@prodmatch/features';
import type { Combiner } from '@prodmatch/match/combiner';
import type { KnnMethod } from '@prodmatch/knn';

/** One channel of an experiment: a feature with its config, its kNN, and the threshold grid tuned on val. */
export interface ChannelSpec {
  /** A feature and the config keys this experiment sets (e.g. `wordTfidf({ idf: { minDf: 2 } })`). */
  features: FeatureChoice;
  knn: {
    k: number;
    method?: KnnMethod;
    /** Rank only these channels' candidates by this channel's exact distance instead of searching. */
    candidatesFrom?: readonly string[];
    /** Hash features: keep only neighbours within this many bits, found by a multi-index search. */
    maxDistance?: number;
  };
  /** Distance grid swept on val (split) or on all rows (full). */
  thresholds: readonly number[];
  /** Per-channel min2: keep at least this many of this channel's matches, self included. */
  minMatches?: number;
}

/** An experiment file's whole content: what it matches with and how the channels combine. */
export interface ExperimentSpec {
  /** The workspace's package name; rows are results/<dataset>/<name>.json. */
  name: string;
  description: string;
  /** One or more channels, in the order their matches are united. A plain experiment has one, `main`. */
  channels: Readonly<Record<string, ChannelSpec>>;
  /** How the channels become matches; default: the union of each channel's thresholded lists. */
  combiner?: Combiner;
  /** min2 after fusion (default 1); --min-matches overrides it. */
  minMatches?: number;
}
