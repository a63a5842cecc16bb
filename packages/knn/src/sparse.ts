import type { CsrMatrix, NeighbourLists } from './types.ts';

/** Columns of a CSR matrix as posting lists: for column c, the rows and values in `[colptr[c], colptr[c+1])`. */
interface InvertedIndex {
  colptr: Int32Array;
  rows: Int32Array;
  values: Float64Array;
}

function invert(m: CsrMatrix, scale: Float64Array): InvertedIndex {
  const colptr = new Int32Array(m.cols + 1);
  for (let p = 0; p < m.indptr[m.rows]; p++) colptr[m.indices[p] + 1]++;
  for (let c = 0; c < m.cols; c++) colptr[c + 1] += colptr[c];
  const fill = colptr.slice(0, m.cols);
  const rows = new Int32Array(colptr[m.cols]);
  const values = new Float64Array(colptr[m.cols]);
  for (let r = 0; r < m.rows; r++) {
    for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) {
      const at = fill[m.indices[p]]++;
      rows[at] = r;
      values[at] = m.values[p] * scale[r];
    }
  }
  return { colptr, rows, values };
}

/** 1 / L2 norm of every row; 0 for an empty row, whose cosine similarity to anything is then 0 (as scikit-learn). */
export function inverseNorms(m: CsrMatrix): Float64Array {
  const out = new Float64Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    let s = 0;
    for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) s += m.values[p] * m.values[p];
    out[r] = s > 0 ? 1 / Math.sqrt(s) : 0;
  }
  return out;
}

export function checkCsr(m: CsrMatrix, name: string, caller = 'sparseCosineTopK'): void {
  if (m.indptr.length !== m.rows + 1 || m.indices.length < m.indptr[m.rows] || m.values.length < m.indptr[m.rows]) {
    throw new Error(`${caller}: ${name} is not a valid CSR matrix (indptr needs rows + 1 entries ending at nnz)`);
  }
}

/**
 * Exact cosine top-k of every query row among the gallery rows, for sparse vectors (TF-IDF). Work is proportional
 * to the products that are non-zero: the gallery is inverted into per-term posting lists and each query
 * accumulates similarities only over the rows that share a term with it. Rows needn't be normalised.
 * Neighbours come nearest first (ties by lower gallery index); when fewer than k gallery rows share a term,
 * the rest are filled with the lowest-index unrelated rows at distance 1, so every list has min(k, gallery rows).
 */
export function sparseCosineTopK(queries: CsrMatrix, gallery: CsrMatrix, k: number): NeighbourLists {
  checkCsr(queries, 'queries');
  checkCsr(gallery, 'gallery');
  if (queries.cols !== gallery.cols) {
    throw new Error(
      `sparseCosineTopK: queries have ${queries.cols} columns but gallery has ${gallery.cols}; build both with one vocabulary`,
    );
  }
  if (!Number.isInteger(k) || k < 1) throw new Error(`sparseCosineTopK: k must be a positive integer, got ${k}`);
  const kk = Math.min(k, gallery.rows);
  const index = invert(gallery, inverseNorms(gallery));
  const queryScale = inverseNorms(queries);

  const scores = new Float64Array(gallery.rows);
  const touched = new Int32Array(gallery.rows);
  const seen = new Int32Array(gallery.rows);
  // Bounded min-heap of the best kk candidates, worst at the root.
  const heapRows = new Int32Array(kk);
  const heapScores = new Float64Array(kk);
  const order = new Int32Array(kk);

  const indices: Int32Array[] = new Array(queries.rows);
  const distances: Float32Array[] = new Array(queries.rows);
  for (let q = 0; q < queries.rows; q++) {
    let nTouched = 0;
    const stamp = q + 1;
    const qs = queryScale[q];
    for (let p = queries.indptr[q]; p < queries.indptr[q + 1]; p++) {
      const w = queries.values[p] * qs;
      const c = queries.indices[p];
      for (let a = index.colptr[c], end = index.colptr[c + 1]; a < end; a++) {
        const r = index.rows[a];
        if (seen[r] !== stamp) {
          seen[r] = stamp;
          touched[nTouched++] = r;
        }
        scores[r] += w * index.values[a];
      }
    }

    let size = 0;
    for (let t = 0; t < nTouched; t++) {
      const r = touched[t];
      const s = scores[r];
      if (size < kk) {
        siftUp(heapRows, heapScores, size++, r, s);
      } else if (better(s, r, heapScores[0], heapRows[0])) {
        siftDown(heapRows, heapScores, size, r, s);
      }
    }
    // Rows sharing no term have similarity 0: they fill short lists and outrank negative similarities; among
    // them the lowest indices win, as in a stable sort, so the scan stops at the first one that cannot get in.
    if (size < kk || heapScores[0] < 0) {
      for (let r = 0; r < gallery.rows; r++) {
        if (seen[r] === stamp) continue;
        if (size < kk) siftUp(heapRows, heapScores, size++, r, 0);
        else if (better(0, r, heapScores[0], heapRows[0])) siftDown(heapRows, heapScores, size, r, 0);
        else break;
      }
    }
    for (let t = 0; t < nTouched; t++) scores[touched[t]] = 0;

    for (let i = 0; i < size; i++) order[i] = i;
    const sorted = Array.from(order.subarray(0, size)).sort((x, y) =>
      better(heapScores[x], heapRows[x], heapScores[y], heapRows[y]) ? -1 : 1,
    );
    const ids = new Int32Array(size);
    const dist = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      ids[i] = heapRows[sorted[i]];
      dist[i] = Math.min(2, Math.max(0, 1 - heapScores[sorted[i]]));
    }
    indices[q] = ids;
    distances[q] = dist;
  }
  return { indices, distances };
}

/** Whether candidate (s, r) ranks before (s2, r2): higher similarity, then lower index. */
function better(s: number, r: number, s2: number, r2: number): boolean {
  return s > s2 || (s === s2 && r < r2);
}

function siftUp(rows: Int32Array, scores: Float64Array, at: number, r: number, s: number): void {
  let i = at;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!better(scores[parent], rows[parent], s, r)) break;
    rows[i] = rows[parent];
    scores[i] = scores[parent];
    i = parent;
  }
  rows[i] = r;
  scores[i] = s;
}

/** Replace the root (the worst kept candidate) with (r, s) and restore the heap. */
function siftDown(rows: Int32Array, scores: Float64Array, size: number, r: number, s: number): void {
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= size) break;
    const right = left + 1;
    let worst = left;
    if (right < size && better(scores[left], rows[left], scores[right], rows[right])) worst = right;
    if (!better(s, r, scores[worst], rows[worst])) break;
    rows[i] = rows[worst];
    scores[i] = scores[worst];
    i = worst;
  }
  rows[i] = r;
  scores[i] = s;
}
