// One shard of a threaded HNSW index (see ./hnsw.ts, buildHnswIndex): builds a graph over gallery rows
// [from, to) of the shared, unit-length gallery, answers `built`, then answers every search request
// (unit-length query rows in shared memory) with each query's k nearest shard rows.
import { parentPort, workerData } from 'node:worker_threads';
import { buildHnswGraph } from './hnsw.ts';

export interface HnswShardJob {
  gallery: Float32Array;
  dim: number;
  from: number;
  to: number;
  M: number;
  efConstruction: number;
  seed: number;
}

export interface HnswShardSearch {
  queries: Float32Array;
  k: number;
  efSearch: number;
}

/** After the build: empty arrays. After a search: queries x k gallery rows (global), -1 past a short list, distances alongside. */
export interface HnswShardReply {
  indices: Int32Array;
  distances: Float32Array;
}

const job = workerData as HnswShardJob;
const rows = job.to - job.from;
const graph = buildHnswGraph(
  { rows, dim: job.dim, data: job.gallery.subarray(job.from * job.dim, job.to * job.dim) },
  job.M,
  job.efConstruction,
  job.seed,
);
const port = parentPort!;
const built: HnswShardReply = { indices: new Int32Array(0), distances: new Float32Array(0) };
port.postMessage(built);
port.on('message', (request: HnswShardSearch) => {
  const queries = request.queries.length / job.dim;
  const lists = graph.search({ rows: queries, dim: job.dim, data: request.queries }, request.k, request.efSearch);
  const indices = new Int32Array(queries * request.k).fill(-1);
  const distances = new Float32Array(queries * request.k);
  for (let i = 0; i < queries; i++) {
    const ids = lists.indices[i];
    for (let c = 0; c < ids.length; c++) indices[i * request.k + c] = ids[c] + job.from;
    distances.set(lists.distances[i], i * request.k);
  }
  const reply: HnswShardReply = { indices, distances };
  port.postMessage(reply, [indices.buffer, distances.buffer]);
});
