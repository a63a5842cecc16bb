import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchesWithin, matchScores } from '@prodmatch/metrics';
import { candidatePairs, pairLabels } from './candidates.ts';
import { chooseDecision, cutScorer, decisionScores } from './decision.ts';
import { logisticModel } from './logistic.ts';
import { channelsOf, lookAlikes } from './look-alikes.ts';
import { pairTable } from './table.ts';
import type { RerankChannel } from './types.ts';

/** The tuned baseline: each channel thresholded, united, min2 (metrics' matchesWithin), thresholds chosen on val. */
function unionF1(channels: RerankChannel[], labels: string[], thresholds: readonly number[]): number {
  const matches = labels.map((_, row) =>
    matchesWithin(
      row,
      channels.map((c, s) => ({ indices: c.lists.indices[row], distances: c.lists.distances[row], threshold: thresholds[s] })),
      { minMatches: 2 },
    ),
  );
  return matchScores(matches, labels).f1;
}

test('a trained pair model beats the tuned union on look-alike titles that differ only in a number', async () => {
  const [train, val, testSet] = [lookAlikes(1), lookAlikes(2), lookAlikes(3)];
  const [trainChannels, valChannels, testChannels] = [train, val, testSet].map(channelsOf);
  // The union, its three thresholds tuned jointly on val over a grid.
  let best = { f1: -1, thresholds: [0, 0, 0] };
  for (const word of [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6]) {
    for (const char of [0.05, 0.1, 0.15, 0.2, 0.3, 0.4]) {
      for (const bits of [-1, 0, 4, 8, 12]) {
        const f1 = unionF1(valChannels, val.labels, [word, char, bits]);
        if (f1 > best.f1) best = { f1, thresholds: [word, char, bits] };
      }
    }
  }
  const unionTest = unionF1(testChannels, testSet.labels, best.thresholds);
  // The rerank: candidates, features, a logistic model fitted on train's pairs, rule and cut chosen on val.
  const prepare = (g: { titles: string[] }, channels: RerankChannel[]) => {
    const pairs = candidatePairs(
      channels.map((c) => c.lists),
      10,
    );
    return { pairs, table: pairTable({ pairs, channels, titles: g.titles }) };
  };
  const [a, b, c] = [prepare(train, trainChannels), prepare(val, valChannels), prepare(testSet, testChannels)];
  const model = logisticModel({ l2: 1e-3 });
  await model.fit(a.table, pairLabels(a.pairs, train.labels));
  const choice = chooseDecision(b.pairs, await model.predict(b.table), val.labels);
  const rerankTest = cutScorer(c.pairs, decisionScores(c.pairs, await model.predict(c.table), choice), testSet.labels).score(choice.cut).f1;
  assert.ok(unionTest < 0.85, `the union is meant to fail here (test F1 ${unionTest.toFixed(3)})`);
  assert.ok(rerankTest > unionTest + 0.1, `rerank ${rerankTest.toFixed(3)} vs union ${unionTest.toFixed(3)}`);
});
