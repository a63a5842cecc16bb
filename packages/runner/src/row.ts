// What a run leaves: the result row (the leaderboard's contract) and the predictions file's rows.
import { relative } from 'node:path';
import type { EvaluatedGallery } from '@prodmatch/match/evaluate';
import { groupBootstrap } from '@prodmatch/metrics';
import type {
  ChannelResult,
  CvSummary,
  F1Interval,
  JointGrid,
  PairReason,
  PredictionRow,
  PredictionsHeader,
  Protocol,
  ResultRow,
  SweepPoint,
} from '@prodmatch/results';
import { REPO_ROOT, gitCommit } from './paths.ts';
import type { PreparedExperiment } from './prepare.ts';

export interface RunOutcome {
  protocol: Protocol;
  /** The tuning gallery (val, or all rows under full) and the reported one (test, or all rows again). */
  tuning: EvaluatedGallery;
  reported: EvaluatedGallery;
  split: boolean;
  chosen: number[];
  timings: ResultRow['timings'];
  /** Protocol cv: the folds (tuning and reported are then the pooled out-of-fold gallery). */
  cv?: CvSummary;
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Each channel's resolved config, kNN, grid and min2: the row's params, nested per channel. */
export function channelParams(prepared: PreparedExperiment): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    prepared.channels.map((c) => [
      c.name,
      {
        feature: c.feature.feature,
        config: c.feature.config,
        knn: {
          k: c.knn.k,
          method: c.knn.method ?? 'exact',
          ...(c.knn.candidatesFrom ? { candidatesFrom: [...c.knn.candidatesFrom] } : {}),
          ...(c.knn.maxDistance !== undefined ? { maxDistance: c.knn.maxDistance } : {}),
          ...(c.knn.sparseWithin !== undefined ? { sparseWithin: c.knn.sparseWithin } : {}),
        },
        thresholds: [c.grid[0], c.grid[c.grid.length - 1], c.grid.length],
        minMatches: c.minMatches,
      },
    ]),
  );
}

/** Val (or all-rows) F1 over the two sources' grids. */
function jointGridOf(outcome: RunOutcome, prepared: PreparedExperiment): JointGrid {
  const [x, y] = prepared.sources;
  const points: JointGrid['points'] = [];
  for (const a of outcome.tuning.grids[0])
    for (const b of outcome.tuning.grids[1]) points.push({ x: a, y: b, f1: outcome.tuning.score([a, b]).f1 });
  return { x: x.name, y: y.name, xUnit: x.unit, yUnit: y.unit, on: outcome.split ? 'val' : 'all rows', points };
}

/** The reported F1's 95% interval: a seeded bootstrap over the reported gallery's label groups (1,000 resamples). */
export function f1Interval(reported: EvaluatedGallery, chosen: readonly number[], seed: number): F1Interval {
  const { low, high, level, resamples, unit } = groupBootstrap(
    reported.rowF1(chosen),
    reported.postings.map((p) => p.labelGroup as string),
    { seed },
  );
  return { low, high, level, resamples, unit, seed };
}

export function resultRow(prepared: PreparedExperiment, outcome: RunOutcome): ResultRow {
  const { spec, sources, fixed, run, dataset } = prepared;
  const { tuning, reported, split, chosen } = outcome;
  const testScores = reported.score(chosen);
  // One sweep per source through the chosen point (the other sources held at their chosen thresholds).
  const sweeps: Record<string, SweepPoint[]> = {};
  sources.forEach((source, s) => {
    sweeps[source.name] = tuning.grids[s].map((value) => {
      const at = chosen.map((c, i) => (i === s ? value : c));
      return { threshold: value, f1Val: split ? tuning.score(at).f1 : null, f1Test: reported.score(at).f1 };
    });
  });
  const params = channelParams(prepared);
  const channels: ChannelResult[] = prepared.channels.map((channel) => {
    const s = sources.findIndex((source) => source.name === channel.name);
    return {
      name: channel.name,
      unit: channel.unit,
      params: params[channel.name],
      threshold: s >= 0 ? chosen[s] : null,
      f1: s >= 0 ? { val: split ? tuning.alone(s, chosen[s]).f1 : null, test: reported.alone(s, chosen[s]).f1 } : null,
    };
  });
  // Two sources only: with three or more a 2-D slice says little and costs a grid of evaluations.
  const jointGrid = sources.length === 2 ? jointGridOf(outcome, prepared) : null;
  return {
    experiment: spec.name,
    description: spec.description,
    // Relative to the repo, so committed rows don't carry one machine's absolute paths.
    dataset: { ...dataset.identity, path: relative(REPO_ROOT, dataset.identity.path) || '.' },
    protocol: outcome.protocol,
    seed: run.seed,
    backend: prepared.tf.identity(),
    params: {
      channels: params,
      combiner: prepared.combiner.name,
      minMatches: prepared.minMatches,
      fixedThreshold: fixed === null ? null : Object.fromEntries(sources.map((s, i) => [s.name, fixed[i]])),
      tag: run.tag ?? null,
    },
    threshold: chosen[0],
    thresholds: Object.fromEntries(sources.map((s, i) => [s.name, chosen[i]])),
    f1: { val: split ? tuning.score(chosen).f1 : null, test: testScores.f1 },
    f1Interval: f1Interval(reported, chosen, run.seed),
    ...(outcome.cv ? { cv: outcome.cv } : {}),
    precision: testScores.precision,
    recall: testScores.recall,
    sweep: sweeps[sources[0].name],
    sweeps,
    ...(jointGrid ? { jointGrid } : {}),
    channels,
    combiner: { name: prepared.combiner.name, params: prepared.combiner.params },
    timings: outcome.timings,
    gitCommit: gitCommit(),
    finishedAt: new Date().toISOString(),
    command: ['pnpm', '--filter', spec.name, 'run', 'experiment', '--', ...prepared.argv].map(shellQuote).join(' '),
  };
}

export function predictionsHeader(prepared: PreparedExperiment, rowName: string, outcome: RunOutcome): PredictionsHeader {
  const { reported, chosen } = outcome;
  const sourceNames = prepared.sources.map((s) => s.name);
  return {
    format: 'prodmatch-predictions',
    version: 1,
    experiment: prepared.spec.name,
    rowName,
    dataset: { name: prepared.dataset.identity.name, sha256: prepared.dataset.identity.sha256 },
    protocol: outcome.protocol,
    gallery: outcome.split ? 'test' : 'all rows',
    rows: reported.rows,
    lists: reported.matcher.lists.map((list) => ({
      name: list.name,
      unit: list.unit,
      source: list.source,
      threshold: list.source ? chosen[sourceNames.indexOf(list.name)] : null,
      minMatches: list.minMatches,
      grid: [...list.grid],
    })),
    combiner: { name: prepared.combiner.name, params: prepared.combiner.params },
    recomputable: reported.matcher.recomputable,
    minMatches: prepared.minMatches,
    cap: 50,
  };
}

/**
 * The reported gallery's rows for the predictions file: every list's neighbours and the chosen matches;
 * for a learned matcher also the reasons for each predicted match and each missed true match.
 */
export function* predictionRows(evaluated: EvaluatedGallery, chosen: readonly number[]): Generator<PredictionRow> {
  const matches = evaluated.matches(chosen);
  const { explain } = evaluated.matcher;
  const members = new Map<string, number[]>();
  evaluated.postings.forEach((p, i) => {
    if (p.labelGroup !== null) members.set(p.labelGroup, [...(members.get(p.labelGroup) ?? []), i]);
  });
  for (let i = 0; i < evaluated.rows; i++) {
    const neighbours: PredictionRow['neighbours'] = {};
    for (const list of evaluated.matcher.lists)
      neighbours[list.name] = [Array.from(list.lists.indices[i]), Array.from(list.lists.distances[i])];
    const row: PredictionRow = {
      postingId: evaluated.postings[i].postingId,
      labelGroup: evaluated.postings[i].labelGroup ?? null,
      neighbours,
      matches: Array.from(matches[i]),
    };
    if (explain) {
      const pairs: Record<string, PairReason> = {};
      const group = evaluated.postings[i].labelGroup;
      for (const j of new Set([...row.matches, ...(group === null ? [] : (members.get(group) ?? []))])) {
        const reason = j === i ? null : explain(i, j);
        if (reason) pairs[j] = reason;
      }
      row.pairs = pairs;
    }
    yield row;
  }
}
