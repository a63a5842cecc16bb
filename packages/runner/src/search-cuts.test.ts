import { test } from 'node:test';
import assert from 'node:assert/strict';
import { phash } from '@prodmatch/features/phash';
import { wordTfidf } from '@prodmatch/features/word-tfidf';
import type { Channel } from '@prodmatch/match/channel';
import { union } from '@prodmatch/match/combiners';
import { rerank } from '@prodmatch/match/combiners/rerank';
import { cutSearchesAtThresholds } from './search-cuts.ts';

const text: Channel = {
  name: 'text',
  feature: wordTfidf({}).resolve(undefined),
  unit: 'cosine distance',
  knn: { k: 50 },
  grid: [0.2, 0.5, 0.8],
  minMatches: 1,
};
const hash: Channel = {
  name: 'phash',
  feature: phash().resolve(undefined),
  unit: 'Hamming bits',
  knn: { k: 50, maxDistance: 16 },
  grid: [0, 8, 16],
  minMatches: 1,
};
const sourcesOf = (channels: readonly Channel[]) => channels.map(({ name, unit }) => ({ name, unit }));

test("a submission's hash search stops at its threshold only where nothing reads beyond it", () => {
  const channels = [text, hash];
  const cut = cutSearchesAtThresholds(channels, union(), sourcesOf(channels), [0.45, 8]);
  assert.deepEqual(cut.cuts, ['phash within 8 (grid: 16)']);
  assert.equal(cut.channels[1].knn.maxDistance, 8);
  assert.deepEqual(cut.channels[0], text, 'a sparse channel keeps its search');
  assert.equal(hash.knn.maxDistance, 16, 'the spec is not changed');
  assert.equal(cutSearchesAtThresholds(channels, union(), sourcesOf(channels), [0.45, 7.5]).channels[1].knn.maxDistance, 7);

  const unchanged = (why: string, ...args: Parameters<typeof cutSearchesAtThresholds>): void => {
    const result = cutSearchesAtThresholds(...args);
    assert.deepEqual(result.cuts, [], why);
    assert.deepEqual(result.channels, [...args[0]], why);
  };
  unchanged('the first source tops min2 up from beyond its threshold', [hash, text], union(), sourcesOf([hash, text]), [8, 0.45]);
  unchanged('a channel with its own min-matches reads beyond', [text, { ...hash, minMatches: 2 }], union(), sourcesOf(channels), [0.45, 8]);
  unchanged('already within the threshold', channels, union(), sourcesOf(channels), [0.45, 16]);
  unchanged(
    'rerank reads every channel beyond any threshold',
    channels,
    rerank({ model: 'logistic' }),
    [{ name: 'rerank', unit: 'pair distance' }],
    [0.5],
  );
});
