// The dense half of `pnpm bench:knn`: hnswlib's recall and time against the exact search
// (exactCosineTopK) measured in the same run, over a grid of M, efConstruction and efSearch, and
// at a large size where the exact search is timed on a sample of queries and extrapolated.
import type { TfRuntime } from '@prodmatch/tf';
import { buildHnswIndex, exactCosineTopK, type DenseMatrix, type NeighbourLists } from '../src/index.ts';
import { seededRandom } from '../src/testing.ts';
import { showTiming, timed, type Timing } from './measure.ts';
import { numpyReference, type NumpyRun } from './numpy.ts';

export interface DenseSet {
  name: string;
  description: string;
  matrix: DenseMatrix;
  /** Cosine distance of a match in this kind of embedding (the experiments' tuned threshold). */
  threshold: number;
}

export interface Recall {
  /** Share of the exact top-k's rows that the approximate top-k holds, by row id. */
  atK: number;
  /**
   * ann-benchmarks' recall: share of the approximate top-k whose distance is at most the exact k-th
   * distance (+ DISTANCE_SLACK). Equal distances are interchangeable: the real titles hold exact
   * duplicates, and where more than k rows tie, which k the exact search keeps is an index order, not
   * a nearer neighbour. This is the figure the settings are chosen by.
   */
  atKByDistance: number;
  /** Share of the exact top-k's neighbours within the threshold (self excluded) that the approximate top-k holds, by row id. */
  within: number;
  /** Per row, min(approximate neighbours within the threshold, exact ones) over the exact ones (self excluded): ties counted as hits. */
  withinByDistance: number;
  /** How many such exact within-threshold pairs there were. */
  withinPairs: number;
}

/** hnswlib's distances (1 - float32 dot product in C++) and the exact search's differ by float rounding. */
const DISTANCE_SLACK = 1e-4;

/** Recall of `approx` against `exact`; `queryRows[i]` is the gallery row of query i (for self-exclusion). */
export function recall(exact: NeighbourLists, approx: NeighbourLists, threshold: number, queryRows?: Int32Array): Recall {
  const cut = Math.fround(threshold);
  let hits = 0;
  let total = 0;
  let distanceHits = 0;
  let withinHits = 0;
  let withinDistanceHits = 0;
  let withinTotal = 0;
  exact.indices.forEach((truth, i) => {
    const found = new Set(approx.indices[i]);
    const self = queryRows ? queryRows[i] : i;
    let exactWithin = 0;
    truth.forEach((j, c) => {
      total++;
      const hit = found.has(j);
      if (hit) hits++;
      if (j !== self && exact.distances[i][c] <= cut) {
        exactWithin++;
        if (hit) withinHits++;
      }
    });
    const kth = exact.distances[i][truth.length - 1] ?? 0;
    let approxWithin = 0;
    approx.indices[i].forEach((j, c) => {
      const d = approx.distances[i][c];
      if (d <= kth + DISTANCE_SLACK) distanceHits++;
      if (j !== self && d <= cut + DISTANCE_SLACK) approxWithin++;
    });
    withinTotal += exactWithin;
    withinDistanceHits += Math.min(exactWithin, approxWithin);
  });
  return {
    atK: hits / total,
    atKByDistance: Math.min(1, distanceHits / total),
    within: withinTotal === 0 ? 1 : withinHits / withinTotal,
    withinByDistance: withinTotal === 0 ? 1 : withinDistanceHits / withinTotal,
    withinPairs: withinTotal,
  };
}

export interface GridPoint {
  threads: number;
  M: number;
  efConstruction: number;
  efSearch: number;
  build: Timing;
  search: Timing;
  /** Build + search, wall seconds, and the exact search's wall seconds over it. */
  seconds: number;
  speedup: number;
  recall: Recall;
}

export type Settings = { M: number; efConstruction: number; efSearch: number };

export interface GridResult {
  set: string;
  rows: number;
  dim: number;
  threshold: number;
  exact: Timing;
  /** With --numpy: numpy/OpenBLAS's exact self-search of the same matrix, run right after ours. */
  numpy?: NumpyRun;
  /** One buildHnswIndex per (M, efConstruction), searched at each efSearch: as `--knn hnsw` runs (threads: `threads`). */
  points: GridPoint[];
}

export interface Grid {
  M: number[];
  efConstruction: number[];
  efSearch: number[];
}

/**
 * The exact search (reference), then every grid point: one index per (M, efConstruction), searched at
 * each efSearch. `threads` undefined: the library's default (one shard per core at this size).
 */
export async function denseGrid(
  set: DenseSet,
  k: number,
  grid: Grid,
  threads: number | undefined,
  numpy: boolean,
  runtime: TfRuntime,
  seed: number,
  log: (line: string) => void,
): Promise<GridResult> {
  const { matrix } = set;
  const exact = await timed(() => exactCosineTopK(matrix, matrix, k, { runtime }));
  log(`${set.name}: exact top-${k} of ${matrix.rows} x ${matrix.dim}: ${showTiming(exact.timing)}`);
  const reference = numpy ? numpyReference(matrix, k, exact.value) : undefined;
  if (reference)
    log(
      `${set.name}: numpy ${reference.numpy} exact: ${reference.seconds.toFixed(2)} s; ours / numpy ${(exact.timing.seconds / reference.seconds).toFixed(2)}x; numpy's top-${k} holds ${(100 * reference.holdsShareOfOurs).toFixed(3)}% of ours`,
    );
  const points: GridPoint[] = [];
  for (const M of grid.M) {
    for (const efConstruction of grid.efConstruction) {
      const built = await timed(() => buildHnswIndex(matrix, { M, efConstruction, seed, threads }));
      for (const efSearch of grid.efSearch) {
        const searched = await timed(() => built.value.search(matrix, k, efSearch));
        const seconds = built.timing.seconds + searched.timing.seconds;
        const point: GridPoint = {
          threads: built.value.threads,
          M,
          efConstruction,
          efSearch,
          build: built.timing,
          search: searched.timing,
          seconds,
          speedup: exact.timing.seconds / seconds,
          recall: recall(exact.value, searched.value, set.threshold),
        };
        points.push(point);
        log(
          `${set.name}: M ${M} efC ${efConstruction} efS ${efSearch}, ${point.threads} thread(s): build ${showTiming(built.timing)}, search ${showTiming(searched.timing)}; ` +
            `recall@${k} ${point.recall.atKByDistance.toFixed(4)} (by id ${point.recall.atK.toFixed(4)}), within ${set.threshold} ${point.recall.withinByDistance.toFixed(4)} (by id ${point.recall.within.toFixed(4)}); ${point.speedup.toFixed(2)}x faster than exact`,
        );
      }
      await built.value.close();
    }
  }
  return { set: set.name, rows: matrix.rows, dim: matrix.dim, threshold: set.threshold, exact: exact.timing, numpy: reference, points };
}

/**
 * The settings to make the default: among the points at recall@k >= minRecall and within-threshold
 * recall >= minWithin on every set, the one with the best worst-case speedup over the exact search.
 * Points are matched across sets by settings.
 */
export function chooseSettings(results: GridResult[], minRecall: number, minWithin: number): Settings | undefined {
  const key = (p: GridPoint) => `${p.M}/${p.efConstruction}/${p.efSearch}`;
  let best: { point: GridPoint; speedup: number } | undefined;
  for (const point of results[0]?.points ?? []) {
    const matches = results.map((r) => r.points.find((p) => key(p) === key(point)));
    if (matches.some((p) => !p || p.recall.atKByDistance < minRecall || p.recall.withinByDistance < minWithin)) continue;
    const speedup = Math.min(...matches.map((p) => p!.speedup));
    if (!best || speedup > best.speedup) best = { point, speedup };
  }
  return best && { M: best.point.M, efConstruction: best.point.efConstruction, efSearch: best.point.efSearch };
}

export interface ScaleResult {
  set: string;
  rows: number;
  params: Settings;
  threads: number;
  /** The whole index, built. */
  build: Timing;
  /** Searched for `searchQueries` sampled rows; `searchSeconds` scales that to all rows (per-query cost is flat). */
  searchQueries: number;
  search: Timing;
  searchSeconds: number;
  /** Recall on the first `exactQueries` of those, against their exact lists over the whole gallery. */
  exactQueries: number;
  recall: Recall;
  exactSample: Timing;
  /**
   * The full exact self-search's wall seconds, not run: by start-up + b x rows^2 fitted through two
   * measured sizes (`exactBasis`), and from the sampled queries' rate (rows / sample x sample seconds, halved: a
   * self-search multiplies only the tiles on and above the diagonal). hnsw's speedup (build +
   * searchSeconds) is over the smaller, the estimate kinder to exact search.
   */
  exactExtrapolatedSeconds: number;
  exactFromSampleSeconds: number;
  exactBasis: string;
  speedup: number;
}

function sampleRows(matrix: DenseMatrix, n: number, seed: number): { rows: Int32Array; queries: DenseMatrix } {
  const random = seededRandom(seed);
  const picked = new Set<number>();
  while (picked.size < Math.min(n, matrix.rows)) picked.add(Math.floor(random() * matrix.rows));
  const rows = Int32Array.from(picked);
  const queries: DenseMatrix = { rows: rows.length, dim: matrix.dim, data: new Float32Array(rows.length * matrix.dim) };
  rows.forEach((row, i) => queries.data.set(matrix.data.subarray(row * matrix.dim, (row + 1) * matrix.dim), i * matrix.dim));
  return { rows, queries };
}

/**
 * The index at `params` (as `--knn hnsw` runs it) on a large set: built whole, searched for
 * `searchQueries` random rows (scaled to all rows), recall on `exactQueries` of them against their
 * exact lists. The exact self-search at this size is not run; its time is estimated two ways.
 */
export async function denseScale(
  set: DenseSet,
  k: number,
  params: Settings,
  threads: number | undefined,
  exactFit: { rows: [number, number]; seconds: [number, number] },
  sample: { search: number; exact: number },
  runtime: TfRuntime,
  seed: number,
  log: (line: string) => void,
): Promise<ScaleResult> {
  const { matrix } = set;
  const built = await timed(() => buildHnswIndex(matrix, { M: params.M, efConstruction: params.efConstruction, seed, threads }));
  log(`${set.name} ${matrix.rows} rows: hnsw build on ${built.value.threads} thread(s) ${showTiming(built.timing)}`);
  const searched = sampleRows(matrix, sample.search, seed);
  const run = await timed(() => built.value.search(searched.queries, k, params.efSearch));
  await built.value.close();
  const searchSeconds = (run.timing.seconds * matrix.rows) / searched.rows.length;
  log(
    `${set.name} ${matrix.rows} rows: hnsw search of ${searched.rows.length} sampled rows ${showTiming(run.timing)} (all rows: ~${searchSeconds.toFixed(0)} s)`,
  );
  const exactRows = Math.min(sample.exact, searched.rows.length);
  const exactQueries: DenseMatrix = { rows: exactRows, dim: matrix.dim, data: searched.queries.data.subarray(0, exactRows * matrix.dim) };
  const exactSample = await timed(() => exactCosineTopK(exactQueries, matrix, k, { runtime }));
  log(`${set.name} ${matrix.rows} rows: exact top-${k} of ${exactRows} sampled rows ${showTiming(exactSample.timing)}`);
  const approx: NeighbourLists = { indices: run.value.indices.slice(0, exactRows), distances: run.value.distances.slice(0, exactRows) };
  // An all-pairs self-search costs a fixed start-up plus b x rows^2: fitted through both sizes (the
  // start-up never below 0), since a growth exponent measured across two small sizes is mostly start-up
  // and load and can come out well under 2.
  const [n0, n1] = exactFit.rows;
  const [t0, t1] = exactFit.seconds;
  const perPair = Math.min(t1 / n1 ** 2, Math.max(0, (t1 - t0) / (n1 ** 2 - n0 ** 2)));
  const startUp = t1 - perPair * n1 ** 2;
  const exactSeconds = startUp + perPair * matrix.rows ** 2;
  const fromSample = (exactSample.timing.seconds * matrix.rows) / exactRows / 2;
  return {
    set: set.name,
    rows: matrix.rows,
    params,
    threads: built.value.threads,
    build: built.timing,
    searchQueries: searched.rows.length,
    search: run.timing,
    searchSeconds,
    exactQueries: exactRows,
    recall: recall(exactSample.value, approx, set.threshold, searched.rows.subarray(0, exactRows)),
    exactSample: exactSample.timing,
    exactExtrapolatedSeconds: exactSeconds,
    exactFromSampleSeconds: fromSample,
    exactBasis: `exact self-search measured at ${n0} and ${n1} rows (${t0.toFixed(1)} s, ${t1.toFixed(1)} s), fitted as ${startUp.toFixed(1)} s + ${(perPair * 1e9).toFixed(2)} ns x rows^2 and extrapolated to ${matrix.rows} rows`,
    speedup: Math.min(exactSeconds, fromSample) / (built.timing.seconds + searchSeconds),
  };
}
