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

/** One substring of a 64-bit hash: `bits` bits from bit `start` (bits 0-31 are the first word, 32-63 the second). */
interface Chunk {
  start: number;
  bits: number;
}

/** The widest substring indexed: its table holds 2^22 + 1 offsets (16 MB). */
const MAX_CHUNK_BITS = 22;
/** The largest radius hammingWithin serves; the multi-index layout is chosen for it (hammingLayout). */
export const HAMMING_WITHIN_MAX = 32;

const binomial = (n: number, k: number): number => {
  let out = 1;
  for (let t = 1; t <= k; t++) out = (out * (n - t + 1)) / t;
  return out;
};
/** Values within `radius` flips of a `bits`-wide value. */
const ballSize = (bits: number, radius: number): number => {
  let out = 0;
  for (let t = 0; t <= Math.min(radius, bits); t++) out += binomial(bits, t);
  return out;
};

/**
 * The multi-index layout for a radius: m substrings as equal as 64 bits allow, each searched within
 * floor(maxDistance / m) flips. By pigeonhole, two hashes within maxDistance bits differ in at most that
 * many bits on one substring. m is chosen to minimise the expected work per query for `rows` uniform hashes:
 * the buckets visited plus the rows found in them. Small radii get few wide substrings (8 bits from 70k
 * rows: three 21-22-bit substrings within 2 flips, ~0.03% of the rows checked); at 16 bits every split
 * leaves either narrow substrings, whose buckets hold many rows, or many flips per substring, whose keys are
 * many, so six 10-11-bit ones within 2 flips (a fifth of the rows checked) is about the best there is.
 */
export function hammingLayout(maxDistance: number, rows: number): { chunks: Chunk[]; radius: number } {
  let best: { chunks: Chunk[]; radius: number; cost: number } | null = null;
  for (let m = Math.ceil(64 / MAX_CHUNK_BITS); m <= 64; m++) {
    const radius = Math.floor(maxDistance / m);
    const chunks: Chunk[] = [];
    for (let c = 0, start = 0; c < m; c++) {
      const bits = Math.floor(64 / m) + (c < 64 % m ? 1 : 0);
      chunks.push({ start, bits });
      start += bits;
    }
    const keys = chunks.reduce((sum, c) => sum + ballSize(c.bits, radius), 0);
    const found = chunks.reduce((sum, c) => sum + (rows * ballSize(c.bits, radius)) / 2 ** c.bits, 0);
    // A visited bucket and a found row (stamp check, popcount) each cost about 20 ns (measured on the
    // real phashes at 70k rows, where six 10-11-bit substrings within 2 flips beat four 16-bit ones within 4).
    const cost = keys + found;
    if (!best || cost < best.cost) best = { chunks, radius, cost };
  }
  const { chunks, radius } = best as { chunks: Chunk[]; radius: number };
  return { chunks, radius };
}

/** Every `bits`-wide mask of at most `radius` set bits: a value's keys within that many flips are value ^ mask. */
function flipMasks(bits: number, radius: number): Int32Array {
  const out = new Int32Array(ballSize(bits, radius));
  let size = 0;
  const flip = (from: number, mask: number, left: number): void => {
    out[size++] = mask;
    if (left === 0) return;
    for (let b = from; b < bits; b++) flip(b + 1, mask | (1 << b), left - 1);
  };
  flip(0, 0, radius);
  return out;
}

/**
 * The same lists as hammingTopK(gallery, gallery, k, { sameSet: true }) cut at `maxDistance` bits, found
 * by multi-index hashing instead of comparing every pair: the hashes are indexed by each substring of
 * hammingLayout, each row looks only at the rows that share a substring within its radius, and checks
 * those exactly. Real image hashes far apart are different pictures, so a thresholded phash channel
 * loses nothing; a search within a submission's 8 bits checks a few hundred rows per query where
 * all pairs check them all.
 */
export function hammingWithin(gallery: Hash64Matrix, k: number, maxDistance: number): NeighbourLists {
  if (!(Number.isInteger(maxDistance) && maxDistance >= 0 && maxDistance <= HAMMING_WITHIN_MAX))
    throw new Error(`hammingWithin: maxDistance must be an integer in 0..${HAMMING_WITHIN_MAX} bits, got ${maxDistance}`);
  const n = gallery.rows;
  const words = gallery.words;
  const { chunks, radius } = hammingLayout(maxDistance, n);
  const chunkOf = (row: number, { start, bits }: Chunk): number => {
    const mask = (1 << bits) - 1;
    if (start >= 32) return (words[2 * row + 1] >>> (start - 32)) & mask;
    const low = words[2 * row] >>> start;
    // A substring across the two words takes its high bits from the second.
    return (start + bits <= 32 ? low : low | (words[2 * row + 1] << (32 - start))) & mask;
  };
  // Per substring, rows grouped by its value (counting sort): bucket v is rows[start[v] .. start[v + 1]).
  const tables = chunks.map((chunk) => {
    const start = new Int32Array(2 ** chunk.bits + 1);
    for (let row = 0; row < n; row++) start[chunkOf(row, chunk) + 1]++;
    for (let v = 0; v < 2 ** chunk.bits; v++) start[v + 1] += start[v];
    const fill = start.slice(0, -1);
    const rows = new Int32Array(n);
    for (let row = 0; row < n; row++) rows[fill[chunkOf(row, chunk)]++] = row;
    return { start, rows, masks: flipMasks(chunk.bits, radius) };
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
    for (let c = 0; c < chunks.length; c++) {
      const { start, rows, masks } = tables[c];
      const value = chunkOf(i, chunks[c]);
      for (let m = 0; m < masks.length; m++) {
        const key = value ^ masks[m];
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
