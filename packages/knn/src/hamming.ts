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
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
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
