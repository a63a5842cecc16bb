// pnpm bench:submit: `pnpm submit fused-text` on a Kaggle-sized test.csv (70,000 rows, the size of the
// hidden test set), timed end to end in a child process, with its peak memory.
//
// No 70k-row folder with real titles exists here, so the bench makes one in a temp folder: train.csv is
// the real one (../shared/datasets/shopee, read, never copied into the repo), test.csv is 70,000 postings
// derived from the real rows: each real posting reappears up to three times with one word dropped, two
// words swapped and 0-3 phash bits flipped (seeded), so near-duplicate structure and title lengths are
// the real data's.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg, availableParallelism } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { loadDataset, seededRandom } from '@prodmatch/data';
import { writeFileAtomic } from '@prodmatch/results';
import { REPO_ROOT } from '../src/paths.ts';
import { submitCommand } from './submit-child.ts';

const args = yargs(hideBin(process.argv))
  .option('rows', { type: 'number', default: 70_000, describe: 'test.csv rows' })
  .option('experiment', { type: 'string', default: 'fused-text' })
  .option('goal-seconds', {
    type: 'number',
    default: 120,
    describe: "the wall-time goal the row is judged by (fused-text-rerank's: 180, issue 18)",
  })
  .option('real', {
    type: 'string',
    default: join(REPO_ROOT, '..', 'shared', 'datasets', 'shopee'),
    describe: 'real Kaggle folder whose train.csv is used',
  })
  .option('cpu-prof', {
    type: 'string',
    describe: "folder for the child's V8 CPU profile (node --cpu-prof), to see where a submission's time goes",
  })
  .strict()
  .parseSync();

const real = loadDataset(args.real);
const random = seededRandom(2026);
const root = mkdtempSync(join(tmpdir(), 'prodmatch-bench-submit-'));
// Named like the real folder, so the experiment's split row on it (same train.csv, same sha256) gives the thresholds.
const dir = join(root, real.identity.name);
mkdirSync(dir);
writeFileSync(join(dir, 'train.csv'), readFileSync(real.train.path));
const quote = (s: string): string => `"${s.replace(/"/g, '""')}"`;
const lines = ['posting_id,image,image_phash,title'];
const source = real.train.postings;
for (let i = 0; lines.length <= args.rows; i++) {
  const p = source[i % source.length];
  const words = p.title.split(/\s+/).filter(Boolean);
  if (words.length > 3) words.splice(Math.floor(random() * words.length), 1);
  if (words.length > 2) {
    const a = Math.floor(random() * words.length);
    const b = Math.floor(random() * words.length);
    [words[a], words[b]] = [words[b], words[a]];
  }
  let hash = BigInt(`0x${p.imagePhash}`);
  for (let f = Math.floor(random() * 4); f > 0; f--) hash ^= 1n << BigInt(Math.floor(random() * 64));
  lines.push(`test_${i},${p.image},${hash.toString(16).padStart(16, '0')},${quote(words.join(' '))}`);
}
writeFileSync(join(dir, 'test.csv'), `${lines.join('\n')}\n`);

const out = join(root, 'submission.csv');
const loadAtStart = loadavg()[0];
const started = performance.now();
const [node, ...childArgs] = submitCommand(args.experiment, dir, out, { cpuProfDir: args.cpuProf });
const child = spawnSync(node, childArgs, { encoding: 'utf8', cwd: REPO_ROOT, maxBuffer: 1 << 26 });
const wall = (performance.now() - started) / 1000;
process.stderr.write(child.stderr);
if (child.status !== 0) {
  rmSync(root, { recursive: true, force: true });
  console.error(`bench:submit: ${args.experiment} failed (exit ${child.status}); see its message above`);
  process.exit(1);
}
const peak = /peak memory (\d+) MB/.exec(child.stderr);
const result = {
  experiment: args.experiment,
  testRows: args.rows,
  trainRows: real.train.postings.length,
  wallSeconds: Number(wall.toFixed(1)),
  peakRssMb: peak ? Number(peak[1]) : null,
  goals: { wallSeconds: args['goal-seconds'], peakRssMb: 4096 },
  loadAverage: Number(loadavg()[0].toFixed(2)),
  loadAverageAtStart: Number(loadAtStart.toFixed(2)),
  cores: availableParallelism(),
  finishedAt: new Date().toISOString(),
};
console.log(
  `submit ${args.experiment}: ${args.rows} test rows (train ${result.trainRows}) in ${result.wallSeconds} s wall (goal < ${result.goals.wallSeconds} s), peak memory ${result.peakRssMb} MB (goal < 4096 MB); load average ${result.loadAverage} on ${result.cores} cores`,
);
// A profiled run is slower than a plain one, so it is not recorded. fused-text keeps the original file;
// other experiments get one of their own beside it.
if (args.cpuProf) console.log(`bench:submit: the CPU profile is in ${args.cpuProf}; a profiled run is not recorded`);
else {
  const file = args.experiment === 'fused-text' ? 'submit.json' : `submit-${args.experiment}.json`;
  await writeFileAtomic(join(REPO_ROOT, 'results', 'bench', file), `${JSON.stringify(result, null, 2)}\n`);
}
rmSync(root, { recursive: true, force: true });
