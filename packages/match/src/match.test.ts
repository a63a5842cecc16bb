import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchScores } from '@prodmatch/metrics';
import { seededRandom } from '@prodmatch/data';
import type { NeighbourLists } from '@prodmatch/knn';
import {
  blend,
  blendedFeatures,
  concat,
  distancesFrom,
  tuneThresholds,
  union,
  unionMatches,
  unionScorer,
  type ChannelGallery,
} from './index.ts';
import type { FeatureMatrix } from '@prodmatch/features';

/** Combiners here never train with tfjs. */
const noTf = (): Promise<never> => Promise.reject(new Error('this test loads no tfjs'));

const lists = (rows: [number, number][][]): NeighbourLists => ({
  indices: rows.map((r) => Int32Array.from(r, ([j]) => j)),
  distances: rows.map((r) => Float32Array.from(r, ([, d]) => d)),
});

// Six postings, products A = {0, 1, 2} and B = {3, 4, 5}. The text channel finds 0-1 and 3-4 close,
// the image channel finds 1-2 and 4-5 close and wrongly 2-3; neither alone recovers both products.
const labels = ['A', 'A', 'A', 'B', 'B', 'B'];
const text = lists([
  [
    [0, 0],
    [1, 0.1],
    [3, 0.7],
  ],
  [
    [1, 0],
    [0, 0.1],
    [2, 0.6],
  ],
  [
    [2, 0],
    [1, 0.6],
    [4, 0.8],
  ],
  [
    [3, 0],
    [4, 0.1],
    [0, 0.7],
  ],
  [
    [4, 0],
    [3, 0.1],
    [5, 0.6],
  ],
  [
    [5, 0],
    [4, 0.6],
    [2, 0.9],
  ],
]);
const image = lists([
  [
    [0, 0],
    [2, 0.5],
    [1, 0.6],
  ],
  [
    [1, 0],
    [2, 0.1],
    [0, 0.6],
  ],
  [
    [2, 0],
    [1, 0.1],
    [3, 0.25],
  ],
  [
    [3, 0],
    [2, 0.25],
    [4, 0.5],
  ],
  [
    [4, 0],
    [5, 0.1],
    [3, 0.5],
  ],
  [
    [5, 0],
    [4, 0.1],
    [3, 0.6],
  ],
]);

test('union of thresholded channels on a hand-made graph: each channel adds its own near pairs', () => {
  const sources = [
    { lists: text, minMatches: 1 },
    { lists: image, minMatches: 1 },
  ];
  assert.deepEqual(unionMatches(sources, [0.2, 0.2]), [
    [0, 1],
    [1, 0, 2],
    [2, 1],
    [3, 4],
    [4, 3, 5],
    [5, 4],
  ]);
  // The image threshold 0.3 lets the wrong 2-3 pair in.
  assert.deepEqual(unionMatches(sources, [0.2, 0.3])[2], [2, 1, 3]);
  // min2 per channel keeps the image channel's nearest even past its threshold; min2 after fusion tops up from the first source.
  assert.deepEqual(
    unionMatches(
      [
        { lists: text, minMatches: 1 },
        { lists: image, minMatches: 2 },
      ],
      [0.05, 0.05],
    )[0],
    [0, 2],
  );
  assert.deepEqual(unionMatches(sources, [0.05, 0.05], { minMatches: 2 })[0], [0, 1]);
  assert.deepEqual(unionMatches(sources, [0.05, 0.05], { minMatches: 2, cap: 1 })[0], [0]);
  const f1 = unionScorer(sources, labels).score([0.2, 0.2]).f1;
  assert.ok(Math.abs(f1 - matchScores(unionMatches(sources, [0.2, 0.2]), labels).f1) < 1e-12);
  assert.ok(f1 > unionScorer([sources[0]], labels).score([0.2]).f1, 'the union beats the text channel alone');
});

test('the fast union scorer equals matchScores over the built match lists on random graphs', () => {
  const random = seededRandom(7);
  for (let trial = 0; trial < 30; trial++) {
    const n = 40;
    const groupOf = Array.from({ length: n }, () => `g${Math.floor(random() * 12)}`);
    const randomLists = (): NeighbourLists => {
      const out: [number, number][][] = [];
      for (let i = 0; i < n; i++) {
        const others = Array.from({ length: n }, (_, j) => j)
          .filter((j) => j !== i)
          .sort(() => random() - 0.5)
          .slice(0, 1 + Math.floor(random() * 15));
        const distances = others.map(() => Math.fround(random())).sort((a, b) => a - b);
        out.push([[i, 0], ...others.map((j, c): [number, number] => [j, distances[c]])]);
      }
      return lists(out);
    };
    const sources = [
      { lists: randomLists(), minMatches: 1 + Math.floor(random() * 3) },
      { lists: randomLists(), minMatches: 1 },
    ];
    const post = { minMatches: 1 + Math.floor(random() * 3), cap: 3 + Math.floor(random() * 10) };
    const thresholds = [random() * 0.6, random() * 0.6];
    const fast = unionScorer(sources, groupOf, post).score(thresholds);
    const slow = matchScores(unionMatches(sources, thresholds, post), groupOf);
    assert.ok(
      Math.abs(fast.f1 - slow.f1) < 1e-12 &&
        Math.abs(fast.precision - slow.precision) < 1e-12 &&
        Math.abs(fast.recall - slow.recall) < 1e-12,
      `trial ${trial}`,
    );
  }
});

test('joint tuning finds the known optimum of a fixture, by full grid and by coordinate ascent', () => {
  // A smooth bowl with its peak at (0.3, 7) and a ridge, so the coordinates interact.
  const f = ([a, b]: readonly number[]): number => 1 - (a - 0.3) ** 2 - ((b - 7) / 10) ** 2 - 0.5 * (a - 0.3) * ((b - 7) / 10);
  const grids = [
    [0.1, 0.2, 0.3, 0.4, 0.5],
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  ];
  const grid = tuneThresholds(f, grids);
  assert.deepEqual(grid.thresholds, [0.3, 7]);
  assert.equal(grid.method, 'grid');
  assert.equal(grid.evaluations, 55);
  const ascent = tuneThresholds(f, grids, { maxGrid: 10 });
  assert.equal(ascent.method, 'coordinate ascent');
  assert.deepEqual(ascent.thresholds, [0.3, 7]);
  assert.ok(ascent.evaluations < 55);
  // Ties go to the smaller thresholds, as a single sweep does.
  assert.deepEqual(tuneThresholds(() => 0.5, grids).thresholds, [0.1, 0]);
  // On the hand-made graph, both searches find the best pair that an exhaustive loop finds.
  const scorer = unionScorer(
    [
      { lists: text, minMatches: 1 },
      { lists: image, minMatches: 1 },
    ],
    labels,
  );
  const graphGrids = [
    [0.05, 0.1, 0.2, 0.5, 0.7],
    [0.05, 0.1, 0.2, 0.3, 0.6],
  ];
  let best = { t: [0, 0], f1: -1 };
  for (const x of graphGrids[0])
    for (const y of graphGrids[1]) if (scorer.score([x, y]).f1 > best.f1 + 1e-12) best = { t: [x, y], f1: scorer.score([x, y]).f1 };
  assert.ok(best.f1 > unionScorer([{ lists: text, minMatches: 1 }], labels).score([0.1]).f1);
  assert.deepEqual(tuneThresholds((t) => scorer.score(t).f1, graphGrids).thresholds, best.t);
  assert.deepEqual(tuneThresholds((t) => scorer.score(t).f1, graphGrids, { maxGrid: 1 }).thresholds, best.t);
});

const dense = (rows: number[][]): FeatureMatrix => ({
  kind: 'dense',
  matrix: { rows: rows.length, dim: rows[0].length, data: Float32Array.from(rows.flat()) },
});
const gallery = (name: string, features: FeatureMatrix, l: NeighbourLists, grid: number[]): ChannelGallery => ({
  name,
  features,
  lists: l,
  unit: 'cosine distance',
  grid,
  minMatches: 1,
});

// Exact brute-force search for the tests: every row against every row.
async function bruteSearch(features: FeatureMatrix, k: number): Promise<NeighbourLists> {
  const rows = features.matrix.rows;
  const from = distancesFrom(features);
  const out: [number, number][][] = [];
  for (let i = 0; i < rows; i++) {
    const d = from(i);
    out.push(
      Array.from({ length: rows }, (_, j): [number, number] => [j, j === i ? 0 : Math.fround(d(j))])
        .sort((x, y) => x[1] - y[1] || x[0] - y[0])
        .slice(0, k),
    );
  }
  return lists(out);
}

test('neighbourhood blending on a hand-made graph pulls a product together and leaves the other alone', async () => {
  // Product A is a chain 0 - 1 - 2: 0 and 2 are far apart, each near 1. Product B (3) is far from all.
  const features = dense([
    [1, 0, 0],
    [0.8, 0.6, 0],
    [0.28, 0.96, 0],
    [0, 0, 1],
  ]);
  const raw = await bruteSearch(features, 4);
  const rawDistance = raw.distances[0][raw.indices[0].indexOf(2)];
  const combiner = blend({ channels: { main: 0.3 } });
  const matcher = await combiner.combine([gallery('main', features, raw, [0.1, 0.2, 0.3])], {
    search: bruteSearch,
    k: 4,
    postings: [],
    tf: noTf,
  });
  assert.deepEqual(
    matcher.lists.map((l) => [l.name, l.source]),
    [
      ['main', true],
      ['main.raw', false],
    ],
  );
  const blended = matcher.lists[0].lists;
  const blendedDistance = blended.distances[0][blended.indices[0].indexOf(2)];
  assert.ok(blendedDistance < rawDistance / 2, `0-2 distance ${rawDistance} -> ${blendedDistance}`);
  assert.ok(blended.distances[0][blended.indices[0].indexOf(3)] > 0.9, 'the other product stays far');
  // Row 0 = 1*x0 + (1 - d01)*x1 (2 is beyond 0.3 from 0): checked against a direct computation.
  const b = blendedFeatures(features, raw, 0.3, 8);
  const d01 = raw.distances[0][raw.indices[0].indexOf(1)];
  const expected = [1 + (1 - d01) * 0.8, (1 - d01) * 0.6, 0];
  assert.deepEqual(
    Array.from((b.matrix as { data: Float32Array }).data.slice(0, 3), (v) => Number(v.toFixed(5))),
    expected.map((v) => Number(Math.fround(v).toFixed(5))),
  );
  // Sparse blending gives the same as dense on the same vectors.
  const sparse: FeatureMatrix = {
    kind: 'sparse',
    matrix: {
      rows: 4,
      cols: 3,
      indptr: Int32Array.of(0, 1, 3, 5, 6),
      indices: Int32Array.of(0, 0, 1, 0, 1, 2),
      values: Float32Array.of(1, 0.8, 0.6, 0.28, 0.96, 1),
    },
  };
  const bs = blendedFeatures(sparse, raw, 0.3, 8);
  const fromDense = distancesFrom(b);
  const fromSparse = distancesFrom(bs);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) assert.ok(Math.abs(fromDense(i)(j) - fromSparse(i)(j)) < 1e-6);
  await assert.rejects(
    async () => blend({ channels: { nope: 0.2 } }).sources([{ name: 'main', unit: 'cosine distance' }]),
    /blend: no channel "nope"/,
  );
});

test("concatenation scores the weighted concatenated cosine over the channels' candidates", async () => {
  const a = dense([
    [1, 0],
    [0.6, 0.8],
    [0, 1],
    [-1, 0],
  ]);
  const b = dense([
    [1, 0, 0],
    [1, 0, 0],
    [0, 0, 1],
    [0, 1, 0],
  ]);
  const combiner = concat({ weights: { a: 1, b: 2 }, grid: [0.1, 0.2] });
  const matcher = await combiner.combine(
    [gallery('a', a, await bruteSearch(a, 4), [0.1]), gallery('b', b, await bruteSearch(b, 4), [0.1])],
    { search: bruteSearch, k: 4, postings: [], tf: noTf },
  );
  assert.deepEqual(
    matcher.lists.map((l) => [l.name, l.source]),
    [
      ['concat', true],
      ['a', false],
      ['b', false],
    ],
  );
  // The explicit concatenation [a / |a|, 2 b / |b|] searched exactly gives the same lists.
  const rows = [0, 1, 2, 3].map((i) => {
    const av = Array.from((a.matrix as { data: Float32Array }).data.slice(2 * i, 2 * i + 2));
    const bv = Array.from((b.matrix as { data: Float32Array }).data.slice(3 * i, 3 * i + 3)).map((v) => 2 * v);
    return [...av, ...bv];
  });
  const exact = await bruteSearch(dense(rows), 4);
  for (let i = 0; i < 4; i++) {
    assert.deepEqual(Array.from(matcher.lists[0].lists.indices[i]), Array.from(exact.indices[i]));
    matcher.lists[0].lists.distances[i].forEach((d, c) => assert.ok(Math.abs(d - exact.distances[i][c]) < 1e-6));
  }
  assert.throws(
    () =>
      combiner.sources([
        { name: 'a', unit: 'cosine distance' },
        { name: 'c', unit: 'cosine distance' },
      ]),
    /channel "c" has no positive weight/,
  );
  assert.throws(() => combiner.sources([{ name: 'a', unit: 'Hamming bits' }]), /only cosine channels can be concatenated/);
  assert.deepEqual(union().sources([{ name: 'x', unit: 'Hamming bits' }]), [{ name: 'x', unit: 'Hamming bits' }]);
});
