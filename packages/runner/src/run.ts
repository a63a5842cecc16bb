import { join, relative, resolve } from 'node:path';
import { hideBin } from 'yargs/helpers';
import type { Options } from 'yargs';
import { assertImagesPresent, groupSplit, loadDataset, type Dataset, type Posting } from '@prodmatch/data';
import { bestThreshold, thresholdSweep, type SweepPoint } from '@prodmatch/metrics';
import type { Protocol, ResultRow } from '@prodmatch/leaderboard';
import { writeFileAtomic } from '@prodmatch/leaderboard/atomic';
import type { TfRuntime } from '@prodmatch/tf';
import { neighboursWithin, type NeighbourLists } from '@prodmatch/knn';
import { parseCli, type CommonOptions } from './cli.ts';
import type { FeatureContext, FeatureExtractor } from './features.ts';
import { progressBars } from './progress.ts';
import { assertFinite, searchGallery, type KnnSpec } from './search.ts';
import { REPO_ROOT, gitCommit } from './paths.ts';
import { resolveDataDir } from './dataset.ts';

export interface ExperimentSpec {
  /** The workspace's package name; rows are results/<dataset>/<name>.json. */
  name: string;
  description: string;
  /** Features, built from the parsed options so flags like --vectors can change them. */
  features: (options: Readonly<Record<string, unknown>>) => FeatureExtractor;
  knn: KnnSpec;
  /** Distance grid swept on val (split) or on all rows (full). */
  thresholds: readonly number[];
  minMatches?: number;
  /** Experiment-specific CLI flags. */
  options?: Record<string, Options>;
  /** For matchers that are not "neighbours within a threshold" (e.g. clustering ensembles). */
  matchesAt?: (lists: NeighbourLists, threshold: number) => ArrayLike<number>[];
}

/** The sweep point at a threshold of the grid (the grid always contains it). */
const pointAt = (sweep: readonly SweepPoint[], threshold: number): SweepPoint => sweep.find((p) => p.threshold === threshold) as SweepPoint;

/** pnpm runs scripts inside the workspace folder; paths on the command line mean where the user typed them. */
const invocationDir = (): string => process.env.INIT_CWD ?? process.cwd();

const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The shared experiment harness: parse the common CLI, load and split the dataset, fit the features on
 * the train groups, search each gallery, sweep thresholds, and write one result row atomically.
 * Returns the row; `argv` defaults to the process arguments.
 */
export async function runExperiment(spec: ExperimentSpec, rawArgv: string[] = hideBin(process.argv)): Promise<ResultRow> {
  const started = process.hrtime.bigint();
  // `pnpm run experiment -- --flag` passes the separator through; it is not a positional argument here.
  const argv = rawArgv[0] === '--' ? rawArgv.slice(1) : rawArgv;
  const options = parseCli(spec.name, spec.description, spec.options ?? {}, argv, join(REPO_ROOT, 'results'));
  const log = (message: string): void => console.error(`[${spec.name}] ${message}`);
  const progress = progressBars(options.progress);

  let runtime: TfRuntime | null = null;
  // tfjs and the chart renderer load only when used: text and phash runs start in a fraction of the time.
  const tf = async (): Promise<TfRuntime> => (runtime ??= await (await import('@prodmatch/tf')).initTf(options.backend ? { backend: options.backend } : {}));
  if (options.backend) await tf(); // a forced backend fails fast, before any work

  const dataset: Dataset = loadDataset(await resolveDataDir(options.data && resolve(invocationDir(), options.data), log));
  const postings = dataset.train.postings;
  const features = spec.features(options);
  if (features.needsImages) assertImagesPresent(dataset.trainImagesDir, postings);
  const knn: KnnSpec = { k: options.k ?? spec.knn.k, method: options.knn ?? spec.knn.method };
  const minMatches = options.minMatches ?? spec.minMatches ?? 1;
  const fixed = options.threshold;
  const grid = [...new Set([...spec.thresholds, ...(fixed === undefined ? [] : [fixed])])].sort((a, b) => a - b);
  const split = options.protocol === 'split' ? groupSplit(postings, options.seed) : null;
  const rows = (indices: number[]): Posting[] => indices.map((i) => postings[i]);
  const context: FeatureContext = { dataset, seed: options.seed, options, tf, progress, log };
  log(`${dataset.identity.kind} dataset ${dataset.identity.name}: ${postings.length} postings, ${dataset.identity.groups} groups; protocol ${options.protocol}`);
  const timings = { prepare: seconds(started), train: 0, embed: 0, search: 0, total: 0 };

  if (features.fit) {
    const t = process.hrtime.bigint();
    await features.fit(split ? rows(split.train) : postings, context);
    timings.train = seconds(t);
  }

  const evaluate = async (gallery: Posting[], label: string): Promise<SweepPoint[]> => {
    let t = process.hrtime.bigint();
    const matrix = await features.extract(gallery, context);
    assertFinite(matrix, gallery, `${dataset.train.path} (${label} gallery)`);
    timings.embed += seconds(t);
    t = process.hrtime.bigint();
    const lists = await searchGallery(matrix, knn, tf);
    const labels = gallery.map((p) => p.labelGroup as string);
    const predictAt = (threshold: number): ArrayLike<number>[] =>
      spec.matchesAt ? spec.matchesAt(lists, threshold) : neighboursWithin(lists, threshold, { minMatches });
    const sweep = thresholdSweep(predictAt, labels, grid);
    timings.search += seconds(t);
    const best = bestThreshold(sweep);
    log(`${label}: ${gallery.length} rows, best F1 ${best.f1.toFixed(4)} at ${best.threshold}`);
    return sweep;
  };

  let protocol: Protocol;
  let chosen: SweepPoint;
  let valF1: number | null;
  let sweepRows: ResultRow['sweep'];
  if (split) {
    const val = await evaluate(rows(split.val), 'val');
    const test = await evaluate(rows(split.test), 'test');
    const threshold = fixed ?? bestThreshold(val).threshold;
    protocol = fixed === undefined ? 'split' : 'fixed';
    chosen = pointAt(test, threshold);
    valF1 = pointAt(val, threshold).f1;
    sweepRows = grid.map((threshold, i) => ({ threshold, f1Val: val[i].f1, f1Test: test[i].f1 }));
  } else {
    const all = await evaluate(postings, 'all rows');
    protocol = 'full';
    chosen = pointAt(all, fixed ?? bestThreshold(all).threshold);
    valF1 = null;
    sweepRows = all.map((p) => ({ threshold: p.threshold, f1Val: null, f1Test: p.f1 }));
  }
  timings.total = seconds(started);

  const suffix = (options.protocol === 'full' ? '@full' : '') + (fixed !== undefined ? `@t${fixed}` : '') + (options.tag ? `@${options.tag}` : '');
  const row: ResultRow = {
    experiment: spec.name,
    description: spec.description,
    // Relative to the repo, so committed rows don't carry one machine's absolute paths.
    dataset: { ...dataset.identity, path: relative(REPO_ROOT, dataset.identity.path) || '.' },
    protocol,
    seed: options.seed,
    backend: runtime ? { name: (runtime as TfRuntime).backend.name, version: (runtime as TfRuntime).backend.version } : { name: 'js', version: process.version },
    params: { ...features.params, k: knn.k, knn: knn.method ?? 'exact', minMatches, thresholds: [grid[0], grid[grid.length - 1], grid.length], fixedThreshold: fixed ?? null, tag: options.tag ?? null },
    threshold: chosen.threshold,
    f1: { val: valF1, test: chosen.f1 },
    precision: chosen.precision,
    recall: chosen.recall,
    sweep: sweepRows,
    timings,
    gitCommit: gitCommit(),
    finishedAt: new Date().toISOString(),
    command: ['pnpm', '--filter', spec.name, 'run', 'experiment', '--', ...argv].map(shellQuote).join(' '),
  };
  const resultsDir = resolve(invocationDir(), options.results);
  const path = join(resultsDir, dataset.identity.name, `${spec.name}${suffix}.json`);
  await writeFileAtomic(path, JSON.stringify(row, null, 2) + '\n');
  log(`F1 ${protocol === 'full' ? 'all rows' : 'test'} ${chosen.f1.toFixed(4)} (val ${valF1?.toFixed(4) ?? '—'}) at threshold ${chosen.threshold}; ${timings.total.toFixed(1)} s -> ${path}`);
  if (options.leaderboard) await (await import('@prodmatch/leaderboard')).regenerateLeaderboard(resultsDir);
  return row;
}

/** Entry point for experiment workspaces: one line of error (no stack) and exit 1 on failure. */
export function main(spec: ExperimentSpec): void {
  runExperiment(spec).catch((error: Error) => {
    console.error(`${spec.name}: ${error.message}`);
    if (process.env.PRODMATCH_DEBUG) console.error(error.stack);
    process.exit(1);
  });
}
