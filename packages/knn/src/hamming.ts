import { startPackageWorker } from './worker.ts';
import type { NeighbourLists } from './types.ts';

/** 64-bit perceptual hashes as two 32-bit halves per row (hi, lo), so popcount stays in int32 math. */
export interface Hash64Matrix {
  rows: number;
  words: Uint32Array;
}

export function hash64FromHex(hexes: readonly string[]): Hash64Matrix {
  const words = new Uint32Array(hexes.length * 2);
  hexes.forEach((hex, i) => {
    if (!/^[0-9a-fA-F]{16}$/.test(hex)) throw new Error(`row ${i}: "${hex}" is not a 64-bit hex hash`);
    words[2 * i] = parseInt(hex.slice(0, 8), 16);
    words[2 * i + 1] = parseInt(hex.slice(8), 16);
  });
  return { rows: hexes.length, words };
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/**
 * Exact top-k by Hamming distance (in bits, 0..64). Distances are small integers, so a counting
 * pass finds the k-th distance and one more pass collects the rows: O(n) per query, no sort.
 * Ties keep gallery order, except that a query's own row (when `sameSet`) always comes first.
 */
export function hammingTopK(queries: Hash64Matrix, gallery: Hash64Matrix, k: number, options: { sameSet?: boolean } = {}): NeighbourLists {
  const kk = Math.min(k, gallery.rows);
  const distance = new Uint8Array(gallery.rows);
  const counts = new Int32Array(65);
  const indices: Int32Array[] = [];
  const distances: Float32Array[] = [];
  const q = queries.words;
  const g = gallery.words;
  for (let i = 0; i < queries.rows; i++) {
    counts.fill(0);
    const hi = q[2 * i];
    const lo = q[2 * i + 1];
    for (let j = 0; j < gallery.rows; j++) {
      const d = popcount32(hi ^ g[2 * j]) + popcount32(lo ^ g[2 * j + 1]);
      distance[j] = d;
      counts[d]++;
    }
    let cutoff = 0;
    for (let seen = counts[0]; seen < kk; seen += counts[++cutoff]);
    const out = new Int32Array(kk);
    const outD = new Float32Array(kk);
    // Bucket offsets by distance, so rows land in sorted order in one pass.
    const cursor = new Int32Array(65);
    for (let d = 1; d <= cutoff; d++) cursor[d] = cursor[d - 1] + counts[d - 1];
    // A row's distance to itself is 0, so it takes the first slot of the first bucket.
    const self = options.sameSet && i < gallery.rows ? i : -1;
    if (self >= 0) {
      out[0] = self;
      cursor[0] = 1;
    }
    for (let j = 0; j < gallery.rows; j++) {
      const d = distance[j];
      if (d > cutoff || j === self) continue;
      const slot = cursor[d]++;
      if (slot >= kk) continue;
      out[slot] = j;
      outD[slot] = d;
    }
    indices.push(out);
    distances.push(outD);
  }
  return { indices, distances };
}

/** Six substrings of a 64-bit hash (11, 11, 10 bits of each 32-bit half): any two hashes within 17 bits agree within 2 bits on one of them. */
const CHUNKS: readonly { word: 0 | 1; shift: number; bits: number }[] = [
  { word: 0, shift: 0, bits: 11 },
  { word: 0, shift: 11, bits: 11 },
  { word: 0, shift: 22, bits: 10 },
  { word: 1, shift: 0, bits: 11 },
  { word: 1, shift: 11, bits: 11 },
  { word: 1, shift: 22, bits: 10 },
];

/** Every value within `radius` bit flips of `value` (bits wide). */
function keysWithin(value: number, bits: number, radius: number): number[] {
  const out = [value];
  for (let a = 0; a < bits && radius >= 1; a++) {
    out.push(value ^ (1 << a));
    for (let b = a + 1; b < bits && radius >= 2; b++) out.push(value ^ (1 << a) ^ (1 << b));
  }
  return out;
}

/**
 * The same lists as hammingTopK(gallery, gallery, k, { sameSet: true }) cut at `maxDistance` bits (at most
 * 17), found by multi-index hashing instead of comparing every pair: by pigeonhole, two hashes within 17
 * bits differ in at most 2 bits on one of six substrings, so each row looks only at the rows that share a
 * substring up to 2 bit flips (402 buckets) and checks those exactly. Real image hashes that far apart are
 * different pictures, so a thresholded phash channel loses nothing; 27k rows take a fraction of the
 * all-pairs time.
 */
export function hammingWithin(gallery: Hash64Matrix, k: number, maxDistance: number): NeighbourLists {
  if (!(Number.isInteger(maxDistance) && maxDistance >= 0 && maxDistance <= 17))
    throw new Error(`hammingWithin: maxDistance must be an integer in 0..17 bits, got ${maxDistance}`);
  const n = gallery.rows;
  const words = gallery.words;
  const chunkOf = (row: number, c: number): number => (words[2 * row + CHUNKS[c].word] >>> CHUNKS[c].shift) & ((1 << CHUNKS[c].bits) - 1);
  // Per substring, rows grouped by its value (counting sort): bucket v is rows[start[v] .. start[v + 1]).
  const tables = CHUNKS.map((chunk, c) => {
    const start = new Int32Array((1 << chunk.bits) + 1);
    for (let row = 0; row < n; row++) start[chunkOf(row, c) + 1]++;
    for (let v = 0; v < 1 << chunk.bits; v++) start[v + 1] += start[v];
    const fill = start.slice(0, -1);
    const rows = new Int32Array(n);
    for (let row = 0; row < n; row++) rows[fill[chunkOf(row, c)]++] = row;
    return { start, rows };
  });
  const stamp = new Int32Array(n).fill(-1);
  const found: number[] = [];
  const foundDistance: number[] = [];
  const indices: Int32Array[] = new Array(n);
  const distances: Float32Array[] = new Array(n);
  for (let i = 0; i < n; i++) {
    found.length = 0;
    foundDistance.length = 0;
    const hi = words[2 * i];
    const lo = words[2 * i + 1];
    stamp[i] = i;
    for (let c = 0; c < CHUNKS.length; c++) {
      const { start, rows } = tables[c];
      for (const key of keysWithin(chunkOf(i, c), CHUNKS[c].bits, 2)) {
        for (let p = start[key]; p < start[key + 1]; p++) {
          const j = rows[p];
          if (stamp[j] === i) continue;
          stamp[j] = i;
          const d = popcount32((hi ^ words[2 * j]) >>> 0) + popcount32((lo ^ words[2 * j + 1]) >>> 0);
          if (d > maxDistance) continue;
          found.push(j);
          foundDistance.push(d);
        }
      }
    }
    // Nearest first, ties by index, self first: hammingTopK's order.
    const order = found.map((_, p) => p).sort((a, b) => foundDistance[a] - foundDistance[b] || found[a] - found[b]);
    const kept = Math.min(k - 1, order.length);
    const rowIndices = new Int32Array(kept + 1);
    const rowDistances = new Float32Array(kept + 1);
    rowIndices[0] = i;
    for (let p = 0; p < kept; p++) {
      rowIndices[p + 1] = found[order[p]];
      rowDistances[p + 1] = foundDistance[order[p]];
    }
    indices[i] = rowIndices;
    distances[i] = rowDistances;
  }
  return { indices, distances };
}

/** hammingWithin on a worker thread: the same lists, while the calling thread does other work. */
export async function hammingWithinOnWorker(gallery: Hash64Matrix, k: number, maxDistance: number): Promise<NeighbourLists> {
  const worker = startPackageWorker('hamming-worker', { gallery, k, maxDistance });
  try {
    const { offsets, indices, distances } = await new Promise<{ offsets: Int32Array; indices: Int32Array; distances: Float32Array }>(
      (resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`hammingWithinOnWorker: the worker exited with code ${code} before answering`)));
      },
    );
    const rows = offsets.length - 1;
    return {
      indices: Array.from({ length: rows }, (_, i) => indices.subarray(offsets[i], offsets[i + 1])),
      distances: Array.from({ length: rows }, (_, i) => distances.subarray(offsets[i], offsets[i + 1])),
    };
  } finally {
    await worker.terminate();
  }
}
