import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hideBin } from 'yargs/helpers';
import type { Options } from 'yargs';
import { assertImagesPresent, groupSplit, type Dataset, type Posting } from '@prodmatch/data';
import { tuneThresholds, union, type Combiner } from '@prodmatch/match';
import { installInterruptCleanup, predictionsPathFor, writePredictions, writeResultRow, type ChannelResult, type JointGrid, type Protocol, type ResultRow, type SweepPoint } from '@prodmatch/results';
import { parseCli, fixedThresholds, type CommonOptions, type SourceInfo } from './cli.ts';
import type { FeatureContext, FeatureExtractor } from './features.ts';
import { progressBars } from './progress.ts';
import { REPO_ROOT, gitCommit } from './paths.ts';
import { loadExperimentDataset } from './dataset.ts';
import { embedGallery, evaluateGallery, predictionRows, seconds, type ChannelPlan, type EvaluatedGallery } from './gallery.ts';
import { tfRuntime, type TfLoader } from './tf.ts';

/** One channel of an experiment: features, their kNN, and the threshold grid tuned on val. */
export interface ChannelSpec {
  /** Built from the parsed options, so flags like --vectors or --epochs can change them. */
  features: (options: Readonly<Record<string, unknown>>) => FeatureExtractor;
  knn: { k: number; method?: 'exact' | 'hnsw'; candidatesFrom?: readonly string[]; maxDistance?: number };
  /** Distance grid swept on val (split) or on all rows (full). */
  thresholds: readonly number[];
  /** Per-channel min2: keep at least this many of this channel's matches, self included. */
  minMatches?: number;
}

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
  /** Experiment-specific CLI flags. */
  options?: Record<string, Options>;
}

/** pnpm runs scripts inside the workspace folder; paths on the command line mean where the user typed them. */
export const invocationDir = (): string => process.env.INIT_CWD ?? process.cwd();

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Everything a run or a submission needs before it touches a gallery. */
export interface PreparedExperiment {
  spec: ExperimentSpec;
  argv: string[];
  options: CommonOptions & Record<string, unknown>;
  dataset: Dataset;
  channels: ChannelPlan[];
  combiner: Combiner;
  sources: SourceInfo[];
  minMatches: number;
  fixed: number[] | null;
  context: FeatureContext;
  tf: TfLoader;
  log: (message: string) => void;
}

/** Parses the CLI, checks flags against the spec (thresholds, channels) and loads the dataset; no heavy work. */
export async function prepareExperiment(spec: ExperimentSpec, rawArgv: string[], extra: Record<string, Options> = {}): Promise<PreparedExperiment> {
  // `pnpm run experiment -- --flag` passes the separator through; it is not a positional argument here.
  const argv = rawArgv[0] === '--' ? rawArgv.slice(1) : rawArgv;
  const options = parseCli(spec.name, spec.description, { ...(spec.options ?? {}), ...extra }, argv, join(REPO_ROOT, 'results'));
  const log = (message: string): void => console.error(`[${spec.name}] ${message}`);
  const tf = tfRuntime(options.backend);
  if (options.backend) await tf.load(); // a forced backend fails fast, before any work

  const names = Object.keys(spec.channels);
  if (names.length === 0) throw new Error(`${spec.name}: the experiment declares no channels`);
  const channels: ChannelPlan[] = names.map((name) => {
    const channel = spec.channels[name];
    const features = channel.features(options);
    for (const other of channel.knn.candidatesFrom ?? []) {
      if (!names.includes(other) || other === name) throw new Error(`${spec.name}: channel "${name}" takes candidates from "${other}", which is not another channel (${names.join(', ')})`);
    }
    return {
      name,
      features,
      unit: features.distance ?? 'cosine distance',
      knn: { k: options.k ?? channel.knn.k, method: options.knn ?? channel.knn.method, candidatesFrom: channel.knn.candidatesFrom, maxDistance: channel.knn.maxDistance },
      grid: channel.thresholds,
      minMatches: channel.minMatches ?? 1,
    };
  });
  const combiner = spec.combiner ?? union();
  const sources = combiner.sources(channels);
  const fixed = fixedThresholds(options.threshold, sources);

  const dataset = await loadExperimentDataset(options.data && resolve(invocationDir(), options.data), log);
  if (channels.some((c) => c.features.needsImages)) assertImagesPresent(dataset.trainImagesDir, dataset.train.postings);
  const context: FeatureContext = { dataset, seed: options.seed, options, tf: tf.load, progress: progressBars(options.progress), log };
  return { spec, argv, options, dataset, channels, combiner, sources, minMatches: options.minMatches ?? spec.minMatches ?? 1, fixed, context, tf, log };
}

/** Fits every channel that learns (on the train groups under `split`, on all rows under `full`). */
export async function fitChannels(prepared: PreparedExperiment, train: readonly Posting[]): Promise<void> {
  for (const channel of prepared.channels) if (channel.features.fit) await channel.features.fit(train, prepared.context);
}

/**
 * The shared experiment harness: parse the common CLI, load and split the dataset, fit every channel on
 * the train groups, embed and search each gallery once per channel, combine, tune the sources'
 * thresholds jointly on val, and write the row and the predictions file atomically. Returns the row.
 */
export async function runExperiment(spec: ExperimentSpec, rawArgv: string[] = hideBin(process.argv)): Promise<ResultRow> {
  const started = process.hrtime.bigint();
  const prepared = await prepareExperiment(spec, rawArgv);
  const { options, dataset, channels, sources, fixed, log } = prepared;
  const postings = dataset.train.postings;
  const split = options.protocol === 'split' ? groupSplit(postings, options.seed) : null;
  const rows = (indices: number[]): Posting[] => indices.map((i) => postings[i]);
  log(`${dataset.identity.kind} dataset ${dataset.identity.name}: ${postings.length} postings, ${dataset.identity.groups} groups; protocol ${options.protocol}; channels ${channels.map((c) => c.name).join(', ')}; combiner ${prepared.combiner.name}`);
  const timings = { prepare: seconds(started), train: 0, embed: 0, search: 0, total: 0 };

  let t = process.hrtime.bigint();
  await fitChannels(prepared, split ? rows(split.train) : postings);
  timings.train = seconds(t);

  const evaluate = async (gallery: Posting[], label: string): Promise<EvaluatedGallery> => {
    const embedded = await embedGallery(prepared, gallery, label, timings);
    t = process.hrtime.bigint();
    const evaluated = evaluateGallery(embedded, gallery, prepared);
    timings.search += seconds(t);
    return evaluated;
  };

  // Tuning gallery: val under split, all rows under full; the reported gallery: test, or all rows again.
  const tuning = await evaluate(split ? rows(split.val) : postings, split ? 'val' : 'all rows');
  const reported = split ? await evaluate(rows(split.test), 'test') : tuning;
  t = process.hrtime.bigint();
  const tuned = fixed === null ? tuneThresholds((th) => tuning.score(th).f1, tuning.grids) : null;
  const chosen = fixed ?? (tuned as NonNullable<typeof tuned>).thresholds;
  if (tuned) log(`tuned ${sources.length} threshold(s) on ${split ? 'val' : 'all rows'} by ${tuned.method} (${tuned.evaluations} evaluations): ${sources.map((s, i) => `${s.name}=${chosen[i]}`).join(' ')}`);
  const protocol: Protocol = fixed !== null ? 'fixed' : split ? 'split' : 'full';
  const testScores = reported.score(chosen);
  const valF1 = split ? tuning.score(chosen).f1 : null;

  // One sweep per source through the chosen point (the other sources held at their chosen thresholds).
  const sweeps: Record<string, SweepPoint[]> = {};
  sources.forEach((source, s) => {
    sweeps[source.name] = tuning.grids[s].map((value) => {
      const at = chosen.map((c, i) => (i === s ? value : c));
      return { threshold: value, f1Val: split ? tuning.score(at).f1 : null, f1Test: reported.score(at).f1 };
    });
  });
  // Two sources only: with three or more a 2-D slice says little and costs a grid of evaluations.
  const jointGrid: JointGrid | null = sources.length === 2 ? jointGridOf(tuning, sources, split ? 'val' : 'all rows') : null;
  const channelResults: ChannelResult[] = channels.map((channel) => {
    const s = sources.findIndex((source) => source.name === channel.name);
    return {
      name: channel.name,
      unit: channel.unit,
      params: { ...channel.features.params, k: channel.knn.k, knn: channel.knn.method ?? 'exact', ...(channel.knn.candidatesFrom ? { candidatesFrom: [...channel.knn.candidatesFrom] } : {}), ...(channel.knn.maxDistance !== undefined ? { maxDistance: channel.knn.maxDistance } : {}), minMatches: channel.minMatches, thresholds: [channel.grid[0], channel.grid[channel.grid.length - 1], channel.grid.length] },
      threshold: s >= 0 ? chosen[s] : null,
      f1: s >= 0 ? { val: split ? tuning.alone(s, chosen[s]).f1 : null, test: reported.alone(s, chosen[s]).f1 } : null,
    };
  });
  timings.search += seconds(t);
  timings.total = seconds(started);

  const suffix = (options.protocol === 'full' ? '@full' : '') + (fixed !== null ? `@t${fixed.join('_')}` : '') + (options.tag ? `@${options.tag}` : '');
  const single = channels.length === 1 ? channels[0] : null;
  const row: ResultRow = {
    experiment: spec.name,
    description: spec.description,
    // Relative to the repo, so committed rows don't carry one machine's absolute paths.
    dataset: { ...dataset.identity, path: relative(REPO_ROOT, dataset.identity.path) || '.' },
    protocol,
    seed: options.seed,
    backend: prepared.tf.identity(),
    params: {
      ...(single ? channelResults[0].params : { channels: Object.fromEntries(channelResults.map((c) => [c.name, c.params])) }),
      combiner: prepared.combiner.name,
      minMatches: prepared.minMatches,
      fixedThreshold: fixed === null ? null : Object.fromEntries(sources.map((s, i) => [s.name, fixed[i]])),
      tag: options.tag ?? null,
    },
    threshold: chosen[0],
    thresholds: Object.fromEntries(sources.map((s, i) => [s.name, chosen[i]])),
    f1: { val: valF1, test: testScores.f1 },
    precision: testScores.precision,
    recall: testScores.recall,
    sweep: sweeps[sources[0].name],
    sweeps,
    ...(jointGrid ? { jointGrid } : {}),
    channels: channelResults,
    combiner: { name: prepared.combiner.name, params: prepared.combiner.params },
    timings,
    gitCommit: gitCommit(),
    finishedAt: new Date().toISOString(),
    command: ['pnpm', '--filter', spec.name, 'run', 'experiment', '--', ...prepared.argv].map(shellQuote).join(' '),
  };
  const resultsDir = resolve(invocationDir(), options.results);
  const path = join(resultsDir, dataset.identity.name, `${spec.name}${suffix}.json`);
  // Predictions first: a row on disk always has its predictions beside it.
  await writePredictions(predictionsPathFor(path), predictionHeader(prepared, `${spec.name}${suffix}`, protocol, split ? 'test' : 'all rows', reported, chosen), predictionRows(reported, chosen));
  // Leaves a row untouched when only run-specific fields (timings, finishedAt) would change, so a
  // committed row keeps its bytes and turbo's cache (which hashes tracked outputs) can hit.
  await writeResultRow(path, row);
  const perChannel = channelResults.length > 1 ? ` [${channelResults.map((c) => `${c.name} ${c.f1 ? c.f1.test.toFixed(4) : '—'}`).join(', ')}]` : '';
  log(`F1 ${protocol === 'full' ? 'all rows' : 'test'} ${testScores.f1.toFixed(4)} (val ${valF1?.toFixed(4) ?? '—'}) at ${sources.map((s, i) => `${s.name}=${chosen[i]}`).join(' ')}${perChannel}; ${timings.total.toFixed(1)} s -> ${path}`);
  if (options.leaderboard) await (await import('@prodmatch/leaderboard')).regenerateLeaderboard(resultsDir);
  return row;
}

/** Val (or all-rows) F1 over the two sources' grids. */
function jointGridOf(tuning: EvaluatedGallery, sources: readonly SourceInfo[], on: 'val' | 'all rows'): JointGrid {
  const points: JointGrid['points'] = [];
  for (const x of tuning.grids[0]) {
    for (const y of tuning.grids[1]) points.push({ x, y, f1: tuning.score([x, y]).f1 });
  }
  return { x: sources[0].name, y: sources[1].name, xUnit: sources[0].unit, yUnit: sources[1].unit, on, points };
}

function predictionHeader(prepared: PreparedExperiment, rowName: string, protocol: Protocol, gallery: 'test' | 'all rows', evaluated: EvaluatedGallery, chosen: readonly number[]) {
  const sourceNames = prepared.sources.map((s) => s.name);
  return {
    format: 'prodmatch-predictions' as const,
    version: 1 as const,
    experiment: prepared.spec.name,
    rowName,
    dataset: { name: prepared.dataset.identity.name, sha256: prepared.dataset.identity.sha256 },
    protocol,
    gallery,
    rows: evaluated.rows,
    lists: evaluated.matcher.lists.map((list) => ({
      name: list.name,
      unit: list.unit,
      source: list.source,
      threshold: list.source ? chosen[sourceNames.indexOf(list.name)] : null,
      minMatches: list.minMatches,
      grid: [...list.grid],
    })),
    combiner: { name: prepared.combiner.name, params: prepared.combiner.params },
    recomputable: evaluated.matcher.matchesAt === undefined,
    minMatches: prepared.minMatches,
    cap: 50,
  };
}

/** Entry point for experiment workspaces: one line of error (no stack) and exit 1 on failure. */
export function main(spec: ExperimentSpec): void {
  installInterruptCleanup();
  runExperiment(spec).catch((error: Error) => {
    console.error(`${spec.name}: ${error.message.split('\n')[0]}`);
    if (process.env.PRODMATCH_DEBUG) console.error(error.stack);
    process.exit(1);
  });
}

/**
 * An experiment file's one statement: `export default experiment(import.meta, spec)`. Run as a script
 * (`tsx experiment.ts`), it runs the experiment; imported (by `pnpm submit`), it only hands over the spec.
 */
export function experiment(meta: ImportMeta, spec: ExperimentSpec): ExperimentSpec {
  if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(meta.url)) main(spec);
  return spec;
}
