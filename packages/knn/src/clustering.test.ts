import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dbscanLabels, exactCosineTopK, opticsGraph, opticsLabels } from './index.ts';
import { listsFrom } from './testing.ts';
import type { NeighbourLists } from './types.ts';

/** Written by ../fixtures/make_fixtures.py with scikit-learn (metric cosine). */
interface Fixture {
  sklearn: string;
  dim: number;
  points: number[][];
  cases: Array<{
    kind: 'dbscan' | 'optics';
    minSamples: number;
    eps?: number;
    maxEps?: number;
    xi?: number;
    clusterMethod?: 'xi' | 'dbscan';
    labels: number[];
    ordering?: number[];
    reachability?: Array<number | null>;
  }>;
}

function loadFixture(name: string): Fixture {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}.json`, import.meta.url), 'utf8')) as Fixture;
}

/** Every row's full neighbour list, so no eps-neighbourhood is truncated. */
async function fullLists(fixture: Fixture): Promise<NeighbourLists> {
  const points = { rows: fixture.points.length, dim: fixture.dim, data: Float32Array.from(fixture.points.flat()) };
  return exactCosineTopK(points, points, points.rows);
}

function describe(c: Fixture['cases'][number]): string {
  const { labels, ordering, reachability, ...params } = c;
  return JSON.stringify(params);
}

for (const name of ['blobs-dbscan', 'blobs-optics']) {
  test(`labels identical to scikit-learn on fixture ${name}`, async () => {
    const fixture = loadFixture(name);
    const lists = await fullLists(fixture);
    assert.ok(fixture.cases.length > 0);
    for (const c of fixture.cases) {
      if (c.kind === 'dbscan') {
        assert.deepEqual(Array.from(dbscanLabels(lists, c.eps!, c.minSamples)), c.labels, `DBSCAN ${describe(c)}`);
        continue;
      }
      const graph = opticsGraph(lists, { minSamples: c.minSamples, maxEps: c.maxEps! });
      assert.deepEqual(Array.from(graph.ordering), c.ordering, `OPTICS ordering ${describe(c)}`);
      c.reachability!.forEach((expected, row) => {
        const actual = graph.reachability[row];
        if (expected === null) assert.equal(actual, Infinity, `row ${row} reachability`);
        else assert.ok(Math.abs(actual - expected) < 1e-5, `row ${row} reachability ${actual} vs ${expected}`);
      });
      const labels = opticsLabels(lists, {
        minSamples: c.minSamples,
        maxEps: c.maxEps!,
        xi: c.xi,
        clusterMethod: c.clusterMethod,
        eps: c.eps,
      });
      assert.deepEqual(Array.from(labels), c.labels, `OPTICS labels ${describe(c)}`);
    }
  });
}

/** Full neighbour lists of points on a line, distance |a - b|. */
function lineLists(positions: number[]): NeighbourLists {
  return listsFrom(
    positions.map((a, i) =>
      positions
        .map((b, j) => [j, Math.abs(a - b)] as [number, number])
        .sort((x, y) => x[1] - y[1] || (x[0] === i ? -1 : y[0] === i ? 1 : x[0] - y[0])),
    ),
  );
}

test('DBSCAN: a border row between two clusters joins the one whose lowest core row comes first', () => {
  // Row 5 (at 0.11) is within eps of both clusters but has only 4 rows in reach, so it is a border row.
  // sklearn DBSCAN(eps=0.085, min_samples=5, metric='precomputed') gives [0 0 0 0 0 0 1 1 1 1 1] for both orders.
  const clusterA = [0, 0.01, 0.02, 0.03, 0.04];
  const clusterB = [0.19, 0.2, 0.21, 0.22, 0.23];
  const expected = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1];
  assert.deepEqual(Array.from(dbscanLabels(lineLists([...clusterB, 0.11, ...clusterA]), 0.085, 5)), expected);
  assert.deepEqual(Array.from(dbscanLabels(lineLists([...clusterA, 0.11, ...clusterB]), 0.085, 5)), expected);
});

test('DBSCAN: min_samples counts the row itself', () => {
  // Chain 0-1-2 and 4-3 within eps 0.1; row 2 borders both cores 1 and 3; row 5 is alone.
  const lists = listsFrom([
    [
      [0, 0],
      [1, 0.05],
      [2, 0.5],
    ],
    [
      [1, 0],
      [0, 0.05],
      [2, 0.08],
    ],
    [
      [2, 0],
      [1, 0.08],
      [3, 0.09],
    ],
    [
      [3, 0],
      [4, 0.02],
      [2, 0.09],
    ],
    [
      [4, 0],
      [3, 0.02],
      [2, 0.6],
    ],
    [
      [5, 0],
      [4, 0.7],
      [0, 0.8],
    ],
  ]);
  assert.deepEqual(Array.from(dbscanLabels(lists, 0.1, 2)), [0, 0, 0, 0, 0, -1]);
  // With min_samples 3 only rows 1 (0, 1, 2), 2 (1, 2, 3) and 3 (2, 3, 4) are core: one chain.
  assert.deepEqual(Array.from(dbscanLabels(lists, 0.1, 3)), [0, 0, 0, 0, 0, -1]);
  // With eps 0.085 row 2 no longer reaches row 3: cores 0, 1 (with 2) and 3, 4 form two clusters at min_samples 2.
  assert.deepEqual(Array.from(dbscanLabels(lists, 0.085, 2)), [0, 0, 0, 1, 1, -1]);
  // At min_samples 3 with eps 0.085: row 1 is core (0, 1, 2); row 3 has only 3, 4; border row 2 joins cluster 0.
  assert.deepEqual(Array.from(dbscanLabels(lists, 0.085, 3)), [0, 0, 0, -1, -1, -1]);
  assert.deepEqual(Array.from(dbscanLabels(lists, 0.1, 1)), [0, 0, 0, 0, 0, 1]);
});

test('OPTICS ties: the smaller row is visited first and reachability only improves strictly (as sklearn)', () => {
  // Distance matrix checked with sklearn OPTICS(min_samples=2, metric='precomputed'):
  // ordering [0 1 2 3], reachability [inf .1 .2 .2], predecessor [-1 0 0 0].
  const lists = listsFrom([
    [
      [0, 0],
      [1, 0.1],
      [2, 0.2],
      [3, 0.2],
    ],
    [
      [1, 0],
      [0, 0.1],
      [2, 0.2],
      [3, 0.5],
    ],
    [
      [2, 0],
      [0, 0.2],
      [1, 0.2],
      [3, 0.3],
    ],
    [
      [3, 0],
      [0, 0.2],
      [2, 0.3],
      [1, 0.5],
    ],
  ]);
  const graph = opticsGraph(lists, { minSamples: 2, maxEps: 1 });
  assert.deepEqual(Array.from(graph.ordering), [0, 1, 2, 3]);
  assert.deepEqual(
    Array.from(graph.reachability, (r) => Math.fround(r)),
    [Infinity, 0.1, 0.2, 0.2].map(Math.fround),
  );
  assert.deepEqual(Array.from(graph.predecessor), [-1, 0, 0, 0]);
  assert.deepEqual(
    Array.from(graph.coreDistances, (r) => Math.fround(r)),
    [0.1, 0.1, 0.2, 0.2].map(Math.fround),
  );
});

test('a neighbour only one side listed still counts (the graph is made symmetric)', () => {
  // Row 1's list is truncated and misses row 0, but row 0 found row 1 within eps.
  const lists = listsFrom([
    [
      [0, 0],
      [1, 0.01],
      [2, 0.02],
    ],
    [
      [1, 0],
      [2, 0.01],
      [3, 0.5],
    ],
    [
      [2, 0],
      [1, 0.01],
      [0, 0.02],
    ],
    [
      [3, 0],
      [1, 0.5],
      [0, 0.6],
    ],
  ]);
  // Row 1 is core (itself, 2, and 0 from row 0's list); without the reverse edge it would have 2 rows.
  assert.deepEqual(Array.from(dbscanLabels(lists, 0.05, 3)), [0, 0, 0, -1]);
  assert.deepEqual(Array.from(opticsGraph(lists, { minSamples: 2, maxEps: 0.05 }).predecessor), [-1, 0, 1, -1]);
});

test('clustering rejects lists that are too short or not a self-search', () => {
  const short = listsFrom([[[0, 0]], [[1, 0]], [[2, 0]]]);
  assert.throws(() => dbscanLabels(short, 0.1, 2), /row 0 has 1 neighbours but 2 are needed; search with k >= minSamples/);
  assert.throws(() => opticsLabels(short, { minSamples: 2, maxEps: 1 }), /row 0 has 1 neighbours but 2 are needed/);
  assert.throws(() => opticsLabels(short, { minSamples: 4, maxEps: 1 }), /minSamples \(4\) exceeds the number of rows \(3\)/);
  const foreign = listsFrom([
    [
      [0, 0],
      [7, 0.1],
    ],
    [
      [1, 0],
      [0, 0.1],
    ],
  ]);
  assert.throws(() => dbscanLabels(foreign, 0.1, 2), /row 0 lists neighbour 7, outside 0..1; search the set against itself/);
  const full = listsFrom([
    [
      [0, 0],
      [1, 0.1],
    ],
    [
      [1, 0],
      [0, 0.1],
    ],
  ]);
  assert.throws(
    () => opticsLabels(full, { minSamples: 2, maxEps: 0.2, clusterMethod: 'dbscan', eps: 0.3 }),
    /eps \(0.3\) must not exceed maxEps \(0.2\)/,
  );
});
