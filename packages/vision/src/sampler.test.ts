import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '@prodmatch/data';
import { epochOrder, inverseGroupSizeWeights, shuffledRows, weightedSample } from './sampler.ts';
import { learningRate, SEED_SCHEDULE } from './schedule.ts';

test('weights are 1 / group size', () => {
  assert.deepEqual(Array.from(inverseGroupSizeWeights([7, 7, 7, 7, 3, 3, 9])), [0.25, 0.25, 0.25, 0.25, 0.5, 0.5, 1]);
});

test('weighted draws follow 1 / group size: every group equally often', () => {
  // groups of size 1, 2 and 5: each group should get a third of the draws, each row 1/(3 * size).
  const labels = [0, 1, 1, 2, 2, 2, 2, 2];
  const draws = weightedSample(inverseGroupSizeWeights(labels), 120_000, seededRandom(1));
  const rowCounts = new Array(labels.length).fill(0);
  for (const r of draws) rowCounts[r]++;
  const sizes = [1, 2, 2, 5, 5, 5, 5, 5];
  rowCounts.forEach((count, row) => {
    const expected = 120_000 / (3 * sizes[row]);
    // 4 standard deviations of a binomial count.
    const sd = Math.sqrt(120_000 * (1 / (3 * sizes[row])) * (1 - 1 / (3 * sizes[row])));
    assert.ok(Math.abs(count - expected) < 4 * sd, `row ${row}: ${count} draws, expected ${expected.toFixed(0)}`);
  });
});

test('an epoch of the weighted sampler has len(rows) draws with replacement; the uniform one is a permutation', () => {
  const labels = Int32Array.from({ length: 50 }, (_, i) => (i < 45 ? 0 : i));
  const weighted = epochOrder('weighted', labels, seededRandom(3));
  assert.equal(weighted.length, 50);
  assert.ok(new Set(weighted).size < 50, 'with replacement, some rows repeat');
  // Rows 45..49 are groups of one; group 0 (45 rows) gets 1/6 of the draws instead of 9/10.
  assert.ok(Array.from(weighted).filter((r) => r < 45).length < 25);
  const uniform = shuffledRows(50, seededRandom(3));
  assert.deepEqual(
    Array.from(uniform).sort((a, b) => a - b),
    Array.from({ length: 50 }, (_, i) => i),
  );
  assert.deepEqual(Array.from(epochOrder('uniform', labels, seededRandom(3))), Array.from(uniform));
});

test('bad weights are refused', () => {
  assert.throws(() => weightedSample([1, -1], 3, seededRandom(1)), /weight 1 is -1/);
  assert.throws(() => weightedSample([0, 0], 3, seededRandom(1)), /sum to zero/);
});

test("the seeds' learning-rate schedule: ramp, sustain, decay", () => {
  const s = { ...SEED_SCHEDULE, sustainEpochs: 1 };
  assert.equal(learningRate(0, s), s.start);
  assert.ok(Math.abs(learningRate(5, s) - s.max) < 1e-12);
  assert.ok(Math.abs(learningRate(6, s) - s.max) < 1e-12);
  assert.ok(Math.abs(learningRate(7, s) - ((s.max - s.min) * 0.8 + s.min)) < 1e-12);
  assert.ok(learningRate(80, s) > s.min && learningRate(80, s) < s.min * 1.01);
});
