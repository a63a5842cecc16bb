import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startPackageWorker } from './worker.ts';
import type { TfRuntime } from '@prodmatch/tf';
import { checkDense, l2Normalize } from './normalize.ts';
import type { DenseMatrix, NeighbourLists } from './types.ts';
import { TileSearcher, tileAt, tileCount, type BlockPlan } from './blocks.ts';
import { TopKAccumulator } from './topk.ts';
import type { WorkerJob, WorkerResult } from './exact-worker.ts';

export interface ExactSearchOptions {
  /** Rows per side of one tile of the similarity matrix. Each thread holds one tile (batchSize^2 floats)
   *  and a transposed copy of the gallery. */
  batchSize?: number;
  /** The caller's tfjs runtime; without it the package initialises one (once) with `initTf()`. */
  runtime?: TfRuntime;
  /**
   * Search threads on the wasm backend (each a worker with its own single-threaded wasm backend).
   * Default: every core (at most 8) once the product is large enough to repay starting them
   * (each loads its own tfjs and wasm backend first), else 1. Other backends thread their own
   * matMul, so there the search runs on the caller's backend and this is ignored.
   */
  threads?: number;
  /** Filled in with where the search spent its time (for benchmarks). */
  profile?: ExactSearchProfile;
}

/** Where one exactCosineTopK call spent its time; per-thread figures are summed over the threads. */
export interface ExactSearchProfile {
  threads: number;
  tiles: number;
  /** Thread-seconds in the tiles' matrix products, including upload and read-back. */
  multiplySeconds: number;
  /** Thread-seconds streaming the products through the per-row heaps. */
  selectSeconds: number;
}

/** Below this many multiply-adds, loading tfjs in extra worker threads costs more than it saves. */
const WORKER_MIN_MULTIPLY_ADDS = 20e9;
const MAX_THREADS = 8;

let defaultRuntime: Promise<TfRuntime> | undefined;

/** Reuses one runtime so that a caller that never passes one does not re-select the backend per search. */
export function knnRuntime(runtime?: TfRuntime): Promise<TfRuntime> {
  if (runtime) return Promise.resolve(runtime);
  // Loaded on first dense search only: sparse and Hamming users never pay for tfjs.
  defaultRuntime ??= import('@prodmatch/tf').then(({ initTf }) => initTf());
  return defaultRuntime;
}

/** An empty gallery (or k = 0) finds nothing for every query. */
export function emptyNeighbourLists(rows: number): NeighbourLists {
  return {
    indices: Array.from({ length: rows }, () => new Int32Array(0)),
    distances: Array.from({ length: rows }, () => new Float32Array(0)),
  };
}

export function checkSearchInputs(queries: DenseMatrix, gallery: DenseMatrix, k: number): void {
  checkDense(queries, 'queries');
  checkDense(gallery, 'gallery');
  if (queries.dim !== gallery.dim) {
    throw new Error(`queries have dim ${queries.dim} but the gallery has dim ${gallery.dim}; embed both with the same model`);
  }
  if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
}

/**
 * Exact cosine top-k of every query row among the gallery rows, nearest first; ties in similarity
 * rank the lower gallery index first. k larger than the gallery returns the whole gallery, ranked.
 *
 * The similarity matrix is multiplied tile by tile on the tfjs backend and each tile streams
 * through a bounded heap per row (./topk.ts) without being kept; when the gallery is the query set
 * only the tiles on and above the diagonal are multiplied (./blocks.ts). On wasm, large searches
 * spread the tiles over worker threads (./exact-worker.ts).
 */
export async function exactCosineTopK(
  queries: DenseMatrix,
  gallery: DenseMatrix,
  k: number,
  opts: ExactSearchOptions = {},
): Promise<NeighbourLists> {
  checkSearchInputs(queries, gallery, k);
  const batchSize = opts.batchSize ?? 1024;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  if (opts.threads !== undefined && (!Number.isInteger(opts.threads) || opts.threads < 1 || opts.threads > MAX_THREADS)) {
    throw new Error(`threads must be an integer in 1..${MAX_THREADS}, got ${opts.threads}`);
  }
  const kEff = Math.min(k, gallery.rows);
  if (kEff === 0) return emptyNeighbourLists(queries.rows);
  const runtime = await knnRuntime(opts.runtime);
  const symmetric = gallery === queries;
  const plan: BlockPlan = {
    queryRows: queries.rows,
    galleryRows: gallery.rows,
    dim: queries.dim,
    k: kEff,
    blockSize: batchSize,
    symmetric,
  };
  const multiplyAdds = (queries.rows * gallery.rows * queries.dim) / (symmetric ? 2 : 1);
  const threads =
    runtime.backend.name !== 'wasm'
      ? 1
      : (opts.threads ?? (multiplyAdds >= WORKER_MIN_MULTIPLY_ADDS ? Math.min(os.availableParallelism(), MAX_THREADS) : 1));
  if (opts.profile) Object.assign(opts.profile, { threads, tiles: tileCount(plan), multiplySeconds: 0, selectSeconds: 0 });
  if (threads > 1) return searchOnWorkers(plan, queries, symmetric ? undefined : gallery, threads, opts.profile);
  const q = l2Normalize(queries);
  const g = symmetric ? q : l2Normalize(gallery);
  const acc = new TopKAccumulator(plan.queryRows, kEff);
  const searcher = new TileSearcher(runtime.tf, plan, q.data, g.data);
  try {
    for (let t = 0; t < tileCount(plan); t++) searcher.search(tileAt(plan, t), acc);
  } finally {
    searcher.dispose();
  }
  if (opts.profile) Object.assign(opts.profile, { multiplySeconds: searcher.multiplySeconds, selectSeconds: searcher.selectSeconds });
  return acc.toNeighbourLists();
}

/** Normalised rows in shared memory, so that every worker reads the one copy. */
function sharedNormalized(m: DenseMatrix): Float32Array {
  const shared = new Float32Array(new SharedArrayBuffer(m.data.length * Float32Array.BYTES_PER_ELEMENT));
  shared.set(l2Normalize(m).data);
  return shared;
}

function startWorker(job: WorkerJob): Worker {
  return startPackageWorker('exact-worker', job);
}

async function searchOnWorkers(
  plan: BlockPlan,
  queries: DenseMatrix,
  gallery: DenseMatrix | undefined,
  threads: number,
  profile: ExactSearchProfile | undefined,
): Promise<NeighbourLists> {
  const q = sharedNormalized(queries);
  const job: WorkerJob = {
    plan,
    queries: q,
    gallery: gallery ? sharedNormalized(gallery) : q,
    nextTile: new Int32Array(new SharedArrayBuffer(4)),
  };
  const workers = Array.from({ length: threads }, () => startWorker(job));
  try {
    const results = await Promise.all(
      workers.map(
        (worker, i) =>
          new Promise<WorkerResult>((resolve, reject) => {
            worker.once('message', resolve);
            worker.once('error', (error) => reject(new Error(`exact kNN search thread ${i + 1} of ${threads} failed: ${error.message}`)));
            worker.once('exit', (code) =>
              reject(new Error(`exact kNN search thread ${i + 1} of ${threads} exited (code ${code}) before returning its neighbours`)),
            );
          }),
      ),
    );
    const acc = new TopKAccumulator(plan.queryRows, plan.k, results[0].state);
    for (const { state } of results.slice(1)) acc.merge(state);
    if (profile) {
      profile.multiplySeconds = results.reduce((sum, r) => sum + r.multiplySeconds, 0);
      profile.selectSeconds = results.reduce((sum, r) => sum + r.selectSeconds, 0);
    }
    return acc.toNeighbourLists();
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
