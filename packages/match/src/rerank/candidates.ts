import type { NeighbourLists } from '@prodmatch/knn';

/**
 * The candidate pairs of one gallery as flat typed arrays: pair p is (left[p], right[p]); pairs are
 * sorted by left, then right, and row i's pairs are p in [offsets[i], offsets[i + 1]). Never a pair of a
 * row with itself. Symmetric: (i, j) is a pair exactly when (j, i) is.
 */
export interface CandidatePairs {
  rows: number;
  left: Int32Array;
  right: Int32Array;
  offsets: Int32Array;
}

/**
 * The union of every channel's top-k (the first k neighbours of each row other than itself), made
 * symmetric: j in i's top-k of any channel makes both (i, j) and (j, i) candidates. Built with a
 * counting sort into one buffer, then each row's partners sorted and deduplicated in place: no per-pair
 * objects, memory about 2 x rows x k x channels int32 at the peak.
 */
export function candidatePairs(lists: readonly NeighbourLists[], k: number): CandidatePairs {
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`candidatePairs: k must be a positive integer, got ${k}`);
  if (lists.length === 0) throw new Error('candidatePairs: no neighbour lists (give at least one channel)');
  const rows = lists[0].indices.length;
  for (const l of lists)
    if (l.indices.length !== rows)
      throw new Error(`candidatePairs: channels cover ${l.indices.length} and ${rows} rows; every channel must list the same gallery`);
  // Pass 1: how many directed entries each row receives (as i for (i, j) and as j for (j, i)).
  const counts = new Int32Array(rows + 1);
  const visit = (each: (i: number, j: number) => void): void => {
    for (const l of lists) {
      for (let i = 0; i < rows; i++) {
        const row = l.indices[i];
        for (let c = 0, taken = 0; c < row.length && taken < k; c++) {
          const j = row[c];
          if (j === i) continue;
          if (j < 0 || j >= rows) throw new Error(`candidatePairs: row ${i} lists ${j}, outside 0..${rows - 1}`);
          taken++;
          each(i, j);
        }
      }
    }
  };
  visit((i, j) => {
    counts[i + 1]++;
    counts[j + 1]++;
  });
  for (let i = 0; i < rows; i++) counts[i + 1] += counts[i];
  const fill = counts.slice(0, rows);
  const buffer = new Int32Array(counts[rows]);
  visit((i, j) => {
    buffer[fill[i]++] = j;
    buffer[fill[j]++] = i;
  });
  // Pass 2: sort and deduplicate each row's partners, compacting as we go.
  const offsets = new Int32Array(rows + 1);
  let size = 0;
  for (let i = 0; i < rows; i++) {
    const partners = buffer.subarray(counts[i], counts[i + 1]).sort();
    let last = -1;
    for (let c = 0; c < partners.length; c++) {
      if (partners[c] === last) continue;
      last = partners[c];
      buffer[size++] = last;
    }
    offsets[i + 1] = size;
  }
  const right = buffer.slice(0, size);
  const left = new Int32Array(size);
  for (let i = 0; i < rows; i++) left.fill(i, offsets[i], offsets[i + 1]);
  return { rows, left, right, offsets };
}

/** Index of pair (i, j), or -1 when it is not a candidate (binary search in row i's sorted partners). */
export function pairIndex(pairs: CandidatePairs, i: number, j: number): number {
  let lo = pairs.offsets[i];
  let hi = pairs.offsets[i + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = pairs.right[mid];
    if (r === j) return mid;
    if (r < j) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** reverse[p] is the index of (right[p], left[p]); candidate pairs are symmetric, so it always exists. */
export function reversePairs(pairs: CandidatePairs): Int32Array {
  const reverse = new Int32Array(pairs.left.length);
  // Walking rows in order, row j's partners i arrive in increasing i: one cursor per row, no search.
  const cursor = pairs.offsets.slice(0, pairs.rows);
  for (let p = 0; p < pairs.left.length; p++) {
    const j = pairs.right[p];
    const q = cursor[j]++;
    if (pairs.right[q] !== pairs.left[p]) throw new Error('reversePairs: the candidate pairs are not symmetric');
    reverse[p] = q;
  }
  return reverse;
}

/** 1 for pairs of the same label group, 0 otherwise. */
export function pairLabels(pairs: CandidatePairs, labels: readonly string[]): Uint8Array {
  if (labels.length !== pairs.rows) throw new Error(`pairLabels: ${labels.length} labels for ${pairs.rows} rows`);
  const ids = new Map<string, number>();
  const idOf = Int32Array.from(labels, (l) => {
    let id = ids.get(l);
    if (id === undefined) ids.set(l, (id = ids.size));
    return id;
  });
  const out = new Uint8Array(pairs.left.length);
  for (let p = 0; p < out.length; p++) out[p] = idOf[pairs.left[p]] === idOf[pairs.right[p]] ? 1 : 0;
  return out;
}

/** Share of each row's true matches (other than itself) among its candidates, over all true pairs. */
export function candidateRecall(pairs: CandidatePairs, labels: readonly string[]): { truePairs: number; covered: number; recall: number } {
  const groupSize = new Map<string, number>();
  for (const l of labels) groupSize.set(l, (groupSize.get(l) ?? 0) + 1);
  let truePairs = 0;
  for (const l of labels) truePairs += (groupSize.get(l) as number) - 1;
  let covered = 0;
  for (const y of pairLabels(pairs, labels)) covered += y;
  return { truePairs, covered, recall: truePairs === 0 ? 1 : covered / truePairs };
}
