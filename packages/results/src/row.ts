// The result-row contract (DESIGN.md), owned here: the runner writes rows (writeResultRow), and every
// reader (the leaderboard, `pnpm submit`, the explorer) checks them with parseResultRow. Nothing else is
// shared between writer and readers, so the leaderboard never depends on which experiments ran.

import type { DatasetIdentity } from '@prodmatch/data';

export type { DatasetIdentity, DatasetKind } from '@prodmatch/data';
export type Protocol = 'split' | 'full' | 'fixed' | 'cv';

export interface SweepPoint {
  threshold: number;
  f1Val: number | null;
  f1Test: number;
}

export interface Timings {
  prepare: number;
  train: number;
  embed: number;
  search: number;
  total: number;
}

/** One channel of a (possibly fused) run: its settings, chosen threshold and F1 on its own at that threshold. */
export interface ChannelResult {
  name: string;
  unit: string;
  params: Record<string, unknown>;
  /** Null for a channel that only feeds a combined list (concatenation) and has no threshold of its own. */
  threshold: number | null;
  f1: { val: number | null; test: number } | null;
}

/** F1 on the tuning gallery over the first two sources' threshold grids (any others at their chosen values). */
export interface JointGrid {
  x: string;
  y: string;
  xUnit: string;
  yUnit: string;
  on: 'val' | 'all rows';
  points: { x: number; y: number; f1: number }[];
}

/** The reported F1's bootstrap interval over label groups (metrics/bootstrap.ts), from the reported rows' per-row F1. */
export interface F1Interval {
  low: number;
  high: number;
  level: number;
  resamples: number;
  unit: 'label group';
  seed: number;
}

/** One fold of a cv row: trained on the other folds but one, tuned on that one (val), tested on this fold. */
export interface CvFold {
  fold: number;
  rows: number;
  groups: number;
  thresholds: Record<string, number>;
  f1: { val: number; test: number };
}

/** Group k-fold (protocol cv): the folds, their test F1's mean and standard deviation, and the pooled out-of-fold F1. */
export interface CvSummary {
  folds: number;
  perFold: CvFold[];
  /** Mean and sample standard deviation of the folds' test F1, each at its own val-tuned thresholds. */
  mean: number;
  sd: number;
  /** Every row out of fold, at thresholds tuned on all out-of-fold predictions (the Kaggle recipe): the row's f1.test. */
  pooled: { f1: number; thresholds: Record<string, number> };
}

/** One run of a --seeds row. */
export interface SeedRun {
  seed: number;
  f1: { val: number | null; test: number };
  thresholds: Record<string, number>;
  f1Interval?: F1Interval;
  /** Protocol cv: the folds (f1.test is the pooled out-of-fold F1). */
  cv?: CvSummary;
  /** --seeds: the runs this row summarises (f1 holds their means; threshold and sweep are the first seed's). */
  seeds?: SeedsSummary;
}

/** --seeds: one run per seed (split and training seeded alike); the row's f1 holds the means. */
export interface SeedsSummary {
  values: number[];
  perSeed: SeedRun[];
  /** Mean and sample standard deviation of the seeds' reported F1. */
  mean: number;
  sd: number;
}

export interface ResultRow {
  experiment: string;
  description: string;
  dataset: DatasetIdentity;
  /** 'split': tune on val groups, report test groups; 'full': tune and report on all rows (seed's way);
   *  'fixed': --threshold given, no tuning (evaluated on the test groups); 'cv': group k-fold (see cv). */
  protocol: Protocol;
  seed: number;
  backend: { name: string; version: string };
  params: Record<string, unknown>;
  /** The first source's threshold (the only one of a single-channel run). */
  threshold: number | null;
  /** Every thresholded source's chosen threshold, by name (rows written before fusion lack it). */
  thresholds?: Record<string, number>;
  f1: { val: number | null; test: number };
  /** f1.test's interval (rows written before intervals lack it). */
  f1Interval?: F1Interval;
  /** Protocol cv: the folds (f1.test is the pooled out-of-fold F1). */
  cv?: CvSummary;
  /** --seeds: the runs this row summarises (f1 holds their means; threshold and sweep are the first seed's). */
  seeds?: SeedsSummary;
  precision: number;
  recall: number;
  /** The first source's sweep (the other sources at their chosen thresholds). */
  sweep: SweepPoint[];
  /** One sweep per source through the chosen point. */
  sweeps?: Record<string, SweepPoint[]>;
  jointGrid?: JointGrid;
  channels?: ChannelResult[];
  combiner?: { name: string; params: Record<string, unknown> };
  timings: Timings;
  gitCommit: string | null;
  finishedAt: string;
  /** The command line that produced the row, so every reported figure can be re-made. */
  command: string;
}
