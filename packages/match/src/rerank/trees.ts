import type { PairTable } from './table.ts';

/** One regression tree, flat: node 0 is the root; a leaf has feature -1 and its value in `value`. */
export interface Tree {
  feature: Int32Array;
  /** Go left when x <= threshold. */
  threshold: Float32Array;
  left: Int32Array;
  right: Int32Array;
  value: Float32Array;
  leaves: number;
}

/**
 * Upper edges of at most `bins` quantile bins of one feature over the fit rows: bin b holds
 * edges[b - 1] < x <= edges[b], the last bin everything above. Computed from up to 100,000 sampled values.
 */
export function binEdges(column: Float32Array, rows: Int32Array, bins: number): Float32Array {
  const step = Math.max(1, Math.floor(rows.length / 100_000));
  const values = new Float32Array(Math.ceil(rows.length / step));
  for (let c = 0, v = 0; c < rows.length; c += step) values[v++] = column[rows[c]];
  values.sort();
  const distinct: number[] = [];
  for (let v = 0; v < values.length; v++) if (v === 0 || values[v] !== values[v - 1]) distinct.push(values[v]);
  // Few distinct values: one bin each. Otherwise quantiles, deduplicated.
  if (distinct.length <= bins) return Float32Array.from(distinct.slice(0, -1));
  const edges: number[] = [];
  for (let b = 1; b < bins; b++) {
    const edge = values[Math.min(values.length - 1, Math.floor((b * values.length) / bins))];
    if (edges.length === 0 || edge > edges[edges.length - 1]) edges.push(edge);
  }
  if (edges[edges.length - 1] === values[values.length - 1]) edges.pop();
  return Float32Array.from(edges);
}

/** The bin of x: the first b with x <= edges[b], or edges.length. */
function binOf(edges: Float32Array, x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x <= edges[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The fit rows' bins, row-major (rows x features), one byte each: a row's bins sit together for the histogram pass. */
export function binRows(table: PairTable, rows: Int32Array, edges: readonly Float32Array[]): Uint8Array {
  const features = edges.length;
  const out = new Uint8Array(rows.length * features);
  for (let f = 0; f < features; f++) {
    const column = table.columns[f];
    for (let c = 0, at = f; c < rows.length; c++, at += features) out[at] = binOf(edges[f], column[rows[c]]);
  }
  return out;
}

interface GrowSettings {
  learningRate: number;
  maxLeaves: number;
  maxDepth: number;
  minChildWeight: number;
  l2: number;
}

interface Candidate {
  node: number;
  start: number;
  end: number;
  depth: number;
  g: number;
  h: number;
  histogram: Float64Array;
  gain: number;
  feature: number;
  bin: number;
  leftG: number;
  leftH: number;
}

const SLOTS = 256;

/**
 * Grows one tree best-first on binned rows (their gradient and hessian given), adds its shrunk leaf
 * values to `score`, and returns it. Rows of a node are a range of one index array, partitioned in place.
 */
export function growTree(
  binned: Uint8Array,
  features: number,
  gradient: Float64Array,
  hessian: Float64Array,
  edges: readonly Float32Array[],
  settings: GrowSettings,
  score: Float64Array,
): Tree {
  const rows = gradient.length;
  const index = new Int32Array(rows);
  for (let c = 0; c < rows; c++) index[c] = c;
  const scratch = new Int32Array(rows);
  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const value: number[] = [];
  const newNode = (): number => {
    feature.push(-1);
    threshold.push(0);
    left.push(-1);
    right.push(-1);
    value.push(0);
    return feature.length - 1;
  };
  const { l2, minChildWeight } = settings;
  const histogramOf = (start: number, end: number): Float64Array => {
    // Interleaved gradient and hessian sums: [2 * (f * SLOTS + bin)] and [... + 1].
    const histogram = new Float64Array(features * SLOTS * 2);
    for (let c = start; c < end; c++) {
      const r = index[c];
      const g = gradient[r];
      const h = hessian[r];
      for (let f = 0, at = r * features; f < features; f++, at++) {
        const slot = (f * SLOTS + binned[at]) * 2;
        histogram[slot] += g;
        histogram[slot + 1] += h;
      }
    }
    return histogram;
  };
  const findSplit = (candidate: Candidate): void => {
    const { g, h, histogram } = candidate;
    const parent = (g * g) / (h + l2);
    candidate.gain = 0;
    for (let f = 0; f < features; f++) {
      let gl = 0;
      let hl = 0;
      const bins = edges[f].length;
      for (let b = 0; b < bins; b++) {
        const slot = (f * SLOTS + b) * 2;
        gl += histogram[slot];
        hl += histogram[slot + 1];
        const hr = h - hl;
        if (hl < minChildWeight) continue;
        if (hr < minChildWeight) break;
        const gr = g - gl;
        const gain = (gl * gl) / (hl + l2) + (gr * gr) / (hr + l2) - parent;
        if (gain > candidate.gain + 1e-12) {
          candidate.gain = gain;
          candidate.feature = f;
          candidate.bin = b;
          candidate.leftG = gl;
          candidate.leftH = hl;
        }
      }
    }
  };
  const rootG = gradient.reduce((a, b) => a + b, 0);
  const rootH = hessian.reduce((a, b) => a + b, 0);
  // A node waiting to be split; its histogram is filled in when its split is searched.
  const candidate = (
    start: number,
    end: number,
    depth: number,
    g: number,
    h: number,
    histogram: Float64Array = new Float64Array(0),
  ): Candidate => ({
    node: newNode(),
    start,
    end,
    depth,
    g,
    h,
    histogram,
    gain: 0,
    feature: -1,
    bin: -1,
    leftG: 0,
    leftH: 0,
  });
  const root = candidate(0, rows, 0, rootG, rootH, histogramOf(0, rows));
  findSplit(root);
  const open: Candidate[] = [root];
  const leaves: Candidate[] = [];
  let leafCount = 1;
  while (open.length > 0) {
    // Best-first: split the open node with the largest gain.
    let best = 0;
    for (let o = 1; o < open.length; o++) if (open[o].gain > open[best].gain) best = o;
    const node = open.splice(best, 1)[0];
    if (!(node.gain > 0) || leafCount >= settings.maxLeaves || node.depth >= settings.maxDepth) {
      leaves.push(node);
      continue;
    }
    // Partition the node's rows: bin <= split bin go left.
    let l = node.start;
    let r = 0;
    for (let c = node.start; c < node.end; c++) {
      const row = index[c];
      if (binned[row * features + node.feature] <= node.bin) index[l++] = row;
      else scratch[r++] = row;
    }
    index.set(scratch.subarray(0, r), l);
    const leftChild = candidate(node.start, l, node.depth + 1, node.leftG, node.leftH);
    const rightChild = candidate(l, node.end, node.depth + 1, node.g - node.leftG, node.h - node.leftH);
    const [small, large] =
      leftChild.end - leftChild.start <= rightChild.end - rightChild.start ? [leftChild, rightChild] : [rightChild, leftChild];
    small.histogram = histogramOf(small.start, small.end);
    large.histogram = node.histogram;
    for (let s = 0; s < large.histogram.length; s++) large.histogram[s] -= small.histogram[s];
    feature[node.node] = node.feature;
    threshold[node.node] = edges[node.feature][node.bin];
    left[node.node] = leftChild.node;
    right[node.node] = rightChild.node;
    leafCount++;
    for (const child of [leftChild, rightChild]) {
      if (child.depth < settings.maxDepth) findSplit(child);
      open.push(child);
    }
  }
  for (const leaf of leaves) {
    const v = (-leaf.g / (leaf.h + l2)) * settings.learningRate;
    value[leaf.node] = v;
    for (let c = leaf.start; c < leaf.end; c++) score[index[c]] += v;
  }
  return {
    feature: Int32Array.from(feature),
    threshold: Float32Array.from(threshold),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    value: Float32Array.from(value),
    leaves: leaves.length,
  };
}
