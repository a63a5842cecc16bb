// hammingWithin on a worker thread (see ./hamming.ts, hammingWithinOnWorker), so that a fused run's
// phash search uses the second core while the main thread searches the other channels.
import { parentPort, workerData } from 'node:worker_threads';
import { hammingWithin, type Hash64Matrix } from './hamming.ts';

export interface HammingJob {
  gallery: Hash64Matrix;
  k: number;
  maxDistance: number;
}

const job = workerData as HammingJob;
const lists = hammingWithin(job.gallery, job.k, job.maxDistance);
const offsets = new Int32Array(lists.indices.length + 1);
lists.indices.forEach((row, i) => (offsets[i + 1] = offsets[i] + row.length));
const indices = new Int32Array(offsets[offsets.length - 1]);
const distances = new Float32Array(indices.length);
lists.indices.forEach((row, i) => {
  indices.set(row, offsets[i]);
  distances.set(lists.distances[i], offsets[i]);
});
parentPort!.postMessage({ offsets, indices, distances }, [offsets.buffer, indices.buffer, distances.buffer]);
