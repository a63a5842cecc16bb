import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import hnswlib from 'hnswlib-node';
import { checkSearchInputs, emptyNeighbourLists } from './exact.ts';
import type { HnswShardJob, HnswShardReply, HnswShardSearch } from './hnsw-worker.ts';
import { checkDense, l2Normalize } from './normalize.ts';
import type { DenseMatrix, NeighbourLists } from './types.ts';
import { startPackageWorker } from './worker.ts';

export interface HnswBuildOptions {
  /** Graph out-degree (links per node; twice that on the bottom layer). Default HNSW_DEFAULTS.M. */
  M?: number;
  /** Candidate list size while building. Default HNSW_DEFAULTS.efConstruction. */
  efConstruction?: number;
  /** hnswlib's level-assignment seed, so that an index is reproducible. Default 100 (hnswlib's). */
  seed?: number;
  /**
   * Shards, each a graph built and searched on its own worker thread; every query searches every
   * shard and the lists are merged. Default: every core (at most 8) from HNSW_WORKER_MIN_ROWS gallery
   * rows up, else 1 (one graph, on the caller's thread). The lists depend on this number.
   */
  threads?: number;
}

export interface HnswSearchOptions extends HnswBuildOptions {
  /** Candidate list size while searching; raised to k when smaller. Default HNSW_DEFAULTS.efSearch. */
  efSearch?: number;
}

/**
 * `--knn hnsw`'s settings, chosen by `pnpm bench:knn` at 34,250 rows (docs/knn.md has the grid): on the
 * title encoder's vectors of the real titles, efSearch 200 is the cheapest tried with recall@50 against
 * exact search of at least 0.98 (0.9877; efSearch 100: 0.9765), within-threshold recall 0.9998; clustered
 * image-like vectors reach 0.9994 at efSearch 50 with the same graph. At this size hnswlib is still
 * slower than the exact search (0.27x its speed on 2 cores); it is for galleries far past Kaggle's.
 */
export const HNSW_DEFAULTS = { M: 16, efConstruction: 100, efSearch: 200 } as const;

/** Below this many gallery rows, starting worker threads (each loads tsx and hnswlib) costs more than it saves. */
export const HNSW_WORKER_MIN_ROWS = 20_000;

/** HNSW graphs over the gallery; search them as often as needed (e.g. at several efSearch), then close(). */
export interface HnswIndex {
  rows: number;
  dim: number;
  threads: number;
  /** Wall seconds to build (the shards in parallel). */
  buildSeconds: number;
  /** Approximate cosine top-k of every query row, nearest first (ties by index); queries are normalised here. */
  search(queries: DenseMatrix, k: number, efSearch?: number): Promise<NeighbourLists>;
  /** Ends the shards' worker threads. */
  close(): Promise<void>;
}

/** One graph on the calling thread, over rows that are unit length already. */
export interface HnswGraph {
  search(unitQueries: DenseMatrix, k: number, efSearch: number): NeighbourLists;
}

function positiveInteger(name: string, value: number): void {
  if (!(Number.isInteger(value) && value >= 1)) throw new Error(`hnsw: ${name} must be a positive integer, got ${value}`);
}

/**
 * Builds one graph over unit-length rows. hnswlib-node 3.0.0 (the newest) has no batch insert and takes
 * only plain arrays, which it reads element by element, so every row goes in (and every query goes
 * out) through one reused array instead of a fresh copy per row.
 */
export function buildHnswGraph(unit: DenseMatrix, M: number, efConstruction: number, seed: number): HnswGraph {
  const { dim } = unit;
  const row: number[] = new Array<number>(dim).fill(0);
  const load = (m: DenseMatrix, i: number): number[] => {
    for (let j = 0, base = i * dim; j < dim; j++) row[j] = m.data[base + j];
    return row;
  };
  // Rows are unit length, so the inner-product space gives 1 - cos without hnswlib re-normalising.
  const index = new hnswlib.HierarchicalNSW('ip', dim);
  index.initIndex(Math.max(1, unit.rows), M, efConstruction, seed);
  for (let i = 0; i < unit.rows; i++) index.addPoint(load(unit, i), i);
  return {
    search(q, k, efSearch) {
      const kEff = Math.min(k, unit.rows);
      index.setEf(Math.max(efSearch, kEff));
      const indices: Int32Array[] = new Array(q.rows);
      const distances: Float32Array[] = new Array(q.rows);
      const order = new Int32Array(kEff);
      for (let i = 0; i < q.rows; i++) {
        const found = index.searchKnn(load(q, i), kEff);
        const n = found.neighbors.length;
        for (let c = 0; c < n; c++) order[c] = c;
        // hnswlib returns nearest first already; the sort only settles exact ties by index.
        const byDistance = order
          .subarray(0, n)
          .sort((a, b) => found.distances[a] - found.distances[b] || found.neighbors[a] - found.neighbors[b]);
        const ids = new Int32Array(n);
        const dist = new Float32Array(n);
        for (let c = 0; c < n; c++) {
          ids[c] = found.neighbors[byDistance[c]];
          dist[c] = Math.min(2, Math.max(0, found.distances[byDistance[c]]));
        }
        indices[i] = ids;
        distances[i] = dist;
      }
      return { indices, distances };
    },
  };
}

/** Unit rows in shared memory, read by every shard's thread without a copy. */
function sharedUnitRows(m: DenseMatrix): DenseMatrix {
  const data = new Float32Array(new SharedArrayBuffer(m.data.length * 4));
  data.set(l2Normalize(m).data);
  return { rows: m.rows, dim: m.dim, data };
}

/** Builds the graphs: one on this thread, or one per shard on worker threads (see HnswBuildOptions.threads). */
export async function buildHnswIndex(gallery: DenseMatrix, opts: HnswBuildOptions = {}): Promise<HnswIndex> {
  checkDense(gallery, 'gallery');
  const M = opts.M ?? HNSW_DEFAULTS.M;
  const efConstruction = opts.efConstruction ?? HNSW_DEFAULTS.efConstruction;
  const seed = opts.seed ?? 100;
  const threads = Math.min(
    opts.threads ?? (gallery.rows >= HNSW_WORKER_MIN_ROWS ? Math.min(os.availableParallelism(), 8) : 1),
    Math.max(1, gallery.rows >> 1),
  );
  positiveInteger('M', M);
  positiveInteger('efConstruction', efConstruction);
  positiveInteger('threads', threads);
  const start = performance.now();
  const check = (queries: DenseMatrix, k: number, efSearch: number): void => {
    checkSearchInputs(queries, gallery, k);
    positiveInteger('efSearch', efSearch);
  };

  if (threads === 1) {
    const unit = l2Normalize(gallery);
    const graph = buildHnswGraph(unit, M, efConstruction, seed);
    return {
      rows: gallery.rows,
      dim: gallery.dim,
      threads,
      buildSeconds: (performance.now() - start) / 1000,
      async search(queries, k, efSearch = HNSW_DEFAULTS.efSearch) {
        check(queries, k, efSearch);
        return graph.search(queries === gallery ? unit : l2Normalize(queries), k, efSearch);
      },
      async close() {},
    };
  }

  const unit = sharedUnitRows(gallery);
  const workers: Worker[] = [];
  const reply = (worker: Worker, shard: number): Promise<HnswShardReply> =>
    new Promise((resolve, reject) => {
      const onExit = (code: number) => reject(new Error(`hnsw: shard ${shard}'s worker exited with code ${code} before answering`));
      worker.once('exit', onExit);
      worker.once('error', reject);
      worker.once('message', (message: HnswShardReply) => {
        worker.off('exit', onExit);
        worker.off('error', reject);
        resolve(message);
      });
    });
  const close = async (): Promise<void> => {
    await Promise.all(workers.map((w) => w.terminate()));
  };
  const bounds = Array.from({ length: threads + 1 }, (_, t) => Math.floor((t * gallery.rows) / threads));
  try {
    await Promise.all(
      Array.from({ length: threads }, (_, t) => {
        const job: HnswShardJob = { gallery: unit.data, dim: gallery.dim, from: bounds[t], to: bounds[t + 1], M, efConstruction, seed };
        const worker = startPackageWorker('hnsw-worker', job);
        workers.push(worker);
        return reply(worker, t);
      }),
    );
  } catch (error) {
    await close();
    throw error;
  }
  return {
    rows: gallery.rows,
    dim: gallery.dim,
    threads,
    buildSeconds: (performance.now() - start) / 1000,
    async search(queries, k, efSearch = HNSW_DEFAULTS.efSearch) {
      check(queries, k, efSearch);
      const kEff = Math.min(k, gallery.rows);
      if (kEff === 0) return emptyNeighbourLists(queries.rows);
      const request: HnswShardSearch = { queries: (queries === gallery ? unit : sharedUnitRows(queries)).data, k: kEff, efSearch };
      const shards = await Promise.all(
        workers.map((worker, t) => {
          const answer = reply(worker, t);
          worker.postMessage(request);
          return answer;
        }),
      );
      return mergeShards(shards, queries.rows, kEff);
    },
    close,
  };
}

/** Approximate cosine top-k with HNSW graphs over the gallery (see buildHnswIndex); same output shape as `exactCosineTopK`. */
export async function hnswCosineTopK(
  queries: DenseMatrix,
  gallery: DenseMatrix,
  k: number,
  opts: HnswSearchOptions = {},
): Promise<NeighbourLists> {
  checkSearchInputs(queries, gallery, k);
  if (Math.min(k, gallery.rows) === 0) return emptyNeighbourLists(queries.rows);
  const index = await buildHnswIndex(gallery, opts);
  try {
    return await index.search(queries, k, opts.efSearch);
  } finally {
    await index.close();
  }
}

/** Per query, the k nearest of the shards' lists (each nearest first, -1 past its end), ties by lower index. */
function mergeShards(shards: HnswShardReply[], rows: number, k: number): NeighbourLists {
  const indices: Int32Array[] = new Array(rows);
  const distances: Float32Array[] = new Array(rows);
  const at = new Int32Array(shards.length);
  const ids = new Int32Array(k);
  const dist = new Float32Array(k);
  for (let i = 0; i < rows; i++) {
    at.fill(0);
    let n = 0;
    for (; n < k; n++) {
      let best = -1;
      let bestId = 0;
      let bestDistance = 0;
      for (let s = 0; s < shards.length; s++) {
        if (at[s] >= k) continue;
        const id = shards[s].indices[i * k + at[s]];
        if (id < 0) continue;
        const d = shards[s].distances[i * k + at[s]];
        if (best < 0 || d < bestDistance || (d === bestDistance && id < bestId)) {
          best = s;
          bestId = id;
          bestDistance = d;
        }
      }
      if (best < 0) break;
      ids[n] = bestId;
      dist[n] = bestDistance;
      at[best]++;
    }
    indices[i] = ids.slice(0, n);
    distances[i] = dist.slice(0, n);
  }
  return { indices, distances };
}
