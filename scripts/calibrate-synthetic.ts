// Calibration of the synthetic default against the real data, measured with the experiments
// themselves (protocol full), as the dataset's realism contract asks: phash and text-tfidf F1 on
// both sets, and their gap. Rows go to a temp results folder, never to results/.
// Usage: pnpm calibrate:synthetic [--real ../shared/datasets/shopee] [--seed 42]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ensureSyntheticDataset } from '@prodmatch/data';

const args = yargs(hideBin(process.argv))
  .options({
    real: { type: 'string', default: '../shared/datasets/shopee', describe: 'real Kaggle-layout folder' },
    seed: { type: 'number', default: 42, describe: 'generator seed of the synthetic set' },
    tolerance: { type: 'number', default: 0.05, describe: 'largest acceptable |synthetic - real| F1 gap' },
  })
  .strict()
  .parseSync();

const root = resolve(import.meta.dirname, '..');
const synthetic = await ensureSyntheticDataset({ seed: args.seed });
const results = mkdtempSync(join(tmpdir(), 'prodmatch-calibration-'));

function f1(experiment: string, data: string): { f1: number; threshold: number } {
  execFileSync(
    'pnpm',
    [
      '--silent',
      '--filter',
      experiment,
      'run',
      'experiment',
      '--',
      '--data',
      resolve(data),
      '--protocol',
      'full',
      '--results',
      results,
      '--no-leaderboard',
      '--no-progress',
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const row = JSON.parse(readFileSync(join(results, basename(resolve(data)), `${experiment}@full.json`), 'utf8')) as {
    f1: { test: number };
    threshold: number;
  };
  return { f1: row.f1.test, threshold: row.threshold };
}

let ok = true;
console.log(`| experiment | real F1 (threshold) | synthetic F1 (threshold) | gap |`);
console.log(`|---|---|---|---|`);
for (const experiment of ['phash', 'text-tfidf']) {
  const real = f1(experiment, args.real);
  const synth = f1(experiment, synthetic);
  const gap = synth.f1 - real.f1;
  ok &&= Math.abs(gap) <= args.tolerance;
  console.log(
    `| ${experiment} | ${real.f1.toFixed(4)} (${real.threshold}) | ${synth.f1.toFixed(4)} (${synth.threshold}) | ${gap >= 0 ? '+' : ''}${gap.toFixed(4)} |`,
  );
}
console.log(`synthetic set: ${synthetic}; ${ok ? 'within' : 'OUTSIDE'} ±${args.tolerance}`);
process.exit(ok ? 0 : 1);
