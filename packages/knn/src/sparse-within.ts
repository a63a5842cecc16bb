import { checkCsr, inverseNorms } from './sparse.ts';
import type { CsrMatrix, NeighbourLists } from './types.ts';

/** Counts from one sparseCosineWithin call (for benchmarks): how much of the all-pairs work the bounds skipped. */
export interface SparseWithinProfile {
  /** Gallery entries put in the index (its suffixes), and all gallery entries. */
  indexedEntries: number;
  galleryEntries: number;
  /** Posting-list entries read while probing, and query terms whose lists were skipped by the bound. */
  postingsScanned: number;
  termsSkipped: number;
  /** Distinct (query, gallery row) pairs whose cosine was computed, and those within the threshold. */
  candidates: number;
  matches: number;
}

/** Similarity slack of every bound: float32 distances and float64 sums round, and a pair must never be pruned by rounding. */
const SLACK = 1e-6;

/**
 * Every gallery row within cosine distance `maxDistance` of each query, nearest first (ties by lower
 * gallery index), at most `k`: the same lists as `sparseCosineTopK(queries, gallery, k)` cut at
 * `distance <= Math.fround(maxDistance)` (as neighboursWithin cuts), with the same float32 distances,
 * computed by all-pairs similarity search with prefix filtering (Bayardo, Ma and Srikant 2007; with
 * the L2-norm bounds of Anastasiu and Karypis 2014) instead of accumulating over every shared term:
 *
 * - Terms are ranked by document frequency, most frequent first. Each gallery row keeps its leading
 *   terms out of the index while an upper bound of their dot product with any query stays below
 *   t = 1 - maxDistance (min of: sum of weight x the term's largest query weight, and the norm of
 *   that prefix). A row can then only reach t through a term of its indexed suffix: its rarer terms,
 *   whose posting lists are short.
 * - A query reads the posting lists of its terms rarest first and stops taking new candidates once
 *   the same bound over its remaining (frequent) terms is below t: rows not met by then cannot reach t.
 * - Each candidate's cosine is then computed in full: over its shared terms in ascending column order,
 *   as sparseCosineTopK sums it when rows' columns ascend (as TF-IDF rows from @prodmatch/text do),
 *   so the distances are the same float32 values bit for bit.
 * - When the gallery is the query set, row x reads only the index entries of rows before it, so each
 *   pair is found and computed once (All-Pairs' incremental index) and filed under both rows.
 *
 * Values must be non-negative (TF-IDF), which the bounds rely on; rows needn't be normalised.
 * `maxDistance` must be below 1: at 1, rows sharing no term (similarity 0) would be within it.
 */
export function sparseCosineWithin(
  queries: CsrMatrix,
  gallery: CsrMatrix,
  k: number,
  maxDistance: number,
  opts: { profile?: SparseWithinProfile } = {},
): NeighbourLists {
  const caller = 'sparseCosineWithin';
  checkCsr(queries, 'queries', caller);
  checkCsr(gallery, 'gallery', caller);
  if (queries.cols !== gallery.cols) {
    throw new Error(`${caller}: queries have ${queries.cols} columns but gallery has ${gallery.cols}; build both with one vocabulary`);
  }
  if (!Number.isInteger(k) || k < 1) throw new Error(`${caller}: k must be a positive integer, got ${k}`);
  if (!(maxDistance >= 0 && Math.fround(maxDistance) < 1)) {
    throw new Error(
      `${caller}: maxDistance must be in [0, 1), got ${maxDistance}; at 1 or more every pair qualifies, so use sparseCosineTopK`,
    );
  }
  checkNonNegative(queries, 'queries');
  if (gallery !== queries) checkNonNegative(gallery, 'gallery');
  const self = gallery === queries;
  const search = new PrefixSearch(queries, gallery, Math.fround(maxDistance));
  const lists = self ? selfJoin(search, k) : join(search, k);
  if (opts.profile) Object.assign(opts.profile, search.profile);
  return lists;
}

/** Queries against another gallery: each query's matches, sorted and cut to k as they come. */
function join(search: PrefixSearch, k: number): NeighbourLists {
  const found: number[] = [];
  const foundScore: number[] = [];
  const rows = search.queries.rows;
  const indices: Int32Array[] = new Array(rows);
  const distances: Float32Array[] = new Array(rows);
  for (let q = 0; q < rows; q++) {
    found.length = 0;
    foundScore.length = 0;
    search.probe(q, search.gallery.rows, (r, s) => {
      found.push(r);
      foundScore.push(s);
    });
    search.profile.matches += found.length;
    [indices[q], distances[q]] = topK(found, foundScore, 0, found.length, k);
  }
  return { indices, distances };
}

/** A set against itself: row x probes rows before it, each pair goes to both rows' lists (and each row to its own). */
function selfJoin(search: PrefixSearch, k: number): NeighbourLists {
  const m = search.gallery;
  let pairs = 0;
  let a = new Int32Array(1 << 16);
  let b = new Int32Array(1 << 16);
  let score = new Float64Array(1 << 16);
  const add = (x: number, y: number, s: number): void => {
    if (pairs === a.length) {
      const [a2, b2, score2] = [new Int32Array(2 * pairs), new Int32Array(2 * pairs), new Float64Array(2 * pairs)];
      a2.set(a);
      b2.set(b);
      score2.set(score);
      [a, b, score] = [a2, b2, score2];
    }
    a[pairs] = x;
    b[pairs] = y;
    score[pairs++] = s;
  };
  for (let x = 0; x < m.rows; x++) {
    const s = search.selfScore(x);
    if (search.within(s)) add(x, x, s);
    search.probe(x, x, (y, sy) => add(x, y, sy));
  }
  // Bucket the pairs by row (both ends; a row's own pair once), then rank each row's bucket.
  const start = new Int32Array(m.rows + 1);
  for (let p = 0; p < pairs; p++) {
    start[a[p] + 1]++;
    if (b[p] !== a[p]) start[b[p] + 1]++;
  }
  for (let r = 0; r < m.rows; r++) start[r + 1] += start[r];
  const fill = start.slice(0, m.rows);
  const other = new Int32Array(start[m.rows]);
  const otherScore = new Float64Array(start[m.rows]);
  for (let p = 0; p < pairs; p++) {
    let at = fill[a[p]]++;
    other[at] = b[p];
    otherScore[at] = score[p];
    if (b[p] !== a[p]) {
      at = fill[b[p]]++;
      other[at] = a[p];
      otherScore[at] = score[p];
    }
  }
  search.profile.matches = start[m.rows];
  const indices: Int32Array[] = new Array(m.rows);
  const distances: Float32Array[] = new Array(m.rows);
  for (let r = 0; r < m.rows; r++) [indices[r], distances[r]] = topK(other, otherScore, start[r], start[r + 1], k);
  return { indices, distances };
}

/** rows[from..to) by score (highest first, ties by lower row), the first k, as cosine distances. */
function topK(rows: ArrayLike<number>, scores: ArrayLike<number>, from: number, to: number, k: number): [Int32Array, Float32Array] {
  const order = Array.from({ length: to - from }, (_, i) => from + i).sort((x, y) => scores[y] - scores[x] || rows[x] - rows[y]);
  const kept = Math.min(k, order.length);
  const ids = new Int32Array(kept);
  const dist = new Float32Array(kept);
  for (let i = 0; i < kept; i++) {
    ids[i] = rows[order[i]];
    dist[i] = Math.min(2, Math.max(0, 1 - scores[order[i]]));
  }
  return [ids, dist];
}

/** A profile with every count at zero, for a caller to pass in and read after the search. */
export function emptySparseWithinProfile(): SparseWithinProfile {
  return { indexedEntries: 0, galleryEntries: 0, postingsScanned: 0, termsSkipped: 0, candidates: 0, matches: 0 };
}

/** The prefix-filtered inverted index of the gallery, and the probe of one query row against it. */
class PrefixSearch {
  readonly profile: SparseWithinProfile = emptySparseWithinProfile();
  private readonly t: number;
  private readonly qScale: Float64Array;
  private readonly gScale: Float64Array;
  private readonly rank: Int32Array;
  private readonly maxGallery: Float64Array;
  /** Posting lists by column (rows ascending), with each entry's weight and the norm of its row's entries ranked before it. */
  private readonly colptr: Int32Array;
  private readonly postings: Int32Array;
  private readonly postingWeights: Float64Array;
  private readonly postingRestNorms: Float64Array;
  private readonly stamp: Int32Array;
  private readonly overlap: Float64Array;
  private readonly met: Int32Array;
  private readonly queryWeights: Float64Array;
  private readonly order: Int32Array;

  constructor(
    readonly queries: CsrMatrix,
    readonly gallery: CsrMatrix,
    private readonly cut: number,
  ) {
    this.t = 1 - cut - SLACK;
    const cols = gallery.cols;
    this.qScale = inverseNorms(queries);
    this.gScale = gallery === queries ? this.qScale : inverseNorms(gallery);
    // Term rank: most frequent gallery terms first (ties by column), so indexed suffixes hold the rare ones.
    const df = new Int32Array(cols);
    for (let p = 0; p < gallery.indptr[gallery.rows]; p++) df[gallery.indices[p]]++;
    const byFrequency = Int32Array.from({ length: cols }, (_, c) => c).sort((a, b) => df[b] - df[a] || a - b);
    this.rank = new Int32Array(cols);
    byFrequency.forEach((c, r) => (this.rank[c] = r));
    const maxQuery = largestWeights(queries, this.qScale);
    this.maxGallery = gallery === queries ? maxQuery : largestWeights(gallery, this.gScale);

    // Per gallery row, its terms from the first one at which the prefix bound reaches t.
    const nnz = gallery.indptr[gallery.rows];
    const suffixStart = new Int32Array(gallery.rows);
    const entries = new Int32Array(nnz);
    this.colptr = new Int32Array(cols + 1);
    for (let r = 0; r < gallery.rows; r++) {
      const from = gallery.indptr[r];
      const n = sortedByRank(gallery, r, this.rank, entries);
      let weighted = 0;
      let squares = 0;
      let at = n;
      for (let e = 0; e < n; e++) {
        const w = gallery.values[entries[from + e]] * this.gScale[r];
        weighted += w * maxQuery[gallery.indices[entries[from + e]]];
        squares += w * w;
        if (Math.min(weighted, Math.sqrt(squares)) >= this.t) {
          at = e;
          break;
        }
      }
      suffixStart[r] = at;
      for (let e = at; e < n; e++) this.colptr[gallery.indices[entries[from + e]] + 1]++;
    }
    for (let c = 0; c < cols; c++) this.colptr[c + 1] += this.colptr[c];
    const indexed = this.colptr[cols];
    this.postings = new Int32Array(indexed);
    this.postingWeights = new Float64Array(indexed);
    this.postingRestNorms = new Float64Array(indexed);
    const fill = this.colptr.slice(0, cols);
    for (let r = 0; r < gallery.rows; r++) {
      const from = gallery.indptr[r];
      let squares = 0;
      for (let e = 0, n = gallery.indptr[r + 1] - from; e < n; e++) {
        const p = entries[from + e];
        const w = gallery.values[p] * this.gScale[r];
        if (e >= suffixStart[r]) {
          const at = fill[gallery.indices[p]]++;
          this.postings[at] = r;
          this.postingWeights[at] = w;
          this.postingRestNorms[at] = Math.sqrt(squares);
        }
        squares += w * w;
      }
    }
    this.profile.indexedEntries = indexed;
    this.profile.galleryEntries = nnz;
    this.stamp = new Int32Array(gallery.rows).fill(-1);
    this.overlap = new Float64Array(gallery.rows);
    this.met = new Int32Array(gallery.rows);
    this.queryWeights = new Float64Array(cols);
    this.order = new Int32Array(maxRowLength(queries));
  }

  /** Whether similarity s is within the distance cut, as the reference's float32 distances compare. */
  within(s: number): boolean {
    return Math.fround(Math.min(2, Math.max(0, 1 - s))) <= this.cut;
  }

  /** Query row q's cosine with itself (q in the gallery), summed as sparseCosineTopK sums it. */
  selfScore(q: number): number {
    const m = this.queries;
    const qs = this.qScale[q];
    let s = 0;
    for (let p = m.indptr[q]; p < m.indptr[q + 1]; p++) s += m.values[p] * qs * (m.values[p] * this.gScale[q]);
    return s;
  }

  /** Calls `match(row, similarity)` for every gallery row below `beforeRow` within the cut of query row q. */
  probe(q: number, beforeRow: number, match: (row: number, similarity: number) => void): void {
    const { queries, gallery, t, colptr, postings, stamp, overlap, met, queryWeights, order } = this;
    const start = queries.indptr[q];
    const end = queries.indptr[q + 1];
    const qs = this.qScale[q];
    // Bound of the terms not read yet; terms are read rarest first.
    let weighted = 0;
    let squares = 0;
    for (let p = start; p < end; p++) {
      const w = queries.values[p] * qs;
      queryWeights[queries.indices[p]] = w;
      weighted += w * this.maxGallery[queries.indices[p]];
      squares += w * w;
    }
    const n = sortedByRank(queries, q, this.rank, order, -start);
    let touched = 0;
    for (let e = n - 1; e >= 0; e--) {
      // Rows not met yet can join only while the unread terms' bound reaches t. Once it is below, the
      // met rows are checked in full rather than by reading more (long, frequent-term) lists.
      if (Math.min(weighted, Math.sqrt(Math.max(0, squares))) < t) {
        this.profile.termsSkipped += e + 1;
        break;
      }
      const p = order[e];
      const c = queries.indices[p];
      const w = queries.values[p] * qs;
      weighted -= w * this.maxGallery[c];
      squares -= w * w;
      // The query's terms ranked below c: with the row's own rest, they bound what a met row can still gain.
      const queryRest = Math.sqrt(Math.max(0, squares));
      const listStart = colptr[c];
      let a = listStart;
      for (const listEnd = colptr[c + 1]; a < listEnd; a++) {
        const r = postings[a];
        if (r >= beforeRow) break;
        let sum: number;
        if (stamp[r] !== q) {
          stamp[r] = q;
          met[touched++] = r;
          sum = 0;
        } else {
          sum = overlap[r];
          if (sum < 0) continue;
        }
        // Every term of r ranked above c is in its indexed suffix, so `sum` holds all of those the query
        // shares; the rest of the cosine is at most |query below c| x |row below c| (Cauchy-Schwarz).
        sum += w * this.postingWeights[a];
        overlap[r] = sum + queryRest * this.postingRestNorms[a] < t ? -1 : sum;
      }
      this.profile.postingsScanned += a - listStart;
    }
    for (let i = 0; i < touched; i++) {
      const r = met[i];
      if (overlap[r] < 0) continue;
      this.profile.candidates++;
      // The full cosine over r's terms: shared terms come in ascending column order when rows' columns
      // ascend, as sparseCosineTopK sums them; terms the query lacks add an exact 0.
      const rs = this.gScale[r];
      let s = 0;
      for (let b = gallery.indptr[r], bEnd = gallery.indptr[r + 1]; b < bEnd; b++)
        s += queryWeights[gallery.indices[b]] * (gallery.values[b] * rs);
      if (this.within(s)) match(r, s);
    }
    for (let p = start; p < end; p++) queryWeights[queries.indices[p]] = 0;
  }
}

function checkNonNegative(m: CsrMatrix, name: string): void {
  for (let p = 0; p < m.indptr[m.rows]; p++) {
    if (!(m.values[p] >= 0)) {
      throw new Error(
        `sparseCosineWithin: ${name} has value ${m.values[p]} at entry ${p}; its bounds need non-negative values (TF-IDF), so use sparseCosineTopK`,
      );
    }
  }
}

/** Per column, the largest weight of any row once rows are scaled to unit length. */
function largestWeights(m: CsrMatrix, scale: Float64Array): Float64Array {
  const out = new Float64Array(m.cols);
  for (let r = 0; r < m.rows; r++) {
    for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) out[m.indices[p]] = Math.max(out[m.indices[p]], m.values[p] * scale[r]);
  }
  return out;
}

function maxRowLength(m: CsrMatrix): number {
  let most = 0;
  for (let r = 0; r < m.rows; r++) most = Math.max(most, m.indptr[r + 1] - m.indptr[r]);
  return most;
}

/**
 * Writes row r's entry positions, by ascending term rank, to `out` from `indptr[r] + shift`; returns
 * the row's length. Insertion sort: titles have a few dozen terms at most.
 */
function sortedByRank(m: CsrMatrix, r: number, rank: Int32Array, out: Int32Array, shift = 0): number {
  const from = m.indptr[r];
  const n = m.indptr[r + 1] - from;
  const base = from + shift;
  for (let e = 0; e < n; e++) {
    const p = from + e;
    const key = rank[m.indices[p]];
    let i = e;
    while (i > 0 && rank[m.indices[out[base + i - 1]]] > key) {
      out[base + i] = out[base + i - 1];
      i--;
    }
    out[base + i] = p;
  }
  return n;
}
