import type { CandidatePairs } from './candidates.ts';
import { beyondOf, type ChannelMatrix, type RerankChannel } from './types.ts';

/**
 * The exact distance of every candidate pair in one channel, in the channel's unit (cosine distance
 * 1 - cos, clamped to [0, 2], or Hamming bits), computed once per unordered pair and copied to its
 * reverse. Sparse rows: row i is scattered into a dense buffer once and each partner costs one pass over
 * its own entries.
 */
export function pairDistances(features: ChannelMatrix, pairs: CandidatePairs, reverse: Int32Array): Float32Array {
  const out = new Float32Array(pairs.left.length);
  const { left, right, offsets, rows } = pairs;
  if (features.matrix.rows !== rows) throw new Error(`pairDistances: features have ${features.matrix.rows} rows, the candidates ${rows}`);
  switch (features.kind) {
    case 'hash64': {
      const w = features.matrix.words;
      for (let p = 0; p < out.length; p++) {
        const a = left[p];
        const b = right[p];
        if (b < a) continue;
        const d = popcount32((w[2 * a] ^ w[2 * b]) >>> 0) + popcount32((w[2 * a + 1] ^ w[2 * b + 1]) >>> 0);
        out[p] = d;
        out[reverse[p]] = d;
      }
      return out;
    }
    case 'dense': {
      const { data, dim } = features.matrix;
      const norms = new Float64Array(rows);
      for (let i = 0; i < rows; i++) {
        let s = 0;
        for (let d = i * dim; d < (i + 1) * dim; d++) s += data[d] * data[d];
        norms[i] = s > 0 ? 1 / Math.sqrt(s) : 0;
      }
      for (let p = 0; p < out.length; p++) {
        const a = left[p];
        const b = right[p];
        if (b < a) continue;
        let dot = 0;
        for (let d = 0, x = a * dim, y = b * dim; d < dim; d++, x++, y++) dot += data[x] * data[y];
        const distance = norms[a] === 0 || norms[b] === 0 ? 1 : clampCosine(1 - dot * norms[a] * norms[b]);
        out[p] = distance;
        out[reverse[p]] = distance;
      }
      return out;
    }
    case 'sparse': {
      const { indptr, indices, values, cols } = features.matrix;
      const norms = new Float64Array(rows);
      for (let i = 0; i < rows; i++) {
        let s = 0;
        for (let q = indptr[i]; q < indptr[i + 1]; q++) s += values[q] * values[q];
        norms[i] = s > 0 ? 1 / Math.sqrt(s) : 0;
      }
      const dense = new Float64Array(cols);
      for (let a = 0; a < rows; a++) {
        if (offsets[a + 1] === offsets[a]) continue;
        for (let q = indptr[a]; q < indptr[a + 1]; q++) dense[indices[q]] = values[q];
        for (let p = offsets[a]; p < offsets[a + 1]; p++) {
          const b = right[p];
          if (b < a) continue;
          let dot = 0;
          for (let q = indptr[b]; q < indptr[b + 1]; q++) dot += dense[indices[q]] * values[q];
          const distance = norms[a] === 0 || norms[b] === 0 ? 1 : clampCosine(1 - dot * norms[a] * norms[b]);
          out[p] = distance;
          out[reverse[p]] = distance;
        }
        for (let q = indptr[a]; q < indptr[a + 1]; q++) dense[indices[q]] = 0;
      }
      return out;
    }
  }
}

const clampCosine = (d: number): number => Math.min(2, Math.max(0, d));

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** The rank given to a partner that row i's list does not hold: one past the longest list (self excluded). */
export function missingRank(channel: RerankChannel): number {
  let longest = 0;
  for (let i = 0; i < channel.lists.indices.length; i++) {
    const list = channel.lists.indices[i];
    let others = 0;
    for (let c = 0; c < list.length; c++) if (list[c] !== i) others++;
    longest = Math.max(longest, others);
  }
  return longest + 1;
}

/**
 * Rank of right[p] among left[p]'s neighbours in the channel's list, 1 for the nearest other posting,
 * self skipped; missingRank(channel) when the list does not hold it.
 */
export function pairRanks(channel: RerankChannel, pairs: CandidatePairs): Float32Array {
  const { lists } = channel;
  const missing = missingRank(channel);
  const out = new Float32Array(pairs.left.length);
  const position = new Int32Array(pairs.rows);
  for (let i = 0; i < pairs.rows; i++) {
    const list = lists.indices[i];
    let rank = 0;
    for (let c = 0; c < list.length; c++) if (list[c] !== i) position[list[c]] = ++rank;
    for (let p = pairs.offsets[i]; p < pairs.offsets[i + 1]; p++) out[p] = position[pairs.right[p]] || missing;
    for (let c = 0; c < list.length; c++) position[list[c]] = 0;
  }
  return out;
}

/**
 * Each row's distance to its n-th nearest other posting in the channel's list (n = 1 is the nearest),
 * or the channel's `beyond` distance when the list holds fewer than n others.
 */
export function nthNeighbourDistance(channel: RerankChannel, n: number): Float32Array {
  const rows = channel.lists.indices.length;
  const out = new Float32Array(rows).fill(beyondOf(channel));
  for (let i = 0; i < rows; i++) {
    const list = channel.lists.indices[i];
    const distances = channel.lists.distances[i];
    for (let c = 0, seen = 0; c < list.length; c++) {
      if (list[c] === i) continue;
      if (++seen === n) {
        out[i] = distances[c];
        break;
      }
    }
  }
  return out;
}

/**
 * For each pair, how many postings other than i and j are among both rows' first m other neighbours in
 * the channel: postings of one product share their neighbours, look-alikes less so.
 */
export function sharedNeighbours(channel: RerankChannel, pairs: CandidatePairs, m: number): Float32Array {
  const rows = pairs.rows;
  // Each row's first m other neighbours, sorted, in one CSR.
  const offsets = new Int32Array(rows + 1);
  const members = new Int32Array(rows * m);
  let size = 0;
  for (let i = 0; i < rows; i++) {
    const list = channel.lists.indices[i];
    const start = size;
    for (let c = 0; c < list.length && size - start < m; c++) if (list[c] !== i) members[size++] = list[c];
    members.subarray(start, size).sort();
    offsets[i + 1] = size;
  }
  const out = new Float32Array(pairs.left.length);
  for (let p = 0; p < out.length; p++) {
    const i = pairs.left[p];
    const j = pairs.right[p];
    let a = offsets[i];
    let b = offsets[j];
    const ae = offsets[i + 1];
    const be = offsets[j + 1];
    let common = 0;
    while (a < ae && b < be) {
      const x = members[a];
      const y = members[b];
      if (x === y) {
        if (x !== i && x !== j) common++;
        a++;
        b++;
      } else if (x < y) a++;
      else b++;
    }
    out[p] = common;
  }
  return out;
}
