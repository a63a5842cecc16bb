import { availableParallelism } from 'node:os';
import yargs, { type Options } from 'yargs';
import { DISTANCE_RANGE, type DistanceUnit, type Protocol } from '@prodmatch/results';

export interface CommonOptions {
  data?: string;
  protocol: Exclude<Protocol, 'fixed'>;
  seed: number;
  /** Raw --threshold values: "0.45" (a single-source experiment) or "text=0.45" per source. */
  threshold?: string[];
  k?: number;
  knn?: 'exact' | 'hnsw';
  minMatches?: number;
  backend?: 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
  results: string;
  tag?: string;
  progress: boolean;
  leaderboard: boolean;
}

export class UsageError extends Error {}

// libuv's pool (sharp's decodes, fs) is sized once, on first use: before any experiment touches a file,
// give it one thread per core (default 4), so a 16-core GPU host decodes 16 images at a time.
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism()));

const COMMON_OPTIONS = (defaultResults: string): Record<string, Options> => ({
  data: { type: 'string', describe: 'Kaggle-layout folder (train.csv [+ train_images/]); default: $PRODMATCH_DATA, else the embedded synthetic set' },
  protocol: { choices: ['split', 'full'] as const, default: (process.env.PRODMATCH_PROTOCOL as 'split' | 'full' | undefined) ?? 'split', describe: 'split: train on train groups, tune on val, report test; full: fit, tune and report on all rows (the seeds\' way)' },
  seed: { type: 'number', default: Number(process.env.PRODMATCH_SEED ?? 42), describe: 'seed of the group split and of training' },
  threshold: { type: 'string', array: true, describe: 'evaluate at this distance threshold, no tuning; per source as NAME=VALUE (repeat the flag), e.g. --threshold text=0.45 --threshold phash=8' },
  k: { type: 'number', describe: 'neighbours per row before thresholding (every channel)' },
  knn: { choices: ['exact', 'hnsw'] as const, describe: 'dense search: exact batched matmul or hnswlib ANN' },
  'min-matches': { type: 'number', describe: 'keep at least this many matches per row after fusion, self included (2 = "min2")' },
  backend: { choices: ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const, describe: 'force a tfjs backend (default: best available; $PRODMATCH_BACKEND)' },
  results: { type: 'string', default: defaultResults, describe: 'results folder (rows go to <results>/<dataset>/<experiment>.json)' },
  tag: { type: 'string', describe: 'suffix for the row file, to keep a variant beside the default row' },
  progress: { type: 'boolean', default: true, describe: 'progress bars on stderr' },
  leaderboard: { type: 'boolean', default: true, describe: 'regenerate results/LEADERBOARD.md after writing the row' },
});

/** Flags whose values must be positive integers (counts), checked for every experiment that declares them. */
const POSITIVE_INTEGER_FLAGS = new Set(['k', 'min-matches', 'epochs', 'batch-size', 'img-size', 'ae-epochs', 'accumulate', 'lr-ramp-epochs']);

const camel = (flag: string): string => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Every flag declared as a number is checked here, so "--seed abc" (which yargs turns into NaN) or
 * "--epochs 2.5" is a one-line usage error instead of a silent NaN deep in a run.
 */
function checkNumbers(args: Record<string, unknown>, options: Record<string, Options>, rawArgv: readonly string[]): void {
  for (const [flag, option] of Object.entries(options)) {
    if (option.type !== 'number') continue;
    const value = args[camel(flag)];
    if (value === undefined) continue;
    const given = rawArgv[rawArgv.indexOf(`--${flag}`) + 1] ?? rawArgv.find((a) => a.startsWith(`--${flag}=`))?.slice(flag.length + 3) ?? String(value);
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new UsageError(`--${flag} must be a number, got "${given}"`);
    if (POSITIVE_INTEGER_FLAGS.has(flag) && !(Number.isInteger(value) && value >= 1)) throw new UsageError(`--${flag} must be a positive integer, got "${given}"`);
  }
}

/** The one CLI every experiment shares; an experiment adds only its own flags (e.g. --vectors). */
export function parseCli(name: string, description: string, extra: Record<string, Options>, argv: string[], defaultResults: string): CommonOptions & Record<string, unknown> {
  const options = { ...COMMON_OPTIONS(defaultResults), ...extra };
  return yargs(argv)
    .scriptName(name)
    .usage(`$0 [options]\n\n${description}`)
    .options(options)
    .check((args) => {
      checkNumbers(args, options, argv);
      if (args.seed !== undefined && !Number.isInteger(args.seed)) throw new UsageError(`--seed must be an integer, got "${String(args.seed)}"`);
      if (args.tag !== undefined && !/^[\w.-]+$/.test(String(args.tag))) throw new UsageError('--tag may contain letters, digits, ".", "_" and "-" only');
      return true;
    })
    .strict()
    // Throw instead of printing usage and exiting, so callers (and tests) get one-line errors.
    .fail((message, error) => {
      throw error ?? new UsageError(message);
    })
    .help()
    .version(false)
    .parseSync() as unknown as CommonOptions & Record<string, unknown>;
}

export interface SourceInfo {
  name: string;
  unit: DistanceUnit;
}

/**
 * --threshold values, one per source in order, range-checked against the source's distance unit
 * (cosine distance 0..2, Hamming bits 0..64). A bare number is accepted for a single-source experiment.
 */
export function fixedThresholds(raw: readonly string[] | undefined, sources: readonly SourceInfo[]): number[] | null {
  if (raw === undefined || raw.length === 0) return null;
  const names = sources.map((s) => s.name).join(', ');
  const values = new Map<string, number>();
  for (const item of raw) {
    const match = /^(?:([\w.+-]+)=)?(.*)$/.exec(item) as RegExpExecArray;
    let sourceName = match[1];
    if (sourceName === undefined) {
      if (sources.length !== 1) throw new UsageError(`--threshold ${item}: this experiment thresholds ${sources.length} sources (${names}); give each as NAME=VALUE`);
      sourceName = sources[0].name;
    }
    const source = sources.find((s) => s.name === sourceName);
    if (!source) throw new UsageError(`--threshold ${item}: no source "${sourceName}"; this experiment's sources are ${names}`);
    const value = match[2].trim() === '' ? NaN : Number(match[2]);
    const [low, high] = DISTANCE_RANGE[source.unit];
    if (!Number.isFinite(value)) throw new UsageError(`--threshold ${item}: "${match[2]}" is not a number`);
    if (value < low || value > high) throw new UsageError(`--threshold ${item}: ${source.name} measures ${source.unit}, so its threshold must be within ${low}..${high}`);
    if (values.has(source.name)) throw new UsageError(`--threshold: ${source.name} is given twice`);
    values.set(source.name, value);
  }
  const missing = sources.filter((s) => !values.has(s.name)).map((s) => s.name);
  if (missing.length > 0) throw new UsageError(`--threshold: no value for ${missing.join(', ')}; a fixed-threshold run needs every source (${names})`);
  return sources.map((s) => values.get(s.name) as number);
}
