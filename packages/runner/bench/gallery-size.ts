// pnpm bench:gallery-size: how each fused experiment's best thresholds move with the gallery's size, and
// what a wrong size costs. Tunes the thresholds on dev galleries of several sizes (whole label groups,
// drawn seeded), scores every tuned set and the split row's on an independent gallery of every size, and
// measures, on sizes held out of the fit, the thresholds the log-linear curve gives against the split
// row's. Writes results/bench/gallery-size.json (one run per dataset), which `pnpm submit` reads to size
// its thresholds for test.csv, and the leaderboard draws.
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { groupSplit } from '@prodmatch/data';
import {
  GALLERY_SIZE_FORMAT,
  GALLERY_SIZE_VERSION,
  parseGallerySizeBench,
  parseResultRow,
  writeFileAtomic,
  type GallerySizeBench,
  type GallerySizeExperiment,
} from '@prodmatch/results';
import { measureGallerySizes } from '../src/gallery-size-measure.ts';
import { REPO_ROOT, gitCommit } from '../src/paths.ts';
import { invocationDir, prepareExperiment, type PreparedExperiment } from '../src/prepare.ts';
import { loadExperimentSpec } from '../src/submit.ts';

export const GALLERY_SIZE_FILE = join(REPO_ROOT, 'results', 'bench', 'gallery-size.json');

const sizeList = (flag: string, text: string): number[] =>
  text.split(',').map((item) => {
    if (item.trim() === 'all') return Number.POSITIVE_INFINITY;
    const n = Number(item);
    if (!Number.isInteger(n) || n < 2)
      throw new Error(`--${flag} ${text}: "${item}" is not a gallery size (an integer of 2 rows or more, or "all")`);
    return n;
  });

const args = yargs(hideBin(process.argv))
  .option('data', { type: 'string', describe: 'Kaggle-layout folder [default: the synthetic set]' })
  .option('experiments', { type: 'string', describe: 'comma-separated [default: fused-text,fused-text-nb; on synthetic data also fused]' })
  .option('sizes', {
    type: 'string',
    describe: 'gallery sizes to tune and score at, "all" = every row [default: 1000,2000,4000,8000,16000,all; synthetic 250,500,1000,all]',
  })
  .option('held-out', {
    type: 'string',
    describe: 'sizes left out of the fit, one at a time, to measure the fitted thresholds on [default: 12000,all; synthetic 700]',
  })
  .option('seed', { type: 'number', default: 42 })
  .option('disjoint', {
    type: 'boolean',
    default: false,
    describe: 'tune and score on disjoint halves of the groups (no scoring posting in any tuning gallery); sizes stop at a half',
  })
  .strict()
  .parseSync();

const dataArgs = args.data ? ['--data', resolve(invocationDir(), args.data)] : [];
const started = Date.now();
const experiments: GallerySizeExperiment[] = [];
const load1 = loadavg()[0];
const prepare = async (name: string): Promise<PreparedExperiment> =>
  prepareExperiment(await loadExperimentSpec(name), [...dataArgs, '--no-progress', '--no-leaderboard', '--seed', '42']);
// The image experiment is measured only on the synthetic set: the real one's images are not used here.
const defaults = (synthetic: boolean): string[] => ['fused-text', 'fused-text-nb', ...(synthetic ? ['fused'] : [])];
const first = await prepare(args.experiments?.split(',')[0] ?? 'fused-text');
const synthetic = first.dataset.identity.kind === 'synthetic';
const names = args.experiments?.split(',') ?? defaults(synthetic);
for (const name of names) {
  const prepared = name === first.spec.name ? first : await prepare(name);
  const { dataset } = prepared;
  const rowPath = join(prepared.resultsDir, dataset.identity.name, `${prepared.spec.name}.json`);
  const row = existsSync(rowPath) ? parseResultRow(readFileSync(rowPath, 'utf8'), rowPath) : null;
  const values =
    row?.thresholds && row.dataset.sha256 === dataset.identity.sha256 ? prepared.sources.map((s) => row.thresholds?.[s.name]) : [];
  const splitRow =
    row && row.protocol === 'split' && values.length > 0 && values.every((v): v is number => v !== undefined)
      ? { values, valRows: groupSplit(dataset.train.postings, row.seed).val.length }
      : null;
  if (!splitRow) prepared.log(`no split row with thresholds at ${rowPath}: held-out sizes are not measured`);
  experiments.push(
    await measureGallerySizes(prepared, {
      sizes: sizeList('sizes', args.sizes ?? (synthetic ? '250,500,1000,all' : '1000,2000,4000,8000,16000,all')),
      heldOut: sizeList('held-out', args['held-out'] ?? (synthetic ? '700' : '12000,all')),
      seed: args.seed,
      splitRow,
      disjoint: args.disjoint,
    }),
  );
}
const previous: GallerySizeBench = existsSync(GALLERY_SIZE_FILE)
  ? parseGallerySizeBench(readFileSync(GALLERY_SIZE_FILE, 'utf8'), GALLERY_SIZE_FILE)
  : { format: GALLERY_SIZE_FORMAT, version: GALLERY_SIZE_VERSION, runs: [] };
const run = {
  dataset: first.dataset.identity,
  disjoint: args.disjoint,
  seed: args.seed,
  sizes: [...new Set(experiments.flatMap((e) => e.tuned.map((t) => t.size)))].sort((a, b) => a - b),
  experiments,
  command: ['pnpm', 'bench:gallery-size', ...hideBin(process.argv)].join(' '),
  gitCommit: gitCommit(),
  finishedAt: new Date().toISOString(),
  load: { start: load1, end: loadavg()[0] },
  seconds: (Date.now() - started) / 1000,
};
const bench: GallerySizeBench = {
  ...previous,
  runs: [...previous.runs.filter((r) => r.dataset.name !== run.dataset.name || (r.disjoint ?? false) !== run.disjoint), run].sort((a, b) =>
    a.dataset.name.localeCompare(b.dataset.name),
  ),
};
await writeFileAtomic(GALLERY_SIZE_FILE, `${JSON.stringify(bench, null, 2)}\n`);

for (const e of experiments) {
  console.log(
    `\n${e.experiment} on ${run.dataset.name} (pool ${e.pool.rows} rows, ${e.pool.what}); F1 by tuned size (rows) x scored size:`,
  );
  const scored = [...new Set(e.cells.map((c) => c.scoredSize))];
  console.log(`| tuned \\ scored | ${scored.join(' | ')} |`);
  for (const tuned of [...new Set(e.cells.map((c) => c.tunedSize))])
    console.log(
      `| ${tuned === 0 ? 'split row' : tuned} | ${scored.map((s) => e.cells.find((c) => c.tunedSize === tuned && c.scoredSize === s)?.f1.toFixed(4)).join(' | ')} |`,
    );
  for (const h of e.heldOut)
    console.log(
      `held out ${h.rows} rows: fitted ${h.fitted.f1.toFixed(4)} vs split row ${h.splitRow.f1.toFixed(4)}: ${h.gain.difference >= 0 ? '+' : ''}${h.gain.difference.toFixed(4)} [${h.gain.low.toFixed(4)}, ${h.gain.high.toFixed(4)}], P>0 ${h.gain.pGreater.toFixed(3)}; tuned there ${h.tunedHere.f1.toFixed(4)}`,
    );
}
console.log(
  `\nwrote ${GALLERY_SIZE_FILE} in ${run.seconds.toFixed(0)} s (load ${run.load.start.toFixed(1)} -> ${run.load.end.toFixed(1)})`,
);
