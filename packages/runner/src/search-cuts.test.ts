import { test } from 'node:test';
import assert from 'node:assert/strict';
import { phash } from '@prodmatch/features/phash';
import { wordTfidf } from '@prodmatch/features/word-tfidf';
import type { Channel } from '@prodmatch/match/channel';
import type { Combiner } from '@prodmatch/match/combiner';
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
  const cut = cutSearchesAtThresholds('within', channels, union(), sourcesOf(channels), [0.45, 8]);
  assert.deepEqual(cut.cuts, ['phash within 8 (grid: 16)']);
  assert.equal(cut.channels[1].knn.maxDistance, 8);
  assert.deepEqual(cut.channels[0], text, 'a sparse channel keeps its search');
  assert.equal(hash.knn.maxDistance, 16, 'the spec is not changed');
  assert.equal(cutSearchesAtThresholds('within', channels, union(), sourcesOf(channels), [0.45, 7.5]).channels[1].knn.maxDistance, 7);

  const unchanged = (
    why: string,
    list: readonly Channel[],
    combiner: Combiner,
    sources: ReturnType<typeof sourcesOf>,
    thresholds: number[],
    search: 'all' | 'within' = 'within',
  ): void => {
    const result = cutSearchesAtThresholds(search, list, combiner, sources, thresholds);
    assert.deepEqual(result.cuts, [], why);
    assert.deepEqual(result.channels, [...list], why);
  };
  unchanged('--sparse-search all cuts nothing', channels, union(), sourcesOf(channels), [0.45, 8], 'all');
  unchanged('the first source tops min2 up from beyond its threshold', [hash, text], union(), sourcesOf([hash, text]), [8, 0.45]);
  unchanged('a channel with its own min-matches reads beyond', [text, { ...hash, minMatches: 2 }], union(), sourcesOf(channels), [0.45, 8]);
  unchanged('already within the threshold', channels, union(), sourcesOf(channels), [0.45, 16]);
  const tight = cutSearchesAtThresholds(
    'within',
    [{ ...text, knn: { k: 50, sparseWithin: 0.4 } }, hash],
    union(),
    sourcesOf(channels),
    [0.45, 8],
  );
  assert.equal(tight.channels[0].knn.sparseWithin, 0.45, 'a sparse cut below the threshold is widened to it');
  assert.equal(tight.cuts[0], 'text within 0.45 (its threshold; --sparse-within 0.4 would drop its matches)');
  unchanged(
    'a sparse cut at or past the threshold stays',
    [{ ...text, knn: { k: 50, sparseWithin: 0.7 } }],
    union(),
    sourcesOf([text]),
    [0.45],
  );
  unchanged(
    'rerank reads every channel beyond any threshold',
    channels,
    rerank({ model: 'logistic' }),
    [{ name: 'rerank', unit: 'pair distance' }],
    [0.5],
  );
});
