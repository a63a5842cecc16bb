// One search thread of exactCosineTopK on the wasm backend (see ./exact.ts, searchOnWorkers).
// The threads share the normalised rows and a tile counter through SharedArrayBuffers, take tiles
// until none is left, and post back their own top-k of every row for the main thread to merge.
import { parentPort, workerData } from 'node:worker_threads';
import { initTf } from '@prodmatch/tf';
import { TileSearcher, tileAt, tileCount, type BlockPlan } from './blocks.ts';
import { TopKAccumulator, type TopKState } from './topk.ts';

export interface WorkerJob {
  plan: BlockPlan;
  queries: Float32Array;
  gallery: Float32Array;
  /** Int32Array over a SharedArrayBuffer: the next tile to take. */
  nextTile: Int32Array;
}

export interface WorkerResult {
  state: TopKState;
  multiplySeconds: number;
  selectSeconds: number;
}

const job = workerData as WorkerJob;
const { tf } = await initTf({ backend: 'wasm', log: () => {} });
const acc = new TopKAccumulator(job.plan.queryRows, job.plan.k);
const searcher = new TileSearcher(tf, job.plan, job.queries, job.gallery);
const tiles = tileCount(job.plan);
for (let t = Atomics.add(job.nextTile, 0, 1); t < tiles; t = Atomics.add(job.nextTile, 0, 1)) searcher.search(tileAt(job.plan, t), acc);
searcher.dispose();
const state = acc.state();
const result: WorkerResult = { state, multiplySeconds: searcher.multiplySeconds, selectSeconds: searcher.selectSeconds };
// The accumulator's own (non-shared) buffers: moved to the main thread, not copied.
parentPort!.postMessage(result, [state.sims.buffer, state.indices.buffer, state.sizes.buffer] as ArrayBuffer[]);
