// The result-row contract (../shared/DESIGN.md): the runner writes it, the leaderboard reads it.
// Nothing else is shared between the two, so the leaderboard never depends on which experiments ran.

import type { DatasetIdentity } from '@prodmatch/data';

export type { DatasetIdentity, DatasetKind } from '@prodmatch/data';
export type Protocol = 'split' | 'full' | 'fixed';

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

export interface ResultRow {
  experiment: string;
  description: string;
  dataset: DatasetIdentity;
  /** 'split': tune on val groups, report test groups; 'full': tune and report on all rows (seed's way);
   *  'fixed': --threshold given, no tuning (evaluated on the test groups). */
  protocol: Protocol;
  seed: number;
  backend: { name: string; version: string };
  params: Record<string, unknown>;
  threshold: number | null;
  f1: { val: number | null; test: number };
  precision: number;
  recall: number;
  sweep: SweepPoint[];
  timings: Timings;
  gitCommit: string | null;
  finishedAt: string;
  /** The command line that produced the row, so every reported figure can be re-made. */
  command: string;
}
