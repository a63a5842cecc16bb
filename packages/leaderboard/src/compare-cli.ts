// `pnpm compare A B [--dataset NAME] [--results DIR]`: a paired bootstrap of two rows' F1 over the same
// reported postings, read from their predictions files (results/<dataset>/<row>.predictions.jsonl.gz).
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { comparePaired, comparisonText, CompareError, rowScores } from './paired.ts';
import { readResultRows, rowLabel } from './read-rows.ts';
import type { ResultRow } from '@prodmatch/results';

const repoResults = fileURLToPath(new URL('../../../results', import.meta.url));

/** The row named `label` (a row file's stem, e.g. fused-text-nb or text-idf@full), on `dataset` when given. */
export function findRow(rows: readonly ResultRow[], label: string, dataset: string | undefined): ResultRow {
  const named = rows.filter((r) => rowLabel(r) === label);
  const found = dataset === undefined ? named : named.filter((r) => r.dataset.name === dataset);
  if (found.length === 1) return found[0];
  if (found.length > 1) throw new CompareError(`${label} has rows on ${found.map((r) => r.dataset.name).join(', ')}; pass --dataset NAME`);
  const datasets = [...new Set(rows.map((r) => r.dataset.name))];
  if (dataset !== undefined && !datasets.includes(dataset))
    throw new CompareError(`no dataset ${dataset} under the results folder (datasets: ${datasets.join(', ') || 'none'})`);
  const known = rows.filter((r) => dataset === undefined || r.dataset.name === dataset).map(rowLabel);
  throw new CompareError(`no row ${label}${dataset ? ` on ${dataset}` : ''}; rows: ${[...new Set(known)].sort().join(', ')}`);
}

async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('pnpm compare')
    .usage(
      '$0 A B [--dataset NAME]\n\nPaired comparison of rows A and B (their file stems: fused-text-nb, text-idf@full, ...) on the same postings: the difference of their F1, its 95% interval (bootstrap over label groups) and P(A > B).',
    )
    .demandCommand(2, 2, 'give two rows, A and B', 'give two rows only, A and B')
    .option('dataset', { type: 'string', describe: 'dataset folder under results/ (needed when a row exists on several)' })
    .option('results', {
      type: 'string',
      default: repoResults,
      defaultDescription: '<repo>/results',
      describe: 'results folder holding the rows and predictions files',
    })
    .option('resamples', { type: 'number', default: 1000, describe: 'bootstrap resamples' })
    .check((args) => {
      if (!Number.isInteger(args.resamples) || args.resamples < 1)
        throw new CompareError(`--resamples must be a positive integer, got ${args.resamples}`);
      return true;
    })
    .fail((message, error) => {
      throw error ?? new CompareError(message);
    })
    .version(false)
    .strict()
    .help()
    .parseAsync();
  const resultsDir = resolve(process.env.INIT_CWD ?? process.cwd(), argv.results);
  const rows = await readResultRows(resultsDir);
  const [labelA, labelB] = argv._.map(String);
  const a = findRow(rows, labelA, argv.dataset);
  const b = findRow(rows, labelB, argv.dataset ?? a.dataset.name);
  if (a === b) throw new CompareError(`A and B are the same row (${labelA})`);
  const comparison = comparePaired(await rowScores(resultsDir, a), await rowScores(resultsDir, b), { resamples: argv.resamples });
  console.log(comparisonText(comparison));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: Error) => {
    console.error(`compare: ${error.message.split('\n')[0]}`);
    process.exit(1);
  });
}
