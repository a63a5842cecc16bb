// Paired comparisons between two rows: the same postings, scored by each row's own predictions file, so
// the noise of which groups happened to land in the test split cancels out. The per-row F1s come from
// the stored matches (never recomputed), the difference's interval from a paired bootstrap over label
// groups (metrics/bootstrap.ts). Two rows pair only when they were made on the same rows.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { matchScores, pairedGroupBootstrap, type PairedInterval } from '@prodmatch/metrics';
import { PredictionsFileError, predictionsPathFor, streamPredictions, type PredictionsHeader } from '@prodmatch/results';
import { writeFileAtomic } from '@prodmatch/results';
import { rowLabel } from './read-rows.ts';
import type { ResultRow } from '@prodmatch/results';

export class CompareError extends Error {}

/** One row's reported postings and their F1s, as its predictions file holds them. */
export interface RowScores {
  label: string;
  row: ResultRow;
  header: PredictionsHeader;
  postingIds: string[];
  groups: string[];
  f1: Float64Array;
}

export interface Comparison {
  a: RowScores;
  b: RowScores;
  /** Mean F1 of each row over the paired postings. */
  f1A: number;
  f1B: number;
  rows: number;
  groups: number;
  paired: PairedInterval;
}

/** results/<dataset>/<label>.json's predictions file. */
export function predictionsPathOf(resultsDir: string, row: ResultRow): string {
  return predictionsPathFor(join(resultsDir, row.dataset.name, `${rowLabel(row)}.json`));
}

/** Where a predictions file's per-row scores are kept (git-ignored, like every .cache/), keyed by the file's size and mtime. */
function scoresCachePath(resultsDir: string, row: ResultRow): string {
  return join(resultsDir, '.cache', 'row-scores', row.dataset.name, `${rowLabel(row)}.json`);
}

interface CachedScores {
  version: 1;
  size: number;
  mtimeMs: number;
  header: PredictionsHeader;
  postingIds: string[];
  groups: string[];
  f1: number[];
}

/**
 * Reads a row's predictions file and scores each posting's stored matches (Kaggle's per-row F1). The
 * scores are cached under <results>/.cache/row-scores, so regenerating the leaderboard re-reads only the
 * predictions files that changed (parsing every neighbour list of every file took ~40 s on a busy machine).
 */
export async function rowScores(resultsDir: string, row: ResultRow): Promise<RowScores> {
  const label = rowLabel(row);
  const path = predictionsPathOf(resultsDir, row);
  if (row.seeds)
    throw new CompareError(
      `${label} summarises ${row.seeds.values.length} runs (one per seed) and has no predictions of its own; compare rows of one seed`,
    );
  const stats = await stat(path).catch(() => null);
  if (!stats) throw new PredictionsFileError(`${path}: no predictions file; run the experiment to write one`);
  const cachePath = scoresCachePath(resultsDir, row);
  const cached = await readFile(cachePath, 'utf8')
    .then(
      (text) => JSON.parse(text) as CachedScores,
      () => null,
    )
    .catch(() => null);
  if (cached && cached.version === 1 && cached.size === stats.size && cached.mtimeMs === stats.mtimeMs) {
    return checked(
      { label, row, header: cached.header, postingIds: cached.postingIds, groups: cached.groups, f1: Float64Array.from(cached.f1) },
      path,
    );
  }
  let header: PredictionsHeader | null = null;
  const postingIds: string[] = [];
  const groups: string[] = [];
  const matches: number[][] = [];
  for await (const item of streamPredictions(path)) {
    if (header === null) {
      header = item as PredictionsHeader;
      continue;
    }
    if (!('postingId' in item)) continue;
    if (item.labelGroup === null)
      throw new CompareError(`${path}: posting ${item.postingId} has no label_group; only labelled rows can be compared`);
    postingIds.push(item.postingId);
    groups.push(item.labelGroup);
    matches.push(item.matches);
  }
  if (header === null) throw new CompareError(`${path}: empty predictions file; re-run ${row.experiment}`);
  const f1 = new Float64Array(postingIds.length);
  if (postingIds.length > 0) matchScores(matches, groups, f1);
  const scores = checked({ label, row, header, postingIds, groups, f1 }, path);
  const entry: CachedScores = { version: 1, size: stats.size, mtimeMs: stats.mtimeMs, header, postingIds, groups, f1: Array.from(f1) };
  await writeFileAtomic(cachePath, JSON.stringify(entry));
  return scores;
}

/** The scores, once the file is known to be whole and made on its row's train.csv. */
function checked(scores: RowScores, path: string): RowScores {
  const { header, row, postingIds } = scores;
  if (postingIds.length !== header.rows)
    throw new CompareError(
      `${path}: header says ${header.rows} rows, file has ${postingIds.length} (truncated?); re-run ${row.experiment}`,
    );
  if (header.dataset.sha256 !== row.dataset.sha256)
    throw new CompareError(
      `${path}: made on another train.csv than its row (sha256 ${header.dataset.sha256.slice(0, 12)} vs ${row.dataset.sha256.slice(0, 12)}); re-run ${row.experiment}`,
    );
  return scores;
}

/** Why two rows cannot be paired, in one line; null when they were made on the same rows. */
export function pairingProblem(a: ResultRow, b: ResultRow): string | null {
  const [la, lb] = [rowLabel(a), rowLabel(b)];
  if (a.dataset.name !== b.dataset.name) return `${la} is on ${a.dataset.name}, ${lb} on ${b.dataset.name}`;
  if (a.dataset.sha256 !== b.dataset.sha256)
    return `${la} and ${lb} were made on different train.csv files (sha256 ${a.dataset.sha256.slice(0, 12)} vs ${b.dataset.sha256.slice(0, 12)}); re-run the older one`;
  if (a.protocol !== b.protocol) return `${la} is a ${a.protocol} row, ${lb} a ${b.protocol} row: they report different postings`;
  if (a.seed !== b.seed) return `${la} was split with seed ${a.seed}, ${lb} with seed ${b.seed}: their test groups differ`;
  const folds = [a.cv?.folds ?? null, b.cv?.folds ?? null];
  if (folds[0] !== folds[1]) return `${la} has ${folds[0] ?? 'no'} folds, ${lb} ${folds[1] ?? 'no'}`;
  return null;
}

/**
 * The paired comparison of A against B: refuses (CompareError, one line) unless both rows were made on the
 * same dataset, protocol, seed and postings; then bootstraps mean(F1_A - F1_B) over the postings' groups.
 */
export function comparePaired(a: RowScores, b: RowScores, options: { resamples?: number; seed?: number } = {}): Comparison {
  const problem = pairingProblem(a.row, b.row);
  if (problem) throw new CompareError(`cannot pair them: ${problem}`);
  const index = new Map(b.postingIds.map((id, i) => [id, i]));
  const missing = a.postingIds.filter((id) => !index.has(id));
  if (missing.length > 0 || a.postingIds.length !== b.postingIds.length) {
    throw new CompareError(
      `cannot pair them: ${a.label} reports ${a.postingIds.length} postings, ${b.label} ${b.postingIds.length}, ${missing.length} of A's not in B (e.g. ${missing[0] ?? 'none'}); they were not made on the same split`,
    );
  }
  const fB = new Float64Array(a.postingIds.length);
  a.postingIds.forEach((id, i) => {
    const j = index.get(id) as number;
    if (b.groups[j] !== a.groups[i])
      throw new CompareError(`cannot pair them: posting ${id} is in group ${a.groups[i]} for ${a.label} but ${b.groups[j]} for ${b.label}`);
    fB[i] = b.f1[j];
  });
  const paired = pairedGroupBootstrap(a.f1, fB, a.groups, { seed: options.seed ?? a.row.seed, resamples: options.resamples });
  const mean = (values: Float64Array): number => values.reduce((s, v) => s + v, 0) / values.length;
  return { a, b, f1A: mean(a.f1), f1B: mean(fB), rows: a.postingIds.length, groups: new Set(a.groups).size, paired };
}

const signed = (value: number, digits: number): string => (value < 0 ? '−' : value > 0 ? '+' : '±') + Math.abs(value).toFixed(digits);

/** What `pnpm compare` prints. */
export function comparisonText(c: Comparison): string {
  const { a, b, paired } = c;
  const row = a.row;
  return [
    `${a.label} vs ${b.label} on ${row.dataset.name} (${row.protocol}, seed ${row.seed}; ${c.rows.toLocaleString('en-US')} ${{ split: 'test', fixed: 'test', cv: 'out-of-fold', full: 'reported (all rows)' }[row.protocol]} postings in ${c.groups.toLocaleString('en-US')} label groups, from their predictions files)`,
    `  F1  ${a.label} ${c.f1A.toFixed(4)}  ${b.label} ${c.f1B.toFixed(4)}`,
    `  A − B = ${signed(paired.difference, 4)} [${signed(paired.low, 4)}, ${signed(paired.high, 4)}] (${Math.round(paired.level * 100)}% paired bootstrap over label groups, ${paired.resamples} resamples, seed ${paired.seed})`,
    `  P(A > B) = ${paired.pGreater.toFixed(3)}${paired.low <= 0 && paired.high >= 0 ? '; the interval includes 0: no difference shown' : ''}`,
  ].join('\n');
}
