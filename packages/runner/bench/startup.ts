// pnpm bench:startup: what a text run costs before and beyond its work. Times `pnpm --filter text-idf run
// experiment` on the synthetic default and `pnpm submit text-idf` on the real train.csv (wall time and
// peak RSS of the whole process tree), beside a bare `node -e 0` and `pnpm --version` timed in the same
// run, and counts the project files and the packages a text run loads. Writes results/bench/startup.json.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { writeFileAtomic } from '@prodmatch/results';
import { REPO_ROOT } from '../src/paths.ts';

const args = yargs(hideBin(process.argv))
  .option('repeats', { type: 'number', default: 5, describe: 'runs of each command; the median is reported' })
  .option('real', {
    type: 'string',
    default: join(REPO_ROOT, '..', 'shared', 'datasets', 'shopee'),
    describe: 'Kaggle-layout folder with the real train.csv and test.csv (for submit)',
  })
  .strict()
  .parseSync();

interface Measured {
  wallSeconds: number;
  peakRssMb: number;
}

/** Wall time and the largest RSS of the process tree (getrusage of the waited children). */
function measure(command: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Measured {
  const started = process.hrtime.bigint();
  const result = spawnSync('/usr/bin/env', ['time', '-f', '%M', ...command], {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`${command.join(' ')} failed (${result.status}):\n${result.stderr.slice(-2000)}`);
  const lines = result.stderr.trim().split('\n');
  return { wallSeconds, peakRssMb: Number(lines[lines.length - 1]) / 1024 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function repeated(
  label: string,
  command: string[],
  cwd: string,
  env?: NodeJS.ProcessEnv,
): { label: string; command: string; wallSeconds: number; peakRssMb: number; runs: Measured[] } {
  const runs = Array.from({ length: args.repeats }, () => measure(command, cwd, env));
  const result = {
    label,
    command: command.join(' '),
    wallSeconds: median(runs.map((r) => r.wallSeconds)),
    peakRssMb: median(runs.map((r) => r.peakRssMb)),
    runs,
  };
  console.error(`${label}: ${result.wallSeconds.toFixed(2)} s, ${result.peakRssMb.toFixed(0)} MB (median of ${args.repeats})`);
  return result;
}

const load = { before: loadavg()[0] };
const results = mkdtempSync(join(tmpdir(), 'prodmatch-bench-startup-'));
const nodeBare = repeated('node -e 0', [process.execPath, '-e', '0'], REPO_ROOT);
const pnpmBare = repeated('pnpm --version', ['pnpm', '--version'], REPO_ROOT);
// Its own results folder, so the committed leaderboard is left alone; the first run also generates the
// synthetic set if this machine has none yet, so it is a warm-up that is not counted.
const textRun = ['pnpm', '--filter', 'text-idf', 'run', 'experiment', '--', '--results', results, '--no-progress'];
measure(textRun, REPO_ROOT);
const text = repeated('pnpm --filter text-idf run experiment (synthetic default)', textRun, REPO_ROOT);
const submitOut = join(results, 'submission.csv');
const submit = repeated(
  'pnpm submit text-idf (real train.csv)',
  ['pnpm', 'submit', 'text-idf', '--data', args.real, '--threshold', '0.55', '--out', submitOut, '--no-progress'],
  REPO_ROOT,
);

// Which files one text run loads: every module URL, through the recording hook.
const log = join(results, 'modules.log');
const recorded = spawnSync(
  process.execPath,
  ['--import', join(REPO_ROOT, 'scripts', 'record-modules.mjs'), '--import', 'tsx', 'experiment.ts', '--results', results, '--no-progress'],
  {
    cwd: join(REPO_ROOT, 'experiments', 'text-idf'),
    env: { ...process.env, PRODMATCH_MODULES_LOG: log },
    encoding: 'utf8',
  },
);
if (recorded.status !== 0) throw new Error(`recording the text run's modules failed:\n${recorded.stderr}`);
const modules = [...new Set(readFileSync(log, 'utf8').trim().split('\n'))];
const projectFiles = modules
  .filter((m) => m.includes(REPO_ROOT) && !m.includes('node_modules'))
  .map((m) => m.replace(/^file:\/\//, '').replace(REPO_ROOT, ''));
const packages = [
  ...new Set(
    modules
      .map((m) => /node_modules\/(@[^/]+\/[^/]+|[^/@.][^/]*)\//.exec(m.replace(/^.*\.pnpm\/[^/]+\/node_modules\//, 'node_modules/'))?.[1])
      .filter((p): p is string => p !== undefined),
  ),
].sort();
rmSync(results, { recursive: true, force: true });

const report = {
  bench: 'startup',
  machine: { cores: availableParallelism(), loadAverage: { before: load.before, after: loadavg()[0] } },
  reference: { nodeBare, pnpmBare },
  textRun: { ...text, ratioToNode: text.wallSeconds / nodeBare.wallSeconds, goal: { wallSeconds: 3.5, peakRssMb: 250 } },
  submit: { ...submit, goal: { peakRssMb: 400 } },
  loaded: { projectFiles: projectFiles.length, files: projectFiles.sort(), packages },
  finishedAt: new Date().toISOString(),
};
await writeFileAtomic(join(REPO_ROOT, 'results', 'bench', 'startup.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(
  `text run: ${text.wallSeconds.toFixed(2)} s wall (${(text.wallSeconds / nodeBare.wallSeconds).toFixed(1)}x node -e 0, ${(text.wallSeconds / pnpmBare.wallSeconds).toFixed(1)}x pnpm --version), ${text.peakRssMb.toFixed(0)} MB peak (goals 3.5 s, 250 MB)`,
);
console.log(`submit text-idf: ${submit.wallSeconds.toFixed(2)} s, ${submit.peakRssMb.toFixed(0)} MB peak (goal 400 MB)`);
console.log(`project files loaded by one text run: ${projectFiles.length}; packages: ${packages.join(', ')}`);
console.log(`load average ${load.before.toFixed(2)} -> ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores`);
