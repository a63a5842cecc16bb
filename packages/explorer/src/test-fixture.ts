// A generated mini dataset (with images) and a results folder over it, for the explorer's tests: two
// experiments with predictions files (one recomputable, one not) and one row without predictions.
// The neighbour lists are real searches over the mini set (title-word cosine, pHash Hamming), and the
// stored matches come from the shared rule, as the runner makes them.
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSyntheticDataset, loadDataset, phashDistance, type Posting } from '@prodmatch/data';
import { matchesWithin, matchScores } from '@prodmatch/metrics';
import { predictionsPathFor, writePredictions, type ListInfo, type PredictionRow, type PredictionsHeader } from '@prodmatch/results';

/** The recomputable fixture's row whose predictions carry pair reasons. */
export const PAIRS_ROW = 5;

export const FIXTURE_DATASET = 'mini';
export const RECOMPUTABLE = 'title-words@full';
export const CLUSTERED = 'title-clusters@full';
export const WITHOUT_PREDICTIONS = 'title-words';
const K = 12;

export interface Fixture {
  root: string;
  dataDir: string;
  resultsDir: string;
  postings: Posting[];
}

function topK(n: number, distance: (i: number, j: number) => number): [number[], number[]][] {
  return Array.from({ length: n }, (_, i) => {
    const order = Array.from({ length: n }, (_, j) => [j, distance(i, j)] as const)
      .sort((a, b) => a[1] - b[1] || a[0] - b[0])
      .slice(0, K);
    return [order.map(([j]) => j), order.map(([, d]) => Math.fround(d))];
  });
}

function titleCosine(postings: Posting[]): (i: number, j: number) => number {
  const words = postings.map(
    (p) =>
      new Set(
        p.title
          .toLowerCase()
          .split(/[^\p{L}\p{N}]+/u)
          .filter(Boolean),
      ),
  );
  return (i, j) => {
    let shared = 0;
    for (const w of words[i]) if (words[j].has(w)) shared++;
    return i === j ? 0 : 1 - shared / Math.sqrt(words[i].size * words[j].size || 1);
  };
}

const grid = (from: number, to: number, step: number): number[] =>
  Array.from({ length: Math.round((to - from) / step) + 1 }, (_, i) => Number((from + i * step).toFixed(6)));

export async function makeFixture(): Promise<Fixture> {
  const root = await mkdtemp(join(tmpdir(), 'explorer-'));
  const dataDir = join(root, FIXTURE_DATASET);
  await generateSyntheticDataset({ outDir: dataDir, seed: 7, groups: 24, imageSize: 48 });
  const dataset = loadDataset(dataDir);
  const postings = dataset.train.postings;
  const labels = postings.map((p) => p.labelGroup!);
  const title = topK(postings.length, titleCosine(postings));
  const phash = topK(postings.length, (i, j) => phashDistance(postings[i].imagePhash, postings[j].imagePhash));
  const lists: ListInfo[] = [
    { name: 'title', unit: 'cosine distance', source: true, threshold: 0.5, minMatches: 1, grid: grid(0.1, 0.9, 0.1) },
    { name: 'phash', unit: 'Hamming bits', source: true, threshold: 4, minMatches: 1, grid: grid(0, 16, 2) },
  ];
  const at = (t: Record<string, number>) => (i: number) =>
    matchesWithin(
      i,
      [
        { indices: title[i][0], distances: title[i][1], threshold: t.title },
        { indices: phash[i][0], distances: phash[i][1], threshold: t.phash },
      ],
      { minMatches: 1, cap: 50 },
    );
  const chosen = { title: 0.5, phash: 4 };
  const resultsDir = join(root, 'results');
  await mkdir(join(resultsDir, FIXTURE_DATASET), { recursive: true });

  const write = async (id: string, recomputable: boolean, withPredictions: boolean) => {
    const matches = postings.map((_, i) => at(chosen)(i));
    const scores = matchScores(matches, labels);
    const sweep = lists[0].grid.map((threshold) => ({
      threshold,
      f1Val: null,
      f1Test: matchScores(
        postings.map((_, i) => at({ ...chosen, title: threshold })(i)),
        labels,
      ).f1,
    }));
    const experiment = id.split('@')[0];
    const row = {
      experiment,
      description: recomputable ? 'title words cosine and pHash, union' : 'the same lists, matched by a clustering ensemble',
      dataset: { ...dataset.identity, path: dataDir },
      protocol: 'full',
      seed: 7,
      backend: { name: 'js', version: process.version },
      params: {},
      threshold: chosen.title,
      f1: { val: null, test: scores.f1 },
      precision: scores.precision,
      recall: scores.recall,
      sweep,
      timings: { prepare: 0, train: 0, embed: 0, search: 0, total: 0 },
      gitCommit: null,
      finishedAt: new Date(0).toISOString(),
      command: `explorer test fixture ${id}`,
    };
    const rowPath = join(resultsDir, FIXTURE_DATASET, `${id}.json`);
    await writeFile(rowPath, JSON.stringify(row, null, 2));
    if (!withPredictions) return;
    const header: PredictionsHeader = {
      format: 'prodmatch-predictions',
      version: 1,
      experiment,
      rowName: id,
      dataset: { name: FIXTURE_DATASET, sha256: dataset.identity.sha256 },
      protocol: 'full',
      gallery: 'all rows',
      rows: postings.length,
      lists,
      combiner: recomputable ? { name: 'union', params: {} } : { name: 'clustering', params: { eps: 0.4 } },
      recomputable,
      minMatches: 1,
      cap: 50,
    };
    const rows: PredictionRow[] = postings.map((p, i) => ({
      postingId: p.postingId,
      labelGroup: p.labelGroup,
      neighbours: { title: title[i], phash: phash[i] },
      matches: matches[i],
      // One row carries a learned matcher's pair reasons (the file's optional `pairs`), the others none.
      ...(recomputable && i === PAIRS_ROW
        ? {
            pairs: { [(i + 1) % postings.length]: { score: 0.91, features: [{ name: 'title.distance', value: 0.12, contribution: 2.5 }] } },
          }
        : {}),
    }));
    await writePredictions(predictionsPathFor(rowPath), header, rows);
  };
  await write(RECOMPUTABLE, true, true);
  await write(CLUSTERED, false, true);
  await write(WITHOUT_PREDICTIONS, true, false);
  return { root, dataDir, resultsDir, postings };
}
