// `pnpm bench:scale`: how an experiment's cost grows past Kaggle's size. For each size, `pnpm submit
// <experiment>` (fit on the real train.csv, predict a test.csv of that many postings derived from the
// real rows: scale-data.ts) in a child process under /usr/bin/time: wall time, CPU time, peak RSS and
// submit's stages (embed: features of the test postings; search: the channels' searches and the
// combiner; other: loading, fitting on train.csv, matching and writing). The growth exponent is fitted
// between each pair of sizes. Runs use `--sparse-search within` (the inverted index) unless --search
// all; up to --exact-max-rows the full search runs too, and the within-threshold match recall compares
// the two submissions. Sizes run one at a time, largest last, so a run that stops keeps the smaller ones.
// --sparse-within takes candidate cuts for the sparse searches: each runs at the sizes where the full
// search runs too, and the tightest cut whose match recall reaches --min-recall at all of them is the one
// the larger sizes run with (the rule that chose hnsw's settings: the cheapest that keeps the recall).
//
// Writes --out (results/bench/scale.json) after every size, and a Vega-Lite chart (--chart .vl.json/.svg/.png).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { loadDataset } from '@prodmatch/data';
import { renderChart } from '@prodmatch/leaderboard';
import { writeFileAtomic } from '@prodmatch/results';
import { REPO_ROOT } from '../src/paths.ts';
import { submitCommand } from './submit-child.ts';
import {
  derivePostings,
  growthExponent,
  matchRecall,
  readSubmission,
  scaleChartSpec,
  testCsv,
  type ChartPoint,
  type MatchRecall,
} from './scale-data.ts';

const args = yargs(hideBin(process.argv))
  .scriptName('pnpm bench:scale')
  .options({
    experiment: {
      type: 'string',
      default: 'fused-text',
      describe: 'experiment to submit (its split row on the real data gives the thresholds)',
    },
    sizes: { type: 'string', default: '35000,70000,140000,280000', describe: 'test.csv postings of each run' },
    search: { type: 'string', choices: ['within', 'all'], default: 'within', describe: "the measured runs' --sparse-search" },
    'sparse-within': {
      type: 'string',
      default: '0.6,0.7,0.8',
      describe: "candidate cuts of the sparse searches (submit's --sparse-within; a cut at or past the grid's top is the grid's top)",
    },
    'min-recall': { type: 'number', default: 0.995, describe: 'match recall against the full search a cut must keep' },
    'exact-max-rows': {
      type: 'number',
      default: 140_000,
      describe: 'largest size at which the full search (--sparse-search all) runs too, for the match recall',
    },
    seed: { type: 'number', default: 2026, describe: "seed of the derived copies' substitutions and phash masks" },
    real: {
      type: 'string',
      default: join(REPO_ROOT, '..', 'shared', 'datasets', 'shopee'),
      describe: 'real Kaggle folder whose train.csv is used',
    },
    out: { type: 'string', default: 'results/bench/scale.json' },
    chart: { type: 'string', default: 'results/bench/scale', describe: 'chart files: <chart>.vl.json, .svg, .png' },
    replot: { type: 'boolean', default: false, describe: 'only re-draw the chart from --out (no runs)' },
    'cpu-prof': {
      type: 'string',
      describe: "folder for each measured run's V8 CPU profile (node --cpu-prof); a profiled bench writes no --out or chart",
    },
  })
  .strict()
  .parseSync();

interface SubmitRun {
  search: string;
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMb: number;
  /** submit's own stage split (seconds). */
  stages: { embed: number; search: number; other: number };
  load: [number, number];
}

interface SizeResult {
  rows: number;
  /** The run at the chosen cut. */
  measured: SubmitRun;
  exact?: SubmitRun;
  matchRecall?: MatchRecall;
  /** Where the full search ran too: every candidate cut, with its match recall. */
  cuts?: Array<{ cut: number; run: SubmitRun; matchRecall: MatchRecall }>;
}

const sizes = args.sizes
  .split(',')
  .map(Number)
  .sort((a, b) => a - b);
if (sizes.some((n) => !(Number.isInteger(n) && n > 0)))
  throw new Error(`--sizes ${args.sizes}: comma-separated positive integers, e.g. 35000,70000`);
const cuts = args['sparse-within']
  .split(',')
  .map(Number)
  .sort((a, b) => a - b);
if (cuts.some((c) => !(c > 0 && c < 1)))
  throw new Error(`--sparse-within ${args['sparse-within']}: comma-separated distances in (0, 1), e.g. 0.7,0.8`);
const real = loadDataset(args.real);
const root = mkdtempSync(join(tmpdir(), 'prodmatch-bench-scale-'));
// Named like the real folder, so the experiment's split row on it (same train.csv, same sha256) gives the thresholds.
const dir = join(root, real.identity.name);
mkdirSync(dir);
writeFileSync(join(dir, 'train.csv'), readFileSync(real.train.path));
const load1 = (): number => Number(loadavg()[0].toFixed(2));

/** One `pnpm submit` in a child under GNU time; its submission is left at `out`. */
function submitOnce(search: string, out: string, cut?: number, profileDir?: string): SubmitRun {
  const loadStart = load1();
  const command = submitCommand(args.experiment, dir, out, {
    cpuProfDir: profileDir,
    flags: ['--sparse-search', search, ...(search === 'within' && cut !== undefined ? ['--sparse-within', String(cut)] : [])],
  });
  const child = spawnSync('/usr/bin/time', ['-f', 'time: %e %U %S %M', ...command], {
    encoding: 'utf8',
    cwd: REPO_ROOT,
    maxBuffer: 1 << 26,
  });
  if (child.error) throw new Error(`bench:scale: /usr/bin/time could not run (${child.error.message}); apt-get install time`);
  const usage = /time: ([\d.]+) ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(child.stderr);
  const stages = /; ([\d.]+) s \(embed ([\d.]+) s, search ([\d.]+) s\)/.exec(child.stderr);
  if (child.status !== 0 || !usage || !stages) {
    process.stderr.write(child.stderr);
    throw new Error(`bench:scale: ${args.experiment} --sparse-search ${search} failed (exit ${child.status}); see its message above`);
  }
  const [total, embed, searchSeconds] = [Number(stages[1]), Number(stages[2]), Number(stages[3])];
  return {
    search: search === 'within' && cut !== undefined ? `within ${cut}` : search,
    wallSeconds: Number(usage[1]),
    cpuSeconds: Number((Number(usage[2]) + Number(usage[3])).toFixed(2)),
    peakRssMb: Math.round(Number(usage[4]) / 1024),
    stages: { embed, search: searchSeconds, other: Number((total - embed - searchSeconds).toFixed(2)) },
    load: [loadStart, load1()],
  };
}

const show = (r: SubmitRun): string =>
  `${r.wallSeconds.toFixed(1)} s wall (cpu ${r.cpuSeconds.toFixed(1)} s; embed ${r.stages.embed} s, search ${r.stages.search} s, other ${r.stages.other} s), peak ${r.peakRssMb} MB, load ${r.load.join('-')}`;

const results: SizeResult[] = [];
/** The cut the sizes without a full search ran at (null until chosen). */
let choice: number | null = null;

/** The tightest cut whose match recall reaches --min-recall at every size with a full search; else the loosest. */
function chooseCut(): number {
  const loosest = cuts[cuts.length - 1];
  const checked = results.flatMap((r) => (r.cuts ? [{ rows: r.rows, cuts: r.cuts }] : []));
  if (checked.length === 0) {
    console.log(`no size ran the full search, so no cut's recall is known: --sparse-within ${loosest}, the loosest`);
    return loosest;
  }
  for (const cut of cuts) {
    const recalls = checked.map((r) => r.cuts.find((c) => c.cut === cut)?.matchRecall.recall ?? 0);
    if (recalls.every((x) => x >= args['min-recall'])) {
      console.log(
        `--sparse-within ${cut}: the tightest cut with match recall >= ${args['min-recall']} at ${checked.map((r) => r.rows).join(', ')} postings (${recalls.map((x) => x.toFixed(5)).join(', ')})`,
      );
      return cut;
    }
  }
  console.log(`no cut reaches match recall ${args['min-recall']}: --sparse-within ${loosest}, the loosest`);
  return loosest;
}
const started = new Date().toISOString();
const loadStart = loadavg();
const command = `pnpm bench:scale ${hideBin(process.argv).join(' ')}`.trim();

function exponents(): Array<{ from: number; to: number; wall: number; cpu: number; search: number; peakRss: number }> {
  const out = [];
  for (let i = 1; i < results.length; i++) {
    const [a, b] = [results[i - 1], results[i]];
    const e = (f: (r: SubmitRun) => number): number => Number(growthExponent(a.rows, f(a.measured), b.rows, f(b.measured)).toFixed(3));
    out.push({
      from: a.rows,
      to: b.rows,
      wall: e((r) => r.wallSeconds),
      cpu: e((r) => r.cpuSeconds),
      search: e((r) => r.stages.search),
      peakRss: e((r) => r.peakRssMb),
    });
  }
  return out;
}

async function save(complete: boolean): Promise<void> {
  const first = results.find((r) => r.rows === 70_000);
  const last = results.find((r) => r.rows === 280_000);
  const fit =
    first && last
      ? {
          wall: Number(growthExponent(first.rows, first.measured.wallSeconds, last.rows, last.measured.wallSeconds).toFixed(3)),
          cpu: Number(growthExponent(first.rows, first.measured.cpuSeconds, last.rows, last.measured.cpuSeconds).toFixed(3)),
        }
      : null;
  const report = {
    bench: 'scale',
    command,
    complete,
    experiment: args.experiment,
    search: args.search,
    sparseWithin: {
      candidates: cuts,
      minRecall: args['min-recall'],
      chosen: choice,
      rule: 'the tightest candidate cut whose match recall against the full search reaches minRecall at every size where the full search ran',
    },
    derivation:
      'copy 0: the real train.csv rows; copy c >= 1: product-specific words (in < 0.5% of titles) by a per-copy letter/digit substitution, phash XOR a per-copy mask (packages/runner/bench/scale-data.ts)',
    host: { cpus: availableParallelism(), memoryGB: Math.round(totalmem() / 2 ** 30), node: process.version },
    loadavgStart: loadStart,
    loadavgEnd: loadavg(),
    started,
    finished: new Date().toISOString(),
    goals: { wallSecondsAt280k: 600, peakRssMbAt280k: 8192, exponent70kTo280k: 1.3, matchRecall: 0.995 },
    sizes: results,
    exponents: exponents(),
    exponent70kTo280k: fit,
  };
  await writeFileAtomic(resolve(REPO_ROOT, args.out), `${JSON.stringify(report, null, 2)}\n`);
}

async function chart(experiment: string, loadAtStart: number[]): Promise<void> {
  const points: ChartPoint[] = [];
  for (const r of results) {
    for (const run of [r.measured, ...(r.exact ? [r.exact] : [])]) {
      const base = { experiment, search: run.search, rows: r.rows };
      points.push({ ...base, measure: 'wall', value: run.wallSeconds });
      points.push({ ...base, measure: 'cpu (all threads)', value: run.cpuSeconds });
      points.push({ ...base, measure: 'search stage', value: Math.max(0.01, run.stages.search) });
      points.push({ ...base, measure: 'embed stage', value: Math.max(0.01, run.stages.embed) });
      points.push({ ...base, measure: 'peak RSS', value: run.peakRssMb });
    }
  }
  const subtitle = `${availableParallelism()} cores; load average ${loadAtStart.map((l) => l.toFixed(1)).join(' ')} at start (shared machine)`;
  await renderChart(
    scaleChartSpec(points, `pnpm submit ${experiment}: time and memory against postings`, subtitle),
    resolve(REPO_ROOT, args.chart),
  );
}

async function main(): Promise<void> {
  if (args.replot) {
    const saved = JSON.parse(readFileSync(resolve(REPO_ROOT, args.out), 'utf8')) as {
      experiment: string;
      sizes: SizeResult[];
      loadavgStart: number[];
    };
    results.push(...saved.sizes);
    await chart(saved.experiment, saved.loadavgStart);
    console.log(`re-drew ${args.chart}.vl.json/.svg/.png from ${args.out}`);
    return;
  }
  console.log(
    `bench:scale ${args.experiment} on ${availableParallelism()} cores, load average ${loadStart.map((l) => l.toFixed(2)).join(' ')}`,
  );
  // The sizes with a full search run every cut; the first size without one fixes the choice.
  const choose = (): number => {
    choice = chooseCut();
    // Each size with a full search reports its run at the chosen cut.
    for (const r of results) {
      const atChoice = r.cuts?.find((c) => c.cut === choice);
      if (atChoice) {
        r.measured = atChoice.run;
        r.matchRecall = atChoice.matchRecall;
      }
    }
    return choice;
  };
  for (const rows of sizes) {
    writeFileSync(join(dir, 'test.csv'), testCsv(derivePostings(real.train.postings, rows, args.seed)));
    const measuredOut = join(root, 'measured.csv');
    const profile = (cut: number): string | undefined => args.cpuProf && join(resolve(args.cpuProf), `${rows}-${cut}`);
    let result: SizeResult;
    if (args.search !== 'all' && rows <= args['exact-max-rows']) {
      const exactOut = join(root, 'exact.csv');
      const exact = submitOnce('all', exactOut);
      const reference = readSubmission(readFileSync(exactOut, 'utf8'));
      console.log(`${rows} postings, --sparse-search all: ${show(exact)}`);
      const tried = cuts.map((cut) => {
        const run = submitOnce(args.search, measuredOut, cut, profile(cut));
        const recall = matchRecall(reference, readSubmission(readFileSync(measuredOut, 'utf8')));
        console.log(
          `${rows} postings, --sparse-search ${args.search} --sparse-within ${cut}: ${show(run)}; match recall ${recall.recall.toFixed(5)} (${recall.referenceMatches} exact matches, ${recall.extra} extra)`,
        );
        return { cut, run, matchRecall: recall };
      });
      result = { rows, measured: tried[tried.length - 1].run, exact, cuts: tried };
    } else {
      const chosen = choice ?? choose();
      const measured = submitOnce(args.search, measuredOut, chosen, profile(chosen));
      console.log(`${rows} postings, --sparse-search ${args.search} --sparse-within ${chosen}: ${show(measured)}`);
      result = { rows, measured };
    }
    results.push(result);
    if (!args.cpuProf) await save(false);
  }
  if (choice === null) choose();
  if (args.cpuProf) {
    console.log(`the CPU profiles are in ${args.cpuProf}/<postings>-<cut>; a profiled bench is not recorded`);
    return;
  }
  await save(true);
  await chart(args.experiment, loadStart);
  for (const e of exponents())
    console.log(`growth ${e.from} -> ${e.to}: wall ${e.wall}, cpu ${e.cpu}, search stage ${e.search}, peak RSS ${e.peakRss}`);
  console.log(
    `wrote ${args.out} and ${args.chart}.vl.json/.svg/.png; load average at end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

// Failures are one line (a failed submit has printed its own message above).
main()
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  })
  .finally(() => rmSync(root, { recursive: true, force: true }));
