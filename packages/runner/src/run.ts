import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { hideBin } from 'yargs/helpers';
import { seconds } from '@prodmatch/match/channel';
import { predictionsPathFor, writePredictions, writeResultRow, type ResultRow } from '@prodmatch/results';
import { REPO_ROOT } from './paths.ts';
import { prepareExperiment, type PreparedExperiment } from './prepare.ts';
import { DEFAULT_FOLDS, runCv, runSplitOrFull } from './protocols.ts';
import { predictionRows, predictionsHeader, resultRow, type RunOutcome } from './row.ts';
import { seedsRow, withSeed } from './seeds.ts';
import type { ExperimentSpec } from './spec.ts';

/** The row file's name: <experiment>[@full|@cv|@cvK][@t<thresholds>][@seeds][@<tag>]. */
export function rowName(prepared: PreparedExperiment): string {
  const { run, fixed, spec } = prepared;
  const protocol =
    run.protocol === 'full'
      ? '@full'
      : run.protocol === 'cv'
        ? `@cv${(run.folds ?? DEFAULT_FOLDS) === DEFAULT_FOLDS ? '' : run.folds}`
        : '';
  return `${spec.name}${protocol}${fixed !== null ? `@t${fixed.join('_')}` : ''}${prepared.seeds ? '@seeds' : ''}${run.tag ? `@${run.tag}` : ''}`;
}

/**
 * The experiment harness: fit every channel (and a learning combiner) on the training groups, embed and
 * search each gallery once per channel, combine, tune the sources' thresholds jointly (protocols.ts), and
 * write the predictions file and the row atomically. Returns the row.
 */
export async function runExperiment(spec: ExperimentSpec, rawArgv: readonly string[] = hideBin(process.argv)): Promise<ResultRow> {
  const started = process.hrtime.bigint();
  const prepared = await prepareExperiment(spec, rawArgv);
  const { run, dataset, channels, sources, log, combiner } = prepared;
  log(
    `${dataset.identity.kind} dataset ${dataset.identity.name}: ${dataset.train.postings.length} postings, ${dataset.identity.groups} groups; protocol ${run.protocol}${run.protocol === 'cv' ? ` (${run.folds ?? DEFAULT_FOLDS} folds)` : ''}; channels ${channels.map((c) => c.name).join(', ')}; combiner ${combiner.name}`,
  );
  const timings = { prepare: seconds(started), train: 0, embed: 0, search: 0, total: 0 };
  const seeds = prepared.seeds ?? [run.seed];
  const runOnce = async (seed: number, i: number): Promise<{ seeded: PreparedExperiment; outcome: RunOutcome; row: ResultRow }> => {
    const seeded = withSeed(prepared, seed);
    if (prepared.seeds) log(`seed ${seed} (${i + 1} of ${seeds.length})`);
    const outcome = run.protocol === 'cv' ? await runCv(seeded, timings) : await runSplitOrFull(seeded, timings);
    const t = process.hrtime.bigint();
    const row = resultRow(seeded, outcome);
    timings.search += seconds(t);
    if (prepared.seeds) log(`seed ${seed}: F1 ${row.f1.test.toFixed(4)}`);
    return { seeded, outcome, row };
  };
  // Only the first seed's galleries are kept: its predictions file is the one written.
  const first = await runOnce(seeds[0], 0);
  const rows = [first.row];
  for (let i = 1; i < seeds.length; i++) rows.push((await runOnce(seeds[i], i)).row);
  const { outcome } = first;
  timings.total = seconds(started);
  const row = prepared.seeds ? seedsRow(rows, timings) : { ...first.row, timings };

  const name = rowName(prepared);
  const path = join(prepared.resultsDir, dataset.identity.name, `${name}.json`);
  // Predictions first: a row on disk always has its predictions beside it.
  await writePredictions(
    predictionsPathFor(path),
    predictionsHeader(first.seeded, name, outcome),
    predictionRows(outcome.reported, outcome.chosen),
  );
  // Leaves a row untouched when only run-specific fields (timings, finishedAt) would change, so a
  // committed row keeps its bytes and turbo's cache (which hashes tracked outputs) can hit.
  await writeResultRow(path, row);
  const perChannel =
    row.channels && row.channels.length > 1
      ? ` [${row.channels.map((c) => `${c.name} ${c.f1 ? c.f1.test.toFixed(4) : '—'}`).join(', ')}]`
      : '';
  const interval = row.f1Interval ? ` [${row.f1Interval.low.toFixed(4)}, ${row.f1Interval.high.toFixed(4)}]` : '';
  const reported =
    (prepared.seeds ? `mean of ${prepared.seeds.length} seeds (sd ${row.seeds?.sd.toFixed(4)}), ` : '') +
    (outcome.protocol === 'cv' ? 'pooled out of fold' : outcome.protocol === 'full' ? 'all rows' : 'test');
  log(
    `F1 ${reported} ${row.f1.test.toFixed(4)}${interval} (val ${row.f1.val?.toFixed(4) ?? '—'}) at ${sources.map((s, i) => `${s.name}=${outcome.chosen[i]}`).join(' ')}${perChannel}; ${timings.total.toFixed(1)} s -> ${path}`,
  );
  if (run.leaderboard) await regenerateLeaderboard(prepared.resultsDir);
  return row;
}

/**
 * Markdown-only changes (a row whose sweep and F1 are unchanged) are written here, in-process. When a chart
 * changed, the whole leaderboard is made by `pnpm leaderboard --results DIR` in a process of its own:
 * rendering charts loads vega and sharp, which a text run must not load (start-up is part of every run).
 */
async function regenerateLeaderboard(resultsDir: string): Promise<void> {
  const failed = (why: string) =>
    new Error(
      `the row is written, but regenerating the leaderboard failed: ${why}; run \`pnpm leaderboard --results ${resultsDir}\` to retry`,
    );
  const { regenerateLeaderboard: regenerate } = await import('@prodmatch/leaderboard/regenerate');
  const inProcess = await regenerate(resultsDir, { renderCharts: false }).catch((error: Error) => {
    throw failed(error.message);
  });
  if (inProcess.written) return;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'packages', 'leaderboard', 'src', 'cli.ts'), '--results', resultsDir],
    { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw failed(stderr.trim().split('\n').pop() ?? `exit ${code}`);
}
