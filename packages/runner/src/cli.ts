import yargs, { type Options } from 'yargs';
import type { Protocol } from '@prodmatch/leaderboard';

export interface CommonOptions {
  data?: string;
  protocol: Exclude<Protocol, 'fixed'>;
  seed: number;
  threshold?: number;
  k?: number;
  knn?: 'exact' | 'hnsw';
  minMatches?: number;
  backend?: 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
  results: string;
  tag?: string;
  progress: boolean;
  leaderboard: boolean;
}

/** The one CLI every experiment shares; an experiment adds only its own flags (e.g. --vectors). */
export function parseCli(name: string, description: string, extra: Record<string, Options>, argv: string[], defaultResults: string): CommonOptions & Record<string, unknown> {
  return yargs(argv)
    .scriptName(name)
    .usage(`$0 [options]\n\n${description}`)
    .options({
      data: { type: 'string', describe: 'Kaggle-layout folder (train.csv [+ train_images/]); default: $PRODMATCH_DATA, else the embedded synthetic set' },
      protocol: { choices: ['split', 'full'] as const, default: (process.env.PRODMATCH_PROTOCOL as 'split' | 'full' | undefined) ?? 'split', describe: 'split: train on train groups, tune on val, report test; full: fit, tune and report on all rows (the seeds\' way)' },
      seed: { type: 'number', default: Number(process.env.PRODMATCH_SEED ?? 42), describe: 'seed of the group split and of training' },
      threshold: { type: 'number', describe: 'evaluate at this distance threshold, no tuning' },
      k: { type: 'number', describe: 'neighbours per row before thresholding' },
      knn: { choices: ['exact', 'hnsw'] as const, describe: 'dense search: exact batched matmul or hnswlib ANN' },
      'min-matches': { type: 'number', describe: 'keep at least this many matches per row, self included (2 = "min2")' },
      backend: { choices: ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const, describe: 'force a tfjs backend (default: best available; $PRODMATCH_BACKEND)' },
      results: { type: 'string', default: defaultResults, describe: 'results folder (rows go to <results>/<dataset>/<experiment>.json)' },
      tag: { type: 'string', describe: 'suffix for the row file, to keep a variant beside the default row' },
      progress: { type: 'boolean', default: true, describe: 'progress bars on stderr' },
      leaderboard: { type: 'boolean', default: true, describe: 'regenerate results/LEADERBOARD.md after writing the row' },
      ...extra,
    })
    .check((args) => {
      if (args.k !== undefined && !(Number.isInteger(args.k) && args.k >= 1)) throw new Error('--k must be a positive integer');
      if (args.threshold !== undefined && !Number.isFinite(args.threshold)) throw new Error('--threshold must be a number');
      if (args.tag !== undefined && !/^[\w.-]+$/.test(args.tag)) throw new Error('--tag may contain letters, digits, ".", "_" and "-" only');
      return true;
    })
    .strict()
    // Throw instead of printing usage and exiting, so callers (and tests) get one-line errors.
    .fail((message, error) => {
      throw error ?? new Error(message);
    })
    .help()
    .version(false)
    .parseSync() as unknown as CommonOptions & Record<string, unknown>;
}
