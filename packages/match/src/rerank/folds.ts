import { seededRandom } from '@prodmatch/data';
import type { CandidatePairs } from './candidates.ts';

/** How protocol full deals label groups to folds (docs/rerank.md, "Why full gains little"). */
export type FoldAssignment = 'random' | 'candidates';

interface Groups {
  /** Each row's group, 0..count-1, numbered in the labels' sorted order. */
  ofRow: Int32Array;
  /** Rows per group. */
  size: Int32Array;
  count: number;
}

function groupsOf(labels: readonly string[], folds: number, caller: string): Groups {
  if (!(Number.isInteger(folds) && folds >= 2)) throw new Error(`${caller}: folds must be an integer >= 2, got ${folds}`);
  const names = [...new Set(labels)].sort();
  if (names.length < folds) throw new Error(`${caller}: ${names.length} label groups cannot fill ${folds} folds`);
  const idOf = new Map(names.map((name, id) => [name, id]));
  const ofRow = Int32Array.from(labels, (l) => idOf.get(l) as number);
  const size = new Int32Array(names.length);
  for (const g of ofRow) size[g]++;
  return { ofRow, size, count: names.length };
}

function shuffled(count: number, seed: number): Int32Array {
  const order = Int32Array.from({ length: count }, (_, i) => i);
  const random = seededRandom(seed);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** Units (groups, or clusters of groups) dealt largest first, each to the fold with the fewest rows so far. */
function deal(units: readonly number[][], rowsOfUnit: readonly number[], folds: number): Int32Array {
  const order = units.map((_, at) => at).sort((a, b) => rowsOfUnit[b] - rowsOfUnit[a] || a - b);
  const rowsIn = new Array<number>(folds).fill(0);
  const foldOfUnit = new Int32Array(units.length);
  for (const u of order) {
    let fold = 0;
    for (let f = 1; f < folds; f++) if (rowsIn[f] < rowsIn[fold]) fold = f;
    foldOfUnit[u] = fold;
    rowsIn[fold] += rowsOfUnit[u];
  }
  return foldOfUnit;
}

/** Each row's fold: whole label groups go to one fold (groups shuffled with the seed, then dealt round-robin by size). */
export function groupFolds(labels: readonly string[], folds: number, seed: number): Int32Array {
  const groups = groupsOf(labels, folds, 'groupFolds');
  const order = Array.from(shuffled(groups.count, seed));
  const foldOfUnit = deal(
    order.map((g) => [g]),
    order.map((g) => groups.size[g]),
    folds,
  );
  const foldOfGroup = new Int32Array(groups.count);
  order.forEach((g, u) => {
    foldOfGroup[g] = foldOfUnit[u];
  });
  return Int32Array.from(groups.ofRow, (g) => foldOfGroup[g]);
}

/**
 * Each row's fold, whole label groups to one fold, chosen so that candidate pairs fall inside a fold as
 * often as balance allows. Under protocol full a pair across folds a and b can only be scored by a model
 * fitted without both, on (F - 2) / F of the rows; a pair inside fold a gets the model fitted on the other
 * F - 1 folds. Random folds put most hard negatives (look-alike products of other groups) across folds,
 * where the weaker models over-score them. Here groups linked by many candidate pairs are merged first
 * (heaviest link first, clusters capped at half a fold), the clusters are dealt largest first, and then
 * each group moves, a few passes over, to the fold holding most of its links while folds stay within
 * `tolerance` of equal. Labels decide only which rows form a group, never which pairs match.
 */
export function candidateFolds(
  labels: readonly string[],
  pairs: CandidatePairs,
  folds: number,
  seed: number,
  options: { tolerance?: number; passes?: number } = {},
): Int32Array {
  const groups = groupsOf(labels, folds, 'candidateFolds');
  if (pairs.rows !== labels.length) throw new Error(`candidateFolds: ${pairs.rows} rows of pairs for ${labels.length} labels`);
  const links = groupLinks(groups, pairs);
  const units = cappedClusters(groups, links, Math.max(1, Math.floor(labels.length / (2 * folds))), seed);
  const foldOfUnit = deal(
    units,
    units.map((u) => u.reduce((s, g) => s + groups.size[g], 0)),
    folds,
  );
  const foldOfGroup = new Int32Array(groups.count);
  units.forEach((u, at) => {
    for (const g of u) foldOfGroup[g] = foldOfUnit[at];
  });
  refineFolds(groups, links, foldOfGroup, folds, options.tolerance ?? 0.02, options.passes ?? 4, seed);
  return Int32Array.from(groups.ofRow, (g) => foldOfGroup[g]);
}

/** Links between label groups: group pairs (from < to) with the number of candidate pairs across them. */
interface GroupLinks {
  from: Int32Array;
  to: Int32Array;
  weight: Float64Array;
}

function groupLinks(groups: Groups, pairs: CandidatePairs): GroupLinks {
  const G = groups.count;
  const weightOf = new Map<number, number>();
  for (let p = 0; p < pairs.left.length; p++) {
    // Each unordered candidate pair once.
    if (pairs.right[p] <= pairs.left[p]) continue;
    const g = groups.ofRow[pairs.left[p]];
    const h = groups.ofRow[pairs.right[p]];
    if (g === h) continue;
    const key = g < h ? g * G + h : h * G + g;
    weightOf.set(key, (weightOf.get(key) ?? 0) + 1);
  }
  const keys = Float64Array.from(weightOf.keys());
  return {
    from: Int32Array.from(keys, (key) => Math.floor(key / G)),
    to: Int32Array.from(keys, (key) => key % G),
    weight: Float64Array.from(weightOf.values()),
  };
}

/**
 * Groups merged along their heaviest links first (Kruskal's order; equal weights in a seeded random order,
 * so the result does not follow group names), a merge only while the cluster stays within `cap` rows.
 */
function cappedClusters(groups: Groups, links: GroupLinks, cap: number, seed: number): number[][] {
  const { from, to, weight } = links;
  const rankOf = new Int32Array(weight.length);
  shuffled(weight.length, seed).forEach((e, r) => {
    rankOf[e] = r;
  });
  const order = Array.from({ length: weight.length }, (_, e) => e).sort((a, b) => weight[b] - weight[a] || rankOf[a] - rankOf[b]);
  const parent = Int32Array.from({ length: groups.count }, (_, g) => g);
  const rowsOf = Float64Array.from(groups.size);
  const find = (g: number): number => {
    while (parent[g] !== g) {
      parent[g] = parent[parent[g]];
      g = parent[g];
    }
    return g;
  };
  for (const e of order) {
    const a = find(from[e]);
    const b = find(to[e]);
    if (a === b || rowsOf[a] + rowsOf[b] > cap) continue;
    parent[b] = a;
    rowsOf[a] += rowsOf[b];
  }
  const unitOfRoot = new Map<number, number>();
  const units: number[][] = [];
  for (const g of shuffled(groups.count, seed + 1)) {
    const root = find(g);
    if (!unitOfRoot.has(root)) {
      unitOfRoot.set(root, units.length);
      units.push([]);
    }
    units[unitOfRoot.get(root) as number].push(g);
  }
  return units;
}

/**
 * Local moves, `passes` times over the groups in a seeded order: a group goes to the fold that holds most
 * of its links when the fold it leaves and the fold it joins both stay within `tolerance` of equal.
 */
function refineFolds(
  groups: Groups,
  links: GroupLinks,
  foldOfGroup: Int32Array,
  folds: number,
  tolerance: number,
  passes: number,
  seed: number,
): void {
  const G = groups.count;
  // Each group's links, both directions, as offsets into one list.
  const degree = new Int32Array(G + 1);
  for (let e = 0; e < links.weight.length; e++) {
    degree[links.from[e] + 1]++;
    degree[links.to[e] + 1]++;
  }
  for (let g = 0; g < G; g++) degree[g + 1] += degree[g];
  const fill = degree.slice(0, G);
  const neighbour = new Int32Array(degree[G]);
  const linkWeight = new Float64Array(degree[G]);
  for (let e = 0; e < links.weight.length; e++) {
    const [g, h] = [links.from[e], links.to[e]];
    neighbour[fill[g]] = h;
    linkWeight[fill[g]++] = links.weight[e];
    neighbour[fill[h]] = g;
    linkWeight[fill[h]++] = links.weight[e];
  }
  const rowsIn = new Float64Array(folds);
  for (let g = 0; g < G; g++) rowsIn[foldOfGroup[g]] += groups.size[g];
  const target = groups.ofRow.length / folds;
  const most = target * (1 + tolerance);
  const least = target * (1 - tolerance);
  const toFold = new Float64Array(folds);
  for (let pass = 0; pass < passes; pass++) {
    let moved = 0;
    for (const g of shuffled(G, seed + 2 + pass)) {
      toFold.fill(0);
      for (let c = degree[g]; c < degree[g + 1]; c++) toFold[foldOfGroup[neighbour[c]]] += linkWeight[c];
      const from = foldOfGroup[g];
      let best = from;
      for (let f = 0; f < folds; f++) {
        if (toFold[f] <= toFold[best]) continue;
        if (rowsIn[f] + groups.size[g] > most || rowsIn[from] - groups.size[g] < least) continue;
        best = f;
      }
      if (best === from) continue;
      foldOfGroup[g] = best;
      rowsIn[from] -= groups.size[g];
      rowsIn[best] += groups.size[g];
      moved++;
    }
    if (moved === 0) break;
  }
}

/** The share of candidate pairs whose two postings fall in different folds. */
export function crossFoldShare(pairs: CandidatePairs, foldOfRow: Int32Array): number {
  let across = 0;
  for (let p = 0; p < pairs.left.length; p++) if (foldOfRow[pairs.left[p]] !== foldOfRow[pairs.right[p]]) across++;
  return pairs.left.length === 0 ? 0 : across / pairs.left.length;
}
