// `pnpm bench:scale`: how an experiment's cost grows past Kaggle's size. For each size, `pnpm submit
// <experiment>` (fit on the real train.csv, predict a test.csv of that many postings derived from the
// real rows: scale-data.ts) in a child process under /usr/bin/time: wall time, CPU time, peak RSS and
// submit's stages (embed: features of the test postings; search: the channels' searches and the
// combiner; other: loading, fitting on train.csv, matching and writing). The growth exponent is fitted
// between each pair of sizes. Runs use `--sparse-search within` (the inverted index) unless --search
// all; up to --exact-max-rows the full search runs too, and the within-threshold match recall compares
// the two submissions. Sizes run one at a time, largest last, so a run that stops keeps the smaller ones.
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
  measured: SubmitRun;
  exact?: SubmitRun;
  matchRecall?: MatchRecall;
}

const sizes = args.sizes.split(',').map(Number);
if (sizes.some((n) => !(Number.isInteger(n) && n > 0)))
  throw new Error(`--sizes ${args.sizes}: comma-separated positive integers, e.g. 35000,70000`);
const real = loadDataset(args.real);
const root = mkdtempSync(join(tmpdir(), 'prodmatch-bench-scale-'));
// Named like the real folder, so the experiment's split row on it (same train.csv, same sha256) gives the thresholds.
const dir = join(root, real.identity.name);
mkdirSync(dir);
writeFileSync(join(dir, 'train.csv'), readFileSync(real.train.path));
const load1 = (): number => Number(loadavg()[0].toFixed(2));

/** One `pnpm submit` in a child under GNU time; its submission is left at `out`. */
function submitOnce(search: string, out: string, profileDir?: string): SubmitRun {
  const loadStart = load1();
  const submit = join(REPO_ROOT, 'packages/runner/src/submit.ts');
  const command = [
    process.execPath,
    ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
    '--import',
    'tsx',
    submit,
    args.experiment,
    '--data',
    dir,
    '--out',
    out,
    '--no-progress',
    '--sparse-search',
    search,
  ];
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
    search,
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
  for (const rows of sizes) {
    writeFileSync(join(dir, 'test.csv'), testCsv(derivePostings(real.train.postings, rows, args.seed)));
    const measuredOut = join(root, 'measured.csv');
    const measured = submitOnce(args.search, measuredOut, args.cpuProf && join(resolve(args.cpuProf), `${rows}`));
    console.log(`${rows} postings, --sparse-search ${args.search}: ${show(measured)}`);
    const result: SizeResult = { rows, measured };
    if (args.search !== 'all' && rows <= args['exact-max-rows']) {
      const exactOut = join(root, 'exact.csv');
      result.exact = submitOnce('all', exactOut);
      result.matchRecall = matchRecall(readSubmission(readFileSync(exactOut, 'utf8')), readSubmission(readFileSync(measuredOut, 'utf8')));
      const m = result.matchRecall;
      console.log(
        `${rows} postings, --sparse-search all: ${show(result.exact)}; match recall of ${args.search} ${m.recall.toFixed(5)} (${m.referenceMatches} exact matches, ${m.extra} extra)`,
      );
    }
    results.push(result);
    if (!args.cpuProf) await save(false);
  }
  if (args.cpuProf) {
    console.log(`the CPU profiles are in ${args.cpuProf}/<postings>; a profiled bench is not recorded`);
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
