import type { NeighbourLists } from './types.ts';

/** The flat arrays behind a `TopKAccumulator`, in a form a worker can post (transferable buffers). */
export interface TopKState {
  rows: number;
  k: number;
  sims: Float32Array;
  indices: Int32Array;
  sizes: Int32Array;
}

/**
 * The k most similar candidates of every row, kept as one bounded min-heap per row in flat typed
 * arrays, so that streaming a whole similarity block through it allocates nothing.
 *
 * Ranking: higher similarity first, and among equal similarities the lower candidate index first
 * (what a stable sort of the full row gives). The heap root is the worst kept candidate, and
 * `threshold[row]` mirrors its similarity (-Infinity until the row holds k candidates), so the hot
 * loops reject almost every value with a single comparison; because ties are broken by index, the
 * result does not depend on the order in which candidates arrive.
 */
export class TopKAccumulator {
  readonly rows: number;
  readonly k: number;
  readonly sims: Float32Array;
  readonly indices: Int32Array;
  readonly sizes: Int32Array;
  /** Similarity of each row's worst kept candidate once it holds k; -Infinity before. */
  readonly threshold: Float32Array;

  constructor(rows: number, k: number, state?: TopKState) {
    if (!Number.isInteger(rows) || rows < 0) throw new Error(`TopKAccumulator: rows must be a non-negative integer, got ${rows}`);
    if (!Number.isInteger(k) || k < 1) throw new Error(`TopKAccumulator: k must be a positive integer, got ${k}`);
    this.rows = rows;
    this.k = k;
    if (state) {
      if (
        state.rows !== rows ||
        state.k !== k ||
        state.sims.length !== rows * k ||
        state.indices.length !== rows * k ||
        state.sizes.length !== rows
      ) {
        throw new Error(`TopKAccumulator: state for ${state.rows} rows x k ${state.k} does not fit ${rows} rows x k ${k}`);
      }
      this.sims = state.sims;
      this.indices = state.indices;
      this.sizes = state.sizes;
    } else {
      this.sims = new Float32Array(rows * k);
      this.indices = new Int32Array(rows * k);
      this.sizes = new Int32Array(rows);
    }
    this.threshold = new Float32Array(rows).fill(-Infinity);
    for (let row = 0; row < rows; row++) if (this.sizes[row] === k) this.threshold[row] = this.sims[row * k];
  }

  /** Offers one candidate to one row; kept only if it ranks among the row's k best so far. */
  offer(row: number, sim: number, index: number): void {
    const { k, sims, indices } = this;
    const base = row * k;
    const size = this.sizes[row];
    if (size < k) {
      // Sift up from the new leaf: parents must rank worse than (or as bad as) their children.
      let pos = size;
      while (pos > 0) {
        const parent = (pos - 1) >> 1;
        const ps = sims[base + parent];
        if (!(sim < ps || (sim === ps && index > indices[base + parent]))) break;
        sims[base + pos] = ps;
        indices[base + pos] = indices[base + parent];
        pos = parent;
      }
      sims[base + pos] = sim;
      indices[base + pos] = index;
      this.sizes[row] = size + 1;
      if (size + 1 === k) this.threshold[row] = sims[base];
      return;
    }
    const rootSim = sims[base];
    if (sim < rootSim || (sim === rootSim && index > indices[base])) return;
    // Replace the root and sift down: move the worse child up while it ranks worse than the newcomer.
    let pos = 0;
    for (;;) {
      let child = 2 * pos + 1;
      if (child >= k) break;
      const right = child + 1;
      if (right < k) {
        const cs = sims[base + child];
        const rs = sims[base + right];
        if (rs < cs || (rs === cs && indices[base + right] > indices[base + child])) child = right;
      }
      const cs = sims[base + child];
      if (!(cs < sim || (cs === sim && indices[base + child] > index))) break;
      sims[base + pos] = cs;
      indices[base + pos] = indices[base + child];
      pos = child;
    }
    sims[base + pos] = sim;
    indices[base + pos] = index;
    this.threshold[row] = sims[base];
  }

  /**
   * Streams a row-major similarity block `block[r * cols + c] = sim(rowStart + r, colStart + c)`:
   * row rowStart + r is offered candidate colStart + c, and, with `alsoColumns` (a block above the
   * diagonal of a symmetric search), row colStart + c is offered candidate rowStart + r.
   */
  scanBlock(block: Float32Array, rows: number, cols: number, rowStart: number, colStart: number, alsoColumns: boolean): void {
    if (block.length < rows * cols) throw new Error(`scanBlock: block has ${block.length} values, fewer than ${rows} x ${cols}`);
    const threshold = this.threshold;
    // The lowest threshold among the column rows: a value below it and below its own row's
    // threshold (almost every value, once the heaps are warm) costs one comparison. Thresholds only
    // rise, so a floor taken before the tile stays a safe lower bound throughout it.
    let columnFloor = Infinity;
    if (alsoColumns) for (let c = 0; c < cols; c++) columnFloor = Math.min(columnFloor, threshold[colStart + c]);
    for (let r = 0; r < rows; r++) {
      const row = rowStart + r;
      const base = r * cols;
      let rowThreshold = threshold[row];
      if (alsoColumns) {
        const floor = Math.min(rowThreshold, columnFloor);
        for (let c = 0; c < cols; c++) {
          const v = block[base + c];
          if (v < floor) continue;
          if (v >= rowThreshold) {
            this.offer(row, v, colStart + c);
            rowThreshold = threshold[row];
          }
          if (v >= threshold[colStart + c]) this.offer(colStart + c, v, row);
        }
      } else {
        for (let c = 0; c < cols; c++) {
          const v = block[base + c];
          if (v >= rowThreshold) {
            this.offer(row, v, colStart + c);
            rowThreshold = threshold[row];
          }
        }
      }
    }
  }

  /** Offers every candidate another accumulator (over the same rows, e.g. another worker's) kept. */
  merge(other: TopKState): void {
    if (other.rows !== this.rows || other.k !== this.k) {
      throw new Error(`TopKAccumulator.merge: ${other.rows} rows x k ${other.k} into ${this.rows} rows x k ${this.k}`);
    }
    for (let row = 0; row < this.rows; row++) {
      const base = row * this.k;
      for (let j = 0; j < other.sizes[row]; j++) this.offer(row, other.sims[base + j], other.indices[base + j]);
    }
  }

  state(): TopKState {
    return { rows: this.rows, k: this.k, sims: this.sims, indices: this.indices, sizes: this.sizes };
  }

  /** Every row's candidates, best first, as cosine distances (1 - similarity, clamped to [0, 2]). */
  toNeighbourLists(): NeighbourLists {
    const { k, sims, indices } = this;
    const result: NeighbourLists = { indices: [], distances: [] };
    const order = new Int32Array(k);
    for (let row = 0; row < this.rows; row++) {
      const base = row * k;
      const n = this.sizes[row];
      for (let j = 0; j < n; j++) order[j] = base + j;
      const ranked = order.subarray(0, n).sort((a, b) => sims[b] - sims[a] || indices[a] - indices[b]);
      const rowIndices = new Int32Array(n);
      const rowDistances = new Float32Array(n);
      for (let j = 0; j < n; j++) {
        rowIndices[j] = indices[ranked[j]];
        // Rounding can push a self-similarity just above 1; cosine distances live in [0, 2].
        rowDistances[j] = Math.min(2, Math.max(0, 1 - sims[ranked[j]]));
      }
      result.indices.push(rowIndices);
      result.distances.push(rowDistances);
    }
    return result;
  }
}
