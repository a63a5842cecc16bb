import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '@prodmatch/data';
import type { NeighbourLists } from '@prodmatch/knn';
import { candidatePairs, pairLabels } from './candidates.ts';
import { crossFitPredict, crossFitSlots } from './crossfit.ts';
import type { PairModel } from './model.ts';
import type { PairTable } from './table.ts';

test("cross-fitting never scores a pair with a model trained on either posting's label group, and scores every pair once", async () => {
  const random = seededRandom(8);
  const rows = 240;
  const labels = Array.from({ length: rows }, () => `g${Math.floor(random() * 70)}`);
  const lists: NeighbourLists = { indices: [], distances: [] };
  for (let i = 0; i < rows; i++) {
    // Same-group postings and random others, as a real candidate set mixes both.
    const others = Array.from({ length: rows }, (_, j) => j).filter((j) => j !== i && (labels[j] === labels[i] || random() < 0.05));
    lists.indices.push(Int32Array.from([i, ...others]));
    lists.distances.push(new Float32Array(others.length + 1));
  }
  const pairs = candidatePairs([lists], rows);
  const y = pairLabels(pairs, labels);
  const table: PairTable = { pairs: pairs.left.length, features: [], columns: [] };
  const seen: Set<string>[] = [];
  const scoredBy = new Int32Array(pairs.left.length).fill(-1);
  const factory = (): PairModel => {
    const id = seen.length;
    const groups = new Set<string>();
    seen.push(groups);
    return {
      kind: 'audit',
      async fit(_table, labelsOfPairs, set) {
        for (const p of set?.rows ?? []) {
          groups.add(labels[pairs.left[p]]);
          groups.add(labels[pairs.right[p]]);
          assert.equal(labelsOfPairs[p], y[p]);
        }
      },
      async predict(_table, scored) {
        for (const p of scored ?? []) {
          assert.equal(scoredBy[p], -1, `pair ${p} scored twice`);
          scoredBy[p] = id;
        }
        return new Float32Array(scored?.length ?? 0).fill(id / 100);
      },
      parameterCount: () => 0,
      describe: () => ({}),
    };
  };
  const result = await crossFitPredict(factory, table, pairs, y, labels, { folds: 4, seed: 3, negativeRate: 0.5 });
  assert.equal(result.slots, 10);
  assert.equal(seen.length, 10);
  for (let p = 0; p < pairs.left.length; p++) {
    const model = scoredBy[p];
    assert.ok(model >= 0, `pair ${p} never scored`);
    assert.ok(
      !seen[model].has(labels[pairs.left[p]]) && !seen[model].has(labels[pairs.right[p]]),
      `pair ${p} (${labels[pairs.left[p]]}, ${labels[pairs.right[p]]}) scored by a model that saw its group`,
    );
    assert.equal(result.probabilities[p], Math.fround(model / 100));
  }
  assert.ok(
    seen.every((groups) => groups.size > 0),
    'every slot model fits on something',
  );
  // The slots partition the pairs.
  const slots = crossFitSlots(pairs, result.foldOfRow);
  assert.equal(
    slots.reduce((s, slot) => s + slot.scoredPairs.length, 0),
    pairs.left.length,
  );
  await assert.rejects(crossFitPredict(factory, table, pairs, y, labels, { folds: 2 }), /at least 3 folds/);
});
