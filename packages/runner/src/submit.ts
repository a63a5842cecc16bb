// `pnpm submit <experiment> --data DIR [--out FILE]`: fit on all of train.csv, predict test.csv, write a
// validated Kaggle submission.csv, at thresholds sized for test.csv's rows where `pnpm bench:gallery-size`
// measured the experiment (else the split row's).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { hideBin } from 'yargs/helpers';
import { assertImagesPresent, DataError } from '@prodmatch/data';
import { embedGallery, seconds } from '@prodmatch/match/channel';
import { installInterruptCleanup, parseGallerySizeBench, parseResultRow, writeSubmission } from '@prodmatch/results';
import { thresholdsForSize } from './gallery-size.ts';
import { REPO_ROOT } from './paths.ts';
import { cutSearchesAtThresholds } from './search-cuts.ts';
import { fitExperiment, invocationDir, prepareExperiment, type PreparedExperiment } from './prepare.ts';
import type { ExperimentSpec } from './spec.ts';

export class SubmitError extends Error {}

const EXPERIMENTS_DIR = join(REPO_ROOT, 'experiments');

/** The spec a workspace's experiment.ts exports (importing it does not run it). */
export async function loadExperimentSpec(name: string): Promise<ExperimentSpec> {
  const file = join(EXPERIMENTS_DIR, name, 'experiment.ts');
  if (!/^[\w.-]+$/.test(name) || !existsSync(file)) {
    const known = readdirSync(EXPERIMENTS_DIR)
      .filter((d) => existsSync(join(EXPERIMENTS_DIR, d, 'experiment.ts')))
      .sort();
    throw new SubmitError(`no experiment "${name}"; choose one of ${known.join(', ')}`);
  }
  const spec = ((await import(pathToFileURL(file).href)) as { default?: ExperimentSpec }).default;
  if (!spec?.channels) throw new SubmitError(`${file} does not export its spec (export default experiment(import.meta, {...}))`);
  return spec;
}

/** Where `pnpm bench:gallery-size` leaves its curves, under a results folder. */
export const gallerySizeFile = (resultsDir: string): string => join(resultsDir, 'bench', 'gallery-size.json');

/**
 * Thresholds from --threshold; else sized for test.csv's rows from the gallery-size curve
 * (results/bench/gallery-size.json) when it measured this experiment on this train.csv; else the
 * experiment's split row's (tuned on its val gallery). `from` says which, and why.
 */
export function submissionThresholds(
  prepared: PreparedExperiment,
  resultsDir: string,
  testRows: number,
): { values: number[]; from: string } {
  if (prepared.fixed) return { values: prepared.fixed, from: '--threshold' };
  const names = prepared.sources.map((s) => s.name);
  const benchPath = gallerySizeFile(resultsDir);
  const bench = existsSync(benchPath) ? parseGallerySizeBench(readFileSync(benchPath, 'utf8'), benchPath) : null;
  // The run over the whole pool reaches the largest galleries; a --disjoint run (sizes up to half) only if it is the one there is.
  const entry = bench?.runs
    .filter((r) => r.dataset.sha256 === prepared.dataset.identity.sha256)
    .sort((a, b) => Number(a.disjoint ?? false) - Number(b.disjoint ?? false))
    .flatMap((r) => r.experiments)
    .find((e) => e.experiment === prepared.spec.name);
  if (entry) {
    const sized = thresholdsForSize(entry, names, testRows);
    return { values: sized.values, from: `the gallery-size curve in ${benchPath}, sized for test.csv: ${sized.how}` };
  }
  const rowPath = join(resultsDir, prepared.dataset.identity.name, `${prepared.spec.name}.json`);
  const how = `run \`pnpm --filter ${prepared.spec.name} run experiment -- --data ${prepared.run.data ?? '<DIR>'}\` first (its val-tuned thresholds are used), or pass --threshold`;
  if (!existsSync(rowPath))
    throw new SubmitError(`${rowPath}: no split-protocol row of ${prepared.spec.name} on ${prepared.dataset.identity.name}; ${how}`);
  const row = parseResultRow(readFileSync(rowPath, 'utf8'), rowPath);
  if (row.dataset.sha256 !== prepared.dataset.identity.sha256)
    throw new SubmitError(`${rowPath}: the row was made on another train.csv (sha256 differs); ${how}`);
  const thresholds =
    row.thresholds ?? (row.threshold !== null && prepared.sources.length === 1 ? { [prepared.sources[0].name]: row.threshold } : {});
  const values = prepared.sources.map((s) => thresholds[s.name]);
  const missing = prepared.sources.filter((_, i) => values[i] === undefined).map((s) => s.name);
  if (missing.length > 0)
    throw new SubmitError(`${rowPath}: the row has no threshold for ${missing.join(', ')} (made by an older spec); ${how}`);
  return {
    values,
    from: `${rowPath}, tuned on its val gallery (no gallery-size curve for ${prepared.spec.name} on this train.csv in ${benchPath}: \`pnpm bench:gallery-size\` makes one, to size the thresholds for test.csv's ${testRows} rows)`,
  };
}

export interface SubmitResult {
  out: string;
  rows: number;
  seconds: number;
  peakRssMb: number;
  /** The thresholds used, one per source, and where they came from. */
  thresholds: { values: number[]; from: string };
}

export async function submit(rawArgv: string[]): Promise<SubmitResult> {
  const started = process.hrtime.bigint();
  const argv = rawArgv[0] === '--' ? rawArgv.slice(1) : rawArgv;
  const name = argv[0];
  if (!name || name.startsWith('-'))
    throw new SubmitError('usage: pnpm submit <experiment> --data DIR [--out FILE] [--threshold NAME=VALUE ...]');
  const spec = await loadExperimentSpec(name);
  const loaded = await prepareExperiment(spec, argv.slice(1), 'submit');
  const { dataset, log } = loaded;
  const test = dataset.test;
  if (!test) throw new DataError(`${join(dataset.dir, 'test.csv')}: not found; submit predicts Kaggle's test.csv beside train.csv`);
  if (test.postings.length === 0) throw new DataError(`${test.path}: no rows to predict`);
  const testImagesDir = join(dataset.dir, 'test_images');
  if (loaded.channels.some((c) => c.feature.extractor.needsImages)) assertImagesPresent(testImagesDir, test.postings);
  const thresholds = submissionThresholds(loaded, loaded.resultsDir, test.postings.length);
  const { channels, cuts } = cutSearchesAtThresholds(
    loaded.run.sparseSearch,
    loaded.channels,
    loaded.combiner,
    loaded.sources,
    thresholds.values,
  );
  const prepared = { ...loaded, channels };
  if (cuts.length > 0) log(`--sparse-search within: searching ${cuts.join(', ')}, the submission's thresholds`);
  const out = resolve(invocationDir(), prepared.run.out ?? 'submission.csv');
  log(
    `fitting on all ${dataset.train.postings.length} train postings; predicting ${test.postings.length} test postings at ${prepared.sources.map((s, i) => `${s.name}=${thresholds.values[i]}`).join(' ')} (from ${thresholds.from})`,
  );

  const timings = { embed: 0, search: 0 };
  await fitExperiment(prepared, dataset.train.postings, timings);
  // Image features read a posting's file from the context's image folder: for test.csv that is test_images/.
  const { matcher } = await embedGallery(
    prepared.channels,
    prepared.combiner,
    test.postings,
    { ...prepared.context, imagesDir: testImagesDir },
    timings,
    'test.csv',
  );
  const matches = matcher.matches(thresholds.values, { minMatches: prepared.minMatches });
  const ids = test.postings.map((p) => p.postingId);
  const rows = ids.map((postingId, i) => ({ postingId, matches: Array.from(matches[i], (j) => ids[j]) }));
  const samplePath = join(dataset.dir, 'sample_submission.csv');
  const header = existsSync(samplePath) ? readFileSync(samplePath, 'utf8').split(/\r?\n/, 1)[0] : undefined;
  await writeSubmission(out, rows, ids, { header });
  const result = { out, thresholds, rows: rows.length, seconds: seconds(started), peakRssMb: process.resourceUsage().maxRSS / 1024 };
  log(
    `wrote ${out}: ${result.rows} rows, validated against test.csv${header ? ' and sample_submission.csv' : ''}; ${result.seconds.toFixed(1)} s (embed ${timings.embed.toFixed(1)} s, search ${timings.search.toFixed(1)} s), peak memory ${result.peakRssMb.toFixed(0)} MB`,
  );
  return result;
}

const isMain = process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (isMain) {
  installInterruptCleanup();
  submit(hideBin(process.argv)).catch((error: Error) => {
    console.error(`submit: ${error.message.split('\n')[0]}`);
    if (process.env.PRODMATCH_DEBUG) console.error(error.stack);
    process.exit(1);
  });
}
