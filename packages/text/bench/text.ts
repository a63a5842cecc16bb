// `pnpm bench:text [--data DIR]`: the text-tfidf experiment end to end (CSV load, tokenize, TF-IDF, sparse kNN,
// threshold sweep; protocol full) beside scikit-learn's TfidfVectorizer(binary=True) + brute cosine kNN on the
// same CSV and the same threshold grid. Both run as separate processes, one after the other, timed from launch
// to exit (wall) and by their CPU seconds (steadier on a shared machine). Figures go to results/bench/text.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { writeFileAtomic, type ResultRow } from '@prodmatch/results';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const PYTHON = '/usr/bin/python3';
/** Goals from the tracker: F1 within 0.005 of scikit-learn, at most a quarter of its wall time. */
const MAX_F1_GAP = 0.005;
const MAX_TIME_RATIO = 0.25;

interface ReferenceOutput {
  rows: number;
  vocabulary: number;
  nnz: number;
  threshold: number;
  f1: number;
  timings: Record<string, number>;
  sklearn: string;
}

/** The shell's `times` builtin, run after the command, reports the CPU seconds its children used: a figure
 *  that, unlike wall time, barely moves when other jobs share the machine. */
const WITH_CPU_TIMES = '"$0" "$@"; status=$?; times >&2; exit $status';
const TIMES_LINE = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/;

interface Timed {
  stdout: string;
  wallSeconds: number;
  cpuSeconds: number | null;
}

function run(command: string, args: string[], what: string): Timed {
  const start = process.hrtime.bigint();
  const result = spawnSync('/bin/sh', ['-c', WITH_CPU_TIMES, command, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.error) throw new Error(`${what}: could not start ${command} (${result.error.message})`);
  const stderr = result.stderr.trim().split('\n');
  const children = TIMES_LINE.exec(stderr[stderr.length - 1] ?? '');
  if (children) stderr.splice(-2);
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status}):\n${stderr.slice(-5).join('\n')}`);
  const cpuSeconds = children ? 60 * Number(children[1]) + Number(children[2]) + 60 * Number(children[3]) + Number(children[4]) : null;
  return { stdout: result.stdout, wallSeconds, cpuSeconds };
}

async function main(): Promise<void> {
  const args = yargs(hideBin(process.argv))
    .scriptName('bench:text')
    .options({
      data: { type: 'string', default: join(REPO_ROOT, '../shared/datasets/shopee'), describe: 'Kaggle-layout folder with train.csv' },
    })
    .strict()
    .parseSync();
  const data = resolve(process.env.INIT_CWD ?? process.cwd(), args.data);
  const csv = join(data, 'train.csv');
  if (!existsSync(csv)) throw new Error(`${csv}: not found; pass --data pointing at a Kaggle-layout folder (train.csv)`);
  if (!existsSync(PYTHON))
    throw new Error(`${PYTHON}: not found; the reference needs Debian's python3 with python3-sklearn (apt-get install python3-sklearn)`);

  // Ours: the real experiment, writing its row into a scratch results folder (the bench must not add leaderboard rows).
  const scratch = mkdtempSync(join(tmpdir(), 'bench-text-'));
  let row: ResultRow;
  let ours: Timed;
  try {
    const experiment = join(REPO_ROOT, 'experiments/text-tfidf/experiment.ts');
    console.error(`text-tfidf: ${experiment} --protocol full on ${csv}`);
    ours = run(
      process.execPath,
      ['--import', 'tsx', experiment, '--data', data, '--protocol', 'full', '--results', scratch, '--no-progress', '--no-leaderboard'],
      'text-tfidf experiment',
    );
    row = JSON.parse(readFileSync(writtenRow(scratch), 'utf8')) as ResultRow;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  // The reference sweeps the experiment's own grid, so the two F1s are picked the same way.
  const [from, to, count] = row.params.thresholds as [number, number, number];
  const step = count > 1 ? (to - from) / (count - 1) : 1;
  const grid = `${from},${to},${Number(step.toFixed(6))}`;
  console.error(`scikit-learn reference: ${PYTHON} packages/text/bench/text_reference.py ${csv} --k ${row.params.k} --grid ${grid}`);
  const reference = run(
    PYTHON,
    [join(REPO_ROOT, 'packages/text/bench/text_reference.py'), csv, '--k', String(row.params.k), '--grid', grid],
    'scikit-learn reference',
  );
  const sk = JSON.parse(reference.stdout) as ReferenceOutput;

  const gap = row.f1.test - sk.f1;
  const ratio = ours.wallSeconds / reference.wallSeconds;
  const cpuRatio = ours.cpuSeconds !== null && reference.cpuSeconds ? ours.cpuSeconds / reference.cpuSeconds : null;
  const cpu = (t: Timed): string => (t.cpuSeconds === null ? '' : `, cpu ${t.cpuSeconds.toFixed(2)} s`);
  const f1Ok = Math.abs(gap) <= MAX_F1_GAP;
  const timeOk = ratio <= MAX_TIME_RATIO;
  console.log(`rows ${sk.rows}, grid ${grid}, k ${row.params.k}`);
  console.log(
    `text-tfidf (ours)      F1 ${row.f1.test.toFixed(4)} at ${row.threshold}   wall ${ours.wallSeconds.toFixed(2)} s${cpu(ours)}`,
  );
  console.log(
    `scikit-learn ${sk.sklearn.padEnd(9)} F1 ${sk.f1.toFixed(4)} at ${sk.threshold}   wall ${reference.wallSeconds.toFixed(2)} s${cpu(reference)} (kNN ${sk.timings.search.toFixed(2)} s)`,
  );
  console.log(
    `F1 gap ${gap >= 0 ? '+' : ''}${gap.toFixed(5)} (goal |gap| <= ${MAX_F1_GAP}: ${f1Ok ? 'met' : 'MISSED'})   wall-time ratio ${ratio.toFixed(3)}x (goal <= ${MAX_TIME_RATIO}x: ${timeOk ? 'met' : 'MISSED'})${cpuRatio === null ? '' : `   cpu-time ratio ${cpuRatio.toFixed(3)}x`}`,
  );

  const out = join(REPO_ROOT, 'results/bench/text.json');
  await writeFileAtomic(
    out,
    `${JSON.stringify(
      {
        bench: 'text',
        dataset: { path: row.dataset.path, rows: row.dataset.rows, sha256: row.dataset.sha256 },
        grid: { from, to, count },
        k: row.params.k,
        ours: {
          experiment: 'text-tfidf',
          protocol: row.protocol,
          f1: row.f1.test,
          threshold: row.threshold,
          wallSeconds: ours.wallSeconds,
          cpuSeconds: ours.cpuSeconds,
          timings: row.timings,
          gitCommit: row.gitCommit,
        },
        reference: {
          library: `scikit-learn ${sk.sklearn}`,
          f1: sk.f1,
          threshold: sk.threshold,
          vocabulary: sk.vocabulary,
          nnz: sk.nnz,
          wallSeconds: reference.wallSeconds,
          cpuSeconds: reference.cpuSeconds,
          timings: sk.timings,
        },
        f1Gap: gap,
        timeRatio: ratio,
        cpuTimeRatio: cpuRatio,
        goals: { maxF1Gap: MAX_F1_GAP, maxTimeRatio: MAX_TIME_RATIO, f1Met: f1Ok, timeMet: timeOk },
        finishedAt: new Date().toISOString(),
      },
      null,
      2,
    )}\n`,
  );
  console.log(`-> ${out}`);
}

/** The row lands in <results>/<dataset name>/; take the one row the experiment wrote. */
function writtenRow(dir: string): string {
  const rows = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.json'));
  if (rows.length !== 1) throw new Error(`text-tfidf experiment: expected one result row under ${dir}, found ${rows.length}`);
  return join(dir, rows[0]);
}

main().catch((error: Error) => {
  console.error(`bench:text: ${error.message}`);
  process.exit(1);
});
