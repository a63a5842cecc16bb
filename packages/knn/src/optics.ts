import { checkListLength, checkSelfLists, radiusGraph } from './graph.ts';
import type { NeighbourLists } from './types.ts';

export interface OpticsGraphOptions {
  /** Rows in a core neighbourhood, the row itself included (an integer >= 1, like sklearn's integer form). */
  minSamples: number;
  /** Largest cosine distance at which rows are neighbours; the graph is also truncated at the lists' k. */
  maxEps: number;
}

export interface OpticsOptions extends OpticsGraphOptions {
  /** Cluster extraction, as sklearn: 'xi' (default) or 'dbscan'. */
  clusterMethod?: 'xi' | 'dbscan';
  /** Steepness for 'xi' (default 0.05). */
  xi?: number;
  /** Smallest 'xi' cluster (default minSamples). */
  minClusterSize?: number;
  /** Cut-off for 'dbscan' (default maxEps; must not exceed it). */
  eps?: number;
}

/** OPTICS' reachability graph; per-row arrays are indexed by row, `ordering` lists rows in visit order. */
export interface OpticsGraph {
  ordering: Int32Array;
  coreDistances: Float64Array;
  reachability: Float64Array;
  predecessor: Int32Array;
}

/** Min-heap of (key, row), ties broken by the smaller row, which is sklearn's visiting order. */
class ReachabilityHeap {
  private keys: number[] = [];
  private rows: number[] = [];

  get size(): number {
    return this.rows.length;
  }

  private less(a: number, b: number): boolean {
    return this.keys[a] < this.keys[b] || (this.keys[a] === this.keys[b] && this.rows[a] < this.rows[b]);
  }

  private swap(a: number, b: number): void {
    [this.keys[a], this.keys[b]] = [this.keys[b], this.keys[a]];
    [this.rows[a], this.rows[b]] = [this.rows[b], this.rows[a]];
  }

  push(key: number, row: number): void {
    this.keys.push(key);
    this.rows.push(row);
    for (let c = this.rows.length - 1; c > 0; ) {
      const parent = (c - 1) >> 1;
      if (!this.less(c, parent)) break;
      this.swap(c, parent);
      c = parent;
    }
  }

  pop(): { key: number; row: number } {
    const top = { key: this.keys[0], row: this.rows[0] };
    const last = this.rows.length - 1;
    this.swap(0, last);
    this.keys.pop();
    this.rows.pop();
    for (let c = 0; ; ) {
      const left = 2 * c + 1;
      const right = left + 1;
      let best = c;
      if (left < last && this.less(left, best)) best = left;
      if (right < last && this.less(right, best)) best = right;
      if (best === c) break;
      this.swap(c, best);
      c = best;
    }
    return top;
  }
}

function checkMinSamples(minSamples: number, n: number, what: string): void {
  if (!Number.isInteger(minSamples) || minSamples < 1) throw new Error(`${what}: minSamples must be a positive integer, got ${minSamples}`);
  if (minSamples > n) throw new Error(`${what}: minSamples (${minSamples}) exceeds the number of rows (${n})`);
}

/**
 * OPTICS ordering and reachability as sklearn computes them (visit the unprocessed row of least
 * reachability, the smaller row on ties; reachability only improves strictly), but over the
 * radius graph of `lists` instead of a full distance matrix, with a heap instead of a linear scan.
 */
export function opticsGraph(lists: NeighbourLists, opts: OpticsGraphOptions): OpticsGraph {
  const { minSamples, maxEps } = opts;
  const n = checkSelfLists(lists, 'opticsGraph');
  checkMinSamples(minSamples, n, 'opticsGraph');
  if (!(maxEps >= 0)) throw new Error(`opticsGraph: maxEps must be a non-negative cosine distance, got ${maxEps}`);
  checkListLength(lists, minSamples, 'opticsGraph');

  // Core distance = distance to the minSamples-th nearest row counting the row itself at distance 0.
  // Values stay float32-derived, so sklearn's rounding to 15 decimals would change nothing here.
  const coreDistances = new Float64Array(n);
  const coreLimit = Math.fround(maxEps); // float32 distances, compared as radiusGraph compares them
  for (let i = 0; i < n; i++) {
    let others = 0;
    let core = minSamples === 1 ? 0 : Infinity;
    const indices = lists.indices[i];
    for (let c = 0; c < indices.length && others < minSamples - 1; c++) {
      if (indices[c] === i) continue;
      if (++others === minSamples - 1) core = lists.distances[i][c];
    }
    coreDistances[i] = core > coreLimit ? Infinity : core;
  }

  const graph = radiusGraph(lists, maxEps);
  const reachability = new Float64Array(n).fill(Infinity);
  const predecessor = new Int32Array(n).fill(-1);
  const processed = new Uint8Array(n);
  const ordering = new Int32Array(n);
  const heap = new ReachabilityHeap();
  let firstUnprocessed = 0;
  for (let step = 0; step < n; step++) {
    let point = -1;
    while (heap.size > 0) {
      const { key, row } = heap.pop();
      // Stale entries: the row was visited, or its reachability has since improved.
      if (!processed[row] && key === reachability[row]) {
        point = row;
        break;
      }
    }
    if (point === -1) {
      // Every unprocessed row is unreachable (inf): sklearn's argmin takes the smallest index.
      while (processed[firstUnprocessed]) firstUnprocessed++;
      point = firstUnprocessed;
    }
    processed[point] = 1;
    ordering[step] = point;
    const core = coreDistances[point];
    if (core === Infinity) continue;
    for (let p = graph.indptr[point]; p < graph.indptr[point + 1]; p++) {
      const q = graph.indices[p];
      if (processed[q]) continue;
      const reach = Math.max(graph.distances[p], core);
      if (reach < reachability[q]) {
        reachability[q] = reach;
        predecessor[q] = point;
        heap.push(reach, q);
      }
    }
  }
  return { ordering, coreDistances, reachability, predecessor };
}

/** sklearn's `cluster_optics_dbscan`: DBSCAN-like labels at eps <= maxEps read off the ordering. */
export function opticsDbscanLabels(graph: OpticsGraph, eps: number): Int32Array {
  const { ordering, reachability, coreDistances } = graph;
  const labels = new Int32Array(ordering.length);
  const cut = Math.fround(eps); // float32 distances, compared at their precision
  let label = -1;
  for (const row of ordering) {
    const farReach = reachability[row] > cut;
    const nearCore = coreDistances[row] <= cut;
    if (farReach && nearCore) label++;
    labels[row] = farReach && !nearCore ? -1 : label;
  }
  return labels;
}

interface SteepDownArea {
  start: number;
  end: number;
  mib: number;
}

/** Last index of a maximal steep area from `start`: at most minSamples consecutive non-steep points, none going the other way. */
function extendRegion(steep: Uint8Array, otherWay: Uint8Array, start: number, minSamples: number): number {
  let nonSteep = 0;
  let end = start;
  for (let index = start; index < steep.length; index++) {
    if (steep[index]) {
      nonSteep = 0;
      end = index;
    } else if (!otherWay[index]) {
      if (++nonSteep > minSamples) break;
    } else {
      break;
    }
  }
  return end;
}

/**
 * Schubert & Gertz's predecessor correction (LWDA 2018, Algorithm 2): shrink the cluster's end until
 * the end's predecessor lies inside it. This is sklearn >= 1.3's version (PR #26459), which fixed 1.2's
 * lookup of the predecessor through the ordering.
 */
function correctPredecessor(
  plot: Float64Array,
  predecessorPlot: Int32Array,
  ordering: Int32Array,
  s: number,
  e: number,
): [number, number] | null {
  while (s < e) {
    if (plot[s] > plot[e]) return [s, e];
    const p = predecessorPlot[e];
    for (let i = s; i < e; i++) if (ordering[i] === p) return [s, e];
    e--;
  }
  return null;
}

/** sklearn's `cluster_optics_xi` (with predecessor correction): Xi-steep clusters, smaller nested ones first. */
export function opticsXiLabels(graph: OpticsGraph, opts: { minSamples: number; xi?: number; minClusterSize?: number }): Int32Array {
  const { ordering } = graph;
  const n = ordering.length;
  const xi = opts.xi ?? 0.05;
  const minSamples = opts.minSamples;
  const minClusterSize = opts.minClusterSize ?? minSamples;
  checkMinSamples(minSamples, n, 'opticsXiLabels');
  if (!(xi > 0 && xi < 1)) throw new Error(`opticsXiLabels: xi must lie strictly between 0 and 1, got ${xi}`);
  if (!Number.isInteger(minClusterSize) || minClusterSize < 2 || minClusterSize > n) {
    throw new Error(`opticsXiLabels: minClusterSize must be an integer in 2..${n}, got ${minClusterSize}`);
  }
  // The reachability plot in visit order, with an inf appended so a cluster can end at the last row.
  const plot = new Float64Array(n + 1);
  const predecessorPlot = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    plot[i] = graph.reachability[ordering[i]];
    predecessorPlot[i] = graph.predecessor[ordering[i]];
  }
  plot[n] = Infinity;
  const keep = 1 - xi;
  const steepUp = new Uint8Array(n);
  const steepDown = new Uint8Array(n);
  const up = new Uint8Array(n);
  const down = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    // inf/inf and 0/0 are NaN and compare false, exactly as numpy's ratios do.
    const ratio = plot[i] / plot[i + 1];
    steepUp[i] = ratio <= keep ? 1 : 0;
    steepDown[i] = ratio >= 1 / keep ? 1 : 0;
    down[i] = ratio > 1 ? 1 : 0;
    up[i] = ratio < 1 ? 1 : 0;
  }

  let sdas: SteepDownArea[] = [];
  const clusters: Array<[number, number]> = [];
  let index = 0;
  let mib = 0;
  const filterSdas = () => {
    if (mib === Infinity) {
      sdas = [];
      return;
    }
    sdas = sdas.filter((sda) => mib <= plot[sda.start] * keep);
    for (const sda of sdas) sda.mib = Math.max(sda.mib, mib);
  };
  for (let steepIndex = 0; steepIndex < n; steepIndex++) {
    if (!steepUp[steepIndex] && !steepDown[steepIndex]) continue;
    if (steepIndex < index) continue;
    for (let i = index; i <= steepIndex; i++) mib = Math.max(mib, plot[i]);
    if (steepDown[steepIndex]) {
      filterSdas();
      const end = extendRegion(steepDown, up, steepIndex, minSamples);
      sdas.push({ start: steepIndex, end, mib: 0 });
      index = end + 1;
      mib = plot[index];
      continue;
    }
    filterSdas();
    const upStart = steepIndex;
    const upEnd = extendRegion(steepUp, down, upStart, minSamples);
    index = upEnd + 1;
    mib = plot[index];
    const found: Array<[number, number]> = [];
    for (const sda of sdas) {
      let cStart = sda.start;
      let cEnd = upEnd;
      if (plot[cEnd + 1] * keep < sda.mib) continue;
      const dMax = plot[sda.start];
      if (dMax * keep >= plot[cEnd + 1]) {
        while (plot[cStart + 1] > plot[cEnd + 1] && cStart < sda.end) cStart++;
      } else if (plot[cEnd + 1] * keep >= dMax) {
        while (plot[cEnd - 1] > dMax && cEnd > upStart) cEnd--;
      }
      const corrected = correctPredecessor(plot, predecessorPlot, ordering, cStart, cEnd);
      if (!corrected) continue;
      [cStart, cEnd] = corrected;
      if (cEnd - cStart + 1 < minClusterSize) continue;
      if (cStart > sda.end) continue;
      if (cEnd < upStart) continue;
      found.push([cStart, cEnd]);
    }
    found.reverse();
    clusters.push(...found);
  }

  // Smaller clusters come first, so a nested cluster keeps its own label and its parent only fills gaps it can claim whole.
  const plotLabels = new Int32Array(n).fill(-1);
  let label = 0;
  for (const [s, e] of clusters) {
    let free = true;
    for (let i = s; i <= e && free; i++) free = plotLabels[i] === -1;
    if (!free) continue;
    plotLabels.fill(label++, s, e + 1);
  }
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[ordering[i]] = plotLabels[i];
  return labels;
}

/** OPTICS labels (-1 = noise) with sklearn's defaults: cluster_method 'xi', xi 0.05. */
export function opticsLabels(lists: NeighbourLists, opts: OpticsOptions): Int32Array {
  const graph = opticsGraph(lists, opts);
  if ((opts.clusterMethod ?? 'xi') === 'xi') {
    return opticsXiLabels(graph, { minSamples: opts.minSamples, xi: opts.xi, minClusterSize: opts.minClusterSize });
  }
  const eps = opts.eps ?? opts.maxEps;
  if (eps > opts.maxEps) throw new Error(`opticsLabels: eps (${eps}) must not exceed maxEps (${opts.maxEps})`);
  return opticsDbscanLabels(graph, eps);
}
