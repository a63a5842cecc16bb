import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '@prodmatch/data';
import type { NeighbourLists } from '@prodmatch/knn';
import { candidatePairs, candidateRecall, pairIndex, pairLabels, reversePairs } from './candidates.ts';

/** Random top-k lists, self first (as a search over the gallery itself returns them), some short. */
function randomLists(rows: number, k: number, random: () => number): NeighbourLists {
  const indices: Int32Array[] = [];
  const distances: Float32Array[] = [];
  for (let i = 0; i < rows; i++) {
    const others = Array.from({ length: rows }, (_, j) => j)
      .filter((j) => j !== i)
      .sort(() => random() - 0.5)
      .slice(0, Math.floor(random() * (k + 3)));
    indices.push(Int32Array.from([i, ...others]));
    distances.push(Float32Array.from([0, ...others.map((_, c) => (c + 1) / (k + 3))]));
  }
  return { indices, distances };
}

test("the candidate union is symmetric, excludes self, and holds every channel's top-k (and nothing else)", () => {
  const random = seededRandom(3);
  for (let trial = 0; trial < 20; trial++) {
    const rows = 5 + Math.floor(random() * 40);
    const k = 1 + Math.floor(random() * 8);
    const channels = Array.from({ length: 1 + Math.floor(random() * 3) }, () => randomLists(rows, k + 2, random));
    const pairs = candidatePairs(channels, k);
    // Expected: the set of {i, j} with j among i's first k others in some channel, both directions.
    const expected = new Set<string>();
    for (const lists of channels) {
      for (let i = 0; i < rows; i++) {
        const others = Array.from(lists.indices[i])
          .filter((j) => j !== i)
          .slice(0, k);
        for (const j of others) {
          expected.add(`${i},${j}`);
          expected.add(`${j},${i}`);
        }
      }
    }
    const got = new Set<string>();
    for (let p = 0; p < pairs.left.length; p++) {
      assert.notEqual(pairs.left[p], pairs.right[p], 'no pair of a row with itself');
      if (p > 0)
        assert.ok(
          pairs.left[p - 1] < pairs.left[p] || (pairs.left[p - 1] === pairs.left[p] && pairs.right[p - 1] < pairs.right[p]),
          'sorted by left, then right, no duplicates',
        );
      got.add(`${pairs.left[p]},${pairs.right[p]}`);
    }
    assert.deepEqual([...got].sort(), [...expected].sort(), `trial ${trial}`);
    for (let i = 0; i < rows; i++) for (let p = pairs.offsets[i]; p < pairs.offsets[i + 1]; p++) assert.equal(pairs.left[p], i);
    const reverse = reversePairs(pairs);
    for (let p = 0; p < pairs.left.length; p++) {
      assert.equal(pairs.left[reverse[p]], pairs.right[p]);
      assert.equal(pairs.right[reverse[p]], pairs.left[p]);
      assert.equal(pairIndex(pairs, pairs.left[p], pairs.right[p]), p);
    }
    assert.equal(pairIndex(pairs, 0, 0), -1);
  }
});

test('pair labels and candidate recall count true pairs among the candidates', () => {
  // Rows 0, 1, 2 are one product, 3 and 4 another; the lists find 0-1 and 3-4 only.
  const lists: NeighbourLists = {
    indices: [[0, 1], [1, 0], [2], [3, 4], [4, 3]].map((r) => Int32Array.from(r)),
    distances: [[0, 0.1], [0, 0.1], [0], [0, 0.2], [0, 0.2]].map((r) => Float32Array.from(r)),
  };
  const labels = ['a', 'a', 'a', 'b', 'b'];
  const pairs = candidatePairs([lists], 5);
  assert.deepEqual(Array.from(pairLabels(pairs, labels)), [1, 1, 1, 1]);
  // True ordered pairs: 3 x 2 + 2 x 1 = 8; the candidates hold 4 of them.
  assert.deepEqual(candidateRecall(pairs, labels), { truePairs: 8, covered: 4, recall: 0.5 });
  assert.throws(() => candidatePairs([lists], 0), /k must be a positive integer/);
});
