import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '@prodmatch/data';
import { matchScores } from '@prodmatch/metrics';
import type { NeighbourLists } from '@prodmatch/knn';
import { candidatePairs, pairIndex, type CandidatePairs } from './candidates.ts';
import { chooseDecision, cutScorer, decide, decisionScores, rerankMatches, symmetricScores } from './decision.ts';
import { twoHopScores } from './smoothing.ts';

function randomGallery(random: () => number, rows: number): { pairs: CandidatePairs; labels: string[]; probabilities: Float32Array } {
  const labels = Array.from({ length: rows }, () => `g${Math.floor((random() * rows) / 3)}`);
  const lists: NeighbourLists = { indices: [], distances: [] };
  for (let i = 0; i < rows; i++) {
    const others = Array.from({ length: rows }, (_, j) => j).filter((j) => j !== i && random() < 0.3);
    lists.indices.push(Int32Array.from([i, ...others]));
    lists.distances.push(new Float32Array(others.length + 1));
  }
  const pairs = candidatePairs([lists], rows);
  // Probabilities that lean towards the truth, with ties (rounded) to exercise the tie rule.
  const probabilities = Float32Array.from(
    pairs.left,
    (i, p) => Math.round((labels[i] === labels[pairs.right[p]] ? 0.5 + 0.5 * random() : 0.7 * random()) * 20) / 20,
  );
  return { pairs, labels, probabilities };
}

test('the fast cut scorer equals matchScores over rerankMatches, with min2 and the cap', () => {
  const random = seededRandom(9);
  for (let trial = 0; trial < 25; trial++) {
    const { pairs, labels, probabilities } = randomGallery(random, 10 + Math.floor(random() * 50));
    const post = { minMatches: 1 + Math.floor(random() * 3), cap: 2 + Math.floor(random() * 10) };
    const scorer = cutScorer(pairs, probabilities, labels, post);
    for (const cut of [0, 0.2, 0.5, 0.55, 0.9, 1.1]) {
      const fast = scorer.score(cut);
      const slow = matchScores(rerankMatches(pairs, probabilities, cut, post), labels);
      assert.ok(
        Math.abs(fast.f1 - slow.f1) < 1e-12 &&
          Math.abs(fast.precision - slow.precision) < 1e-12 &&
          Math.abs(fast.recall - slow.recall) < 1e-12,
        `trial ${trial} cut ${cut}`,
      );
      const rows = scorer.rowF1(cut);
      assert.ok(Math.abs(rows.reduce((a, b) => a + b, 0) / rows.length - fast.f1) < 1e-12);
    }
  }
});

test('rerankMatches: self first, then candidates at or above the cut best first; min2 takes the best; at most cap', () => {
  const lists: NeighbourLists = {
    indices: [
      [0, 1, 2, 3],
      [1, 0],
      [2, 0],
      [3, 0],
    ].map((r) => Int32Array.from(r)),
    distances: [
      [0, 0, 0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
    ].map((r) => Float32Array.from(r)),
  };
  const pairs = candidatePairs([lists], 3);
  // Pairs in order: (0,1) (0,2) (0,3) (1,0) (2,0) (3,0).
  const scores = Float32Array.from([0.6, 0.9, 0.2, 0.6, 0.9, 0.2]);
  assert.deepEqual(
    rerankMatches(pairs, scores, 0.5, { minMatches: 1 }).map((r) => Array.from(r)),
    [[0, 2, 1], [1, 0], [2, 0], [3]],
  );
  assert.deepEqual(rerankMatches(pairs, scores, 0.5).map((r) => Array.from(r))[3], [3, 0], 'min2 adds the best-scored candidate');
  assert.deepEqual(Array.from(rerankMatches(pairs, scores, 0.1, { cap: 2 })[0]), [0, 2]);
  assert.deepEqual(
    Array.from(symmetricScores(pairs, Float32Array.from([0.2, 0.9, 0.5, 0.6, 0.1, 0.5]), 'mean')),
    [0.4, 0.5, 0.5, 0.4, 0.5, 0.5].map(Math.fround),
  );
  assert.deepEqual(
    Array.from(symmetricScores(pairs, Float32Array.from([0.2, 0.9, 0.5, 0.6, 0.1, 0.5]), 'min')),
    [0.2, 0.1, 0.5, 0.2, 0.1, 0.5].map(Math.fround),
  );
});

test('two-hop scores are the strongest path through a third posting, as a direct search finds it', () => {
  const random = seededRandom(4);
  const { pairs, probabilities } = randomGallery(random, 30);
  const scores = symmetricScores(pairs, probabilities, 'mean');
  for (const floor of [0, 0.05, 0.5]) {
    const hop = twoHopScores(pairs, scores, floor);
    for (let p = 0; p < scores.length; p++) {
      const i = pairs.left[p];
      const j = pairs.right[p];
      let best = 0;
      for (let k = 0; k < pairs.rows; k++) {
        const a = pairIndex(pairs, i, k);
        const b = pairIndex(pairs, k, j);
        if (k !== i && k !== j && a >= 0 && b >= 0 && scores[a] >= floor) best = Math.max(best, Math.min(scores[a], scores[b]));
      }
      assert.equal(hop[p], best, `pair (${i}, ${j}), floor ${floor}`);
    }
  }
});

test('chooseDecision returns the best point of its own sweep, and decide applies it', () => {
  const random = seededRandom(12);
  const { pairs, labels, probabilities } = randomGallery(random, 60);
  const choice = chooseDecision(pairs, probabilities, labels);
  assert.equal(choice.f1, Math.max(...choice.sweep.map((s) => s.f1)));
  const matches = decide(pairs, probabilities, choice);
  assert.ok(Math.abs(matchScores(matches, labels).f1 - choice.f1) < 1e-12);
  assert.equal(cutScorer(pairs, decisionScores(pairs, probabilities, choice), labels).score(choice.cut).f1, choice.f1);
});
