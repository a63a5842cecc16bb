import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { hideBin } from 'yargs/helpers';
import { groupSplit, type Posting } from '@prodmatch/data';
import { channelGalleries, combineContext, embedGallery, evaluateGallery, seconds, tuneThresholds, type EvaluatedGallery } from '@prodmatch/match';
import { predictionsPathFor, writePredictions, writeResultRow, type ResultRow } from '@prodmatch/results';
import { REPO_ROOT } from './paths.ts';
import { fitChannels, prepareExperiment, type PreparedExperiment } from './prepare.ts';
import { predictionRows, predictionsHeader, resultRow, type RunOutcome } from './row.ts';
import type { ExperimentSpec } from './spec.ts';

/**
 * Fits the channels, then the combiner if it learns, on the train postings (under split, the train
 * groups). Under full a learning combiner does not fit here: it cross-fits on the gallery itself.
 */
export async function fitExperiment(prepared: PreparedExperiment, train: readonly Posting[], timings: { embed: number; search: number }, fitCombiner = true): Promise<void> {
  await fitChannels(prepared, train);
  const { combiner, channels, context } = prepared;
  if (!combiner.fit || !fitCombiner) return;
  const galleries = await channelGalleries(channels, train, context, timings, 'train');
  await combiner.fit(galleries, train.map((p) => p.labelGroup as string), combineContext(channels, train, context));
}

/**
 * The experiment harness: fit every channel (and a learning combiner) on the train groups, embed and
 * search each gallery once per channel, combine, tune the sources' thresholds jointly on val, and write
 * the predictions file and the row atomically. Returns the row.
 */
export async function runExperiment(spec: ExperimentSpec, rawArgv: readonly string[] = hideBin(process.argv)): Promise<ResultRow> {
  const started = process.hrtime.bigint();
  const prepared = await prepareExperiment(spec, rawArgv);
  const { run, dataset, channels, sources, fixed, log, context, combiner } = prepared;
  const postings = dataset.train.postings;
  const split = run.protocol === 'split' ? groupSplit(postings, run.seed) : null;
  const rows = (indices: number[]): Posting[] => indices.map((i) => postings[i]);
  log(`${dataset.identity.kind} dataset ${dataset.identity.name}: ${postings.length} postings, ${dataset.identity.groups} groups; protocol ${run.protocol}; channels ${channels.map((c) => c.name).join(', ')}; combiner ${combiner.name}`);
  const timings = { prepare: seconds(started), train: 0, embed: 0, search: 0, total: 0 };

  let t = process.hrtime.bigint();
  await fitExperiment(prepared, split ? rows(split.train) : postings, timings, split !== null);
  timings.train = seconds(t);

  const post = { minMatches: prepared.minMatches };
  const evaluate = async (gallery: Posting[], label: string): Promise<EvaluatedGallery> => {
    // Under full the gallery is also the training data: a learning combiner cross-fits on it.
    const crossFit = split ? undefined : { labels: gallery.map((p) => p.labelGroup as string), seed: run.seed };
    const { matcher } = await embedGallery(channels, combiner, gallery, context, timings, label, crossFit);
    return evaluateGallery(matcher, gallery, post, fixed);
  };
  const tuning = await evaluate(split ? rows(split.val) : postings, split ? 'val' : 'all rows');
  const reported = split ? await evaluate(rows(split.test), 'test') : tuning;
  t = process.hrtime.bigint();
  const tuned = fixed === null ? tuneThresholds((th) => tuning.score(th).f1, tuning.grids) : null;
  const chosen = fixed ?? (tuned as NonNullable<typeof tuned>).thresholds;
  if (tuned) log(`tuned ${sources.length} threshold(s) on ${split ? 'val' : 'all rows'} by ${tuned.method} (${tuned.evaluations} evaluations): ${sources.map((s, i) => `${s.name}=${chosen[i]}`).join(' ')}`);
  const outcome: RunOutcome = { protocol: fixed !== null ? 'fixed' : split ? 'split' : 'full', tuning, reported, split: split !== null, chosen, timings };
  const row = resultRow(prepared, outcome);
  timings.search += seconds(t);
  timings.total = seconds(started);

  const suffix = (run.protocol === 'full' ? '@full' : '') + (fixed !== null ? `@t${fixed.join('_')}` : '') + (run.tag ? `@${run.tag}` : '');
  const path = join(prepared.resultsDir, dataset.identity.name, `${spec.name}${suffix}.json`);
  // Predictions first: a row on disk always has its predictions beside it.
  await writePredictions(predictionsPathFor(path), predictionsHeader(prepared, `${spec.name}${suffix}`, outcome), predictionRows(reported, chosen));
  // Leaves a row untouched when only run-specific fields (timings, finishedAt) would change, so a
  // committed row keeps its bytes and turbo's cache (which hashes tracked outputs) can hit.
  await writeResultRow(path, row);
  const perChannel = row.channels && row.channels.length > 1 ? ` [${row.channels.map((c) => `${c.name} ${c.f1 ? c.f1.test.toFixed(4) : '—'}`).join(', ')}]` : '';
  log(`F1 ${outcome.protocol === 'full' ? 'all rows' : 'test'} ${row.f1.test.toFixed(4)} (val ${row.f1.val?.toFixed(4) ?? '—'}) at ${sources.map((s, i) => `${s.name}=${chosen[i]}`).join(' ')}${perChannel}; ${timings.total.toFixed(1)} s -> ${path}`);
  if (run.leaderboard) await regenerateLeaderboard(prepared.resultsDir);
  return row;
}

/**
 * `pnpm leaderboard --results DIR` in a process of its own: rendering charts loads vega and sharp, which
 * a text run must not pay for (start-up is part of every run), and the leaderboard reads rows only.
 */
async function regenerateLeaderboard(resultsDir: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'packages', 'leaderboard', 'src', 'cli.ts'), '--results', resultsDir], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`the row is written, but regenerating the leaderboard failed: ${stderr.trim().split('\n').pop() ?? `exit ${code}`}; run \`pnpm leaderboard --results ${resultsDir}\` to retry`);
}
