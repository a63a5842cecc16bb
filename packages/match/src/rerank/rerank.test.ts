import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '@prodmatch/data';
import { hammingTopK, hash64FromHex, sparseCosineTopK } from '@prodmatch/knn';
import { matchesWithin, matchScores } from '@prodmatch/metrics';
import { charTfidfVectors, tfidfVectors, tokenizeTitle } from '@prodmatch/text';
import { candidatePairs, pairLabels } from './candidates.ts';
import { chooseDecision, cutScorer, decisionScores } from './decision.ts';
import { logisticModel } from './logistic.ts';
import { pairTable } from './table.ts';
import type { RerankChannel } from './types.ts';

/**
 * Look-alike products: each family (brand + product) is sold in several sizes, and each size is its own
 * product (label group). Listings of one product vary in filler words; the sizes share their photo and
 * all their words but the number. Distances cannot tell 100 ml from 200 ml, so a thresholded union
 * either merges the sizes or misses the listings; the numbers tell them apart.
 */
function lookAlikes(seed: number): { titles: string[]; hashes: string[]; labels: string[] } {
  const random = seededRandom(seed);
  const brands = ['wardah', 'emina', 'pixy', 'garnier', 'pantene', 'sunsilk', 'dove', 'nivea', 'biore', 'ponds', 'lux', 'citra'];
  const goods = ['shampoo', 'lotion', 'sabun cair', 'toner', 'serum', 'body wash'];
  const fillers = [
    'promo',
    'original',
    'murah',
    'ready',
    'bpom',
    'grosir',
    'termurah',
    'asli',
    'new',
    'best seller',
    'diskon',
    'free bubble',
  ];
  const sizes = ['50', '100', '200', '250', '400', '500'];
  const hex = (): string => Array.from({ length: 16 }, () => Math.floor(random() * 16).toString(16)).join('');
  const titles: string[] = [];
  const hashes: string[] = [];
  const labels: string[] = [];
  for (let family = 0; family < 30; family++) {
    const name = `${brands[Math.floor(random() * brands.length)]} ${goods[Math.floor(random() * goods.length)]}`;
    const photo = hex();
    const familySizes = sizes.filter(() => random() < 0.6).slice(0, 4);
    for (const size of familySizes.length >= 2 ? familySizes : sizes.slice(0, 2)) {
      const listings = 2 + Math.floor(random() * 3);
      for (let l = 0; l < listings; l++) {
        const extra = fillers.filter(() => random() < 0.35).join(' ');
        titles.push(`${name} ${size}ml ${extra}`.trim());
        // The family's photo with a few digits changed, or now and then a different photo.
        const digits = photo.split('');
        for (let f = Math.floor(random() * 3); f > 0; f--) digits[Math.floor(random() * 16)] = Math.floor(random() * 16).toString(16);
        hashes.push(random() < 0.15 ? hex() : digits.join(''));
        labels.push(`${seed}-${family}-${size}`);
      }
    }
  }
  return { titles, hashes, labels };
}

function channelsOf(g: { titles: string[]; hashes: string[] }): RerankChannel[] {
  const word = tfidfVectors(
    g.titles.map((t) => tokenizeTitle(t, { keepGlued: true })),
    { weighting: 'binary', norm: 'l2' },
  );
  const char = charTfidfVectors(g.titles);
  const phash = hash64FromHex(g.hashes);
  return [
    { name: 'word', features: { kind: 'sparse', matrix: word }, lists: sparseCosineTopK(word, word, 20) },
    { name: 'char', features: { kind: 'sparse', matrix: char }, lists: sparseCosineTopK(char, char, 20) },
    { name: 'phash', features: { kind: 'hash64', matrix: phash }, lists: hammingTopK(phash, phash, 20, { sameSet: true }) },
  ];
}

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
