import { join, resolve } from 'node:path';
import { assertImagesPresent, type Dataset, type Posting } from '@prodmatch/data';
import { ConfigError, type FeatureContext, type ResolvedFeature } from '@prodmatch/features/feature';
import { channelGalleries, combineContext, type Channel } from '@prodmatch/match/channel';
import type { Combiner } from '@prodmatch/match/combiner';
import { union } from '@prodmatch/match/combiners/union';
import { parseArgs, runSchema, submitSchema, UsageError, type RunConfig } from './config.ts';
import { loadExperimentDataset } from './dataset.ts';
import { REPO_ROOT } from './paths.ts';
import { progressBars } from './progress.ts';
import type { ExperimentSpec } from './spec.ts';
import { fixedThresholds, type SourceInfo } from './thresholds.ts';
import { tfRuntime, type TfLoader } from './tf.ts';

/** pnpm runs scripts inside the workspace folder; paths on the command line mean where the user typed them. */
export const invocationDir = (): string => process.env.INIT_CWD ?? process.cwd();

/** Everything a run or a submission needs before it touches a gallery. */
export interface PreparedExperiment {
  spec: ExperimentSpec;
  argv: string[];
  run: RunConfig;
  resultsDir: string;
  dataset: Dataset;
  channels: Channel[];
  combiner: Combiner;
  sources: SourceInfo[];
  minMatches: number;
  fixed: number[] | null;
  /** --seeds: run once per seed and write one row that summarises them; null for one run at run.seed. */
  seeds: number[] | null;
  context: FeatureContext;
  tf: TfLoader;
  log: (message: string) => void;
}

/** Parses the command line against the spec's schemas, resolves every channel's config and loads the dataset; no heavy work. */
export async function prepareExperiment(
  spec: ExperimentSpec,
  rawArgv: readonly string[],
  mode: 'run' | 'submit' = 'run',
): Promise<PreparedExperiment> {
  // `pnpm run experiment -- --flag` passes the separator through; it is not a positional argument here.
  const argv = rawArgv[0] === '--' ? rawArgv.slice(1) : [...rawArgv];
  const names = Object.keys(spec.channels);
  if (names.length === 0) throw new Error(`${spec.name}: the experiment declares no channels`);
  const { run, overrides } = parseArgs(
    spec.name,
    spec.description,
    Object.fromEntries(names.map((n) => [n, spec.channels[n].features])),
    argv,
    mode === 'submit' ? submitSchema : runSchema,
  );
  if (run.folds !== undefined && run.protocol !== 'cv')
    throw new UsageError(`--folds ${run.folds}: folds are for --protocol cv (this run's protocol is ${run.protocol})`);
  const seeds = run.seeds?.split(',').map(Number) ?? null;
  if (run.sparseWithin !== undefined && run.sparseSearch !== 'within')
    throw new UsageError(`--sparse-within ${run.sparseWithin}: a cut for --sparse-search within; add that flag`);
  if (seeds && new Set(seeds).size !== seeds.length) throw new UsageError(`--seeds ${run.seeds}: a seed is given twice`);
  if (seeds && argv.some((a) => a === '--seed' || a.startsWith('--seed=')))
    throw new UsageError('--seed and --seeds do not combine: --seeds runs once per seed it lists');
  if (run.protocol === 'cv' && run.threshold?.length)
    throw new UsageError(
      '--threshold does not combine with --protocol cv: cv tunes the thresholds in every fold; evaluate fixed thresholds under --protocol split',
    );
  const log = (message: string): void => console.error(`[${spec.name}] ${message}`);
  const tf = tfRuntime(run.backend);
  if (run.backend) await tf.load(); // a forced backend fails fast, before any work

  const channels: Channel[] = names.map((name) => {
    const channel = spec.channels[name];
    for (const other of channel.knn.candidatesFrom ?? []) {
      if (!names.includes(other) || other === name)
        throw new Error(
          `${spec.name}: channel "${name}" takes candidates from "${other}", which is not another channel (${names.join(', ')})`,
        );
    }
    let feature: ResolvedFeature;
    try {
      feature = channel.features.resolve(overrides[name]);
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(`channel ${name}: ${error.message}`);
      throw error;
    }
    return {
      name,
      feature,
      unit: feature.extractor.distance ?? 'cosine distance',
      knn: {
        ...channel.knn,
        k: run.k ?? channel.knn.k,
        method: run.knn ?? channel.knn.method,
        // Beyond the grid's largest threshold no threshold can match, so --sparse-search within cuts there,
        // or tighter at --sparse-within. sparseCosineWithin needs a cut below 1 (at 1, rows sharing no term
        // would be within it).
        ...(run.sparseSearch === 'within' && Math.max(...channel.thresholds) < 1
          ? { sparseWithin: Math.min(run.sparseWithin ?? 1, Math.max(...channel.thresholds)) }
          : {}),
      },
      grid: channel.thresholds,
      minMatches: channel.minMatches ?? 1,
    };
  });
  const combiner = spec.combiner ?? union();
  const sources = combiner.sources(channels);
  const fixed = fixedThresholds(run.threshold, sources);

  const dataset = await loadExperimentDataset(run.data && resolve(invocationDir(), run.data), log);
  if (channels.some((c) => c.feature.extractor.needsImages)) assertImagesPresent(dataset.trainImagesDir, dataset.train.postings);
  const context: FeatureContext = {
    dataset,
    imagesDir: dataset.trainImagesDir,
    seed: run.seed,
    tf: tf.load,
    progress: progressBars(run.progress),
    log,
    cacheDir: join(REPO_ROOT, '.cache'),
    resolvePath: (path) => resolve(invocationDir(), path),
  };
  const resultsDir = resolve(invocationDir(), run.results ?? join(REPO_ROOT, 'results'));
  return {
    spec,
    argv,
    run,
    resultsDir,
    dataset,
    channels,
    combiner,
    sources,
    minMatches: run.minMatches ?? spec.minMatches ?? 1,
    fixed,
    seeds,
    context,
    tf,
    log,
  };
}

/** Fits every channel that learns (on the train groups under `split`, on all rows under `full`). */
export async function fitChannels(prepared: PreparedExperiment, train: readonly Posting[]): Promise<void> {
  for (const channel of prepared.channels) await channel.feature.extractor.fit?.(train, prepared.context);
}

/**
 * Fits the channels, then the combiner if it learns, on the train postings (under split, the train
 * groups). Under full a learning combiner does not fit here: it cross-fits on the gallery itself.
 */
export async function fitExperiment(
  prepared: PreparedExperiment,
  train: readonly Posting[],
  timings: { embed: number; search: number },
  fitCombiner = true,
): Promise<void> {
  await fitChannels(prepared, train);
  const { combiner, channels, context } = prepared;
  if (!combiner.fit || !fitCombiner) return;
  const galleries = await channelGalleries(channels, train, context, timings, 'train');
  await combiner.fit(
    galleries,
    train.map((p) => p.labelGroup as string),
    combineContext(channels, train, context),
  );
}
