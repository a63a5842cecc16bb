import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Posting } from '@prodmatch/data';
import { matchScores } from '@prodmatch/metrics';
import type { ChannelGallery, CombineContext } from '../combiner.ts';
import { channelsOf, lookAlikes } from '../rerank/look-alikes.ts';
import { unionScorer } from '../score.ts';
import { tuneThresholds } from '../tune.ts';
import { rerank } from './rerank.ts';

type Gallery = ReturnType<typeof lookAlikes>;

const galleryOf = (g: Gallery): ChannelGallery[] =>
  channelsOf(g).map((c) => ({
    ...c,
    unit: c.features.kind === 'hash64' ? 'Hamming bits' : 'cosine distance',
    grid: c.features.kind === 'hash64' ? [-1, 0, 4, 8, 12] : [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6],
    minMatches: 1,
  }));

const contextOf = (g: Gallery): CombineContext => ({
  search: () => Promise.reject(new Error('this combiner blends nothing, so it never searches')),
  k: 20,
  postings: g.titles.map(
    (title, i): Posting => ({ postingId: `p${i}`, image: `p${i}.jpg`, imagePhash: g.hashes[i], title, labelGroup: g.labels[i] }),
  ),
  tf: () => Promise.reject(new Error('the logistic model loads no tfjs')),
});

const post = { minMatches: 2 };

/** The tuned union of the channels' own thresholds on `tuning`, scored on `reported`. */
function unionF1(tuning: Gallery, reported: Gallery): number {
  const scorerOf = (channels: ChannelGallery[], labels: readonly string[]) =>
    unionScorer(
      channels.map((c) => ({ lists: c.lists, minMatches: 1 })),
      labels,
      post,
    );
  const tuningChannels = galleryOf(tuning);
  const tuningScorer = scorerOf(tuningChannels, tuning.labels);
  const tuned = tuneThresholds(
    (t) => tuningScorer.score(t).f1,
    tuningChannels.map((c) => c.grid),
  );
  return (reported === tuning ? tuningScorer : scorerOf(galleryOf(reported), reported.labels)).score(tuned.thresholds).f1;
}

test('rerank fits on train pairs, its cut is tuned on val as pair distance, and it beats the tuned union on test; the row learns its features, model and importance', async () => {
  const [train, val, testSet] = [lookAlikes(1), lookAlikes(2), lookAlikes(3)];
  const combiner = rerank({ model: 'logistic', candidates: 10 });
  assert.deepEqual(combiner.sources(galleryOf(train)), [{ name: 'rerank', unit: 'pair distance' }]);
  await combiner.fit?.(galleryOf(train), train.labels, contextOf(train));
  const onVal = await combiner.combine(galleryOf(val), { ...contextOf(val), measure: { labels: val.labels } });
  const source = onVal.lists.filter((l) => l.source);
  assert.deepEqual(
    source.map((l) => [l.name, l.unit]),
    [['rerank', 'pair distance']],
  );
  const valScorer = onVal.scorer(val.labels, post);
  const tuned = tuneThresholds((t) => valScorer.score(t).f1, [source[0].grid]);
  const onTest = await combiner.combine(galleryOf(testSet), contextOf(testSet));
  const f1 = onTest.scorer(testSet.labels, post).score(tuned.thresholds).f1;
  // The matcher's lists and its scorer agree.
  assert.ok(Math.abs(matchScores(onTest.matches(tuned.thresholds, post), testSet.labels).f1 - f1) < 1e-12);
  const union = unionF1(val, testSet);
  assert.ok(f1 > union + 0.1, `rerank ${f1.toFixed(3)} vs union ${union.toFixed(3)}`);
  // Each row: itself at distance 0, then candidates by pair distance 1 - score, at most 50.
  for (const [i, row] of onTest.lists[0].lists.indices.entries()) {
    assert.equal(row[0], i);
    const d = onTest.lists[0].lists.distances[i];
    for (let c = 1; c < d.length; c++) assert.ok(d[c] >= d[c - 1] && d[c] <= 1);
    assert.ok(row.length <= 50);
  }
  // Each match's reasons: its score (1 - its pair distance) and the linear model's three largest contributions.
  const row = onTest.lists[0].lists;
  const j = row.indices[0][1];
  const reason = onTest.explain?.(0, j);
  assert.ok(reason, 'a candidate pair has reasons');
  assert.ok(Math.abs(reason.score - (1 - row.distances[0][1])) < 1e-3);
  assert.equal(reason.features.length, 3);
  const sizes = reason.features.map((f) => Math.abs(f.contribution ?? Number.NaN));
  assert.ok(sizes[0] >= sizes[1] && sizes[1] >= sizes[2], JSON.stringify(reason.features));
  assert.equal(onTest.explain?.(0, 0), null, 'a posting is no candidate of itself');
  const { params } = combiner;
  assert.equal((params.features as string[]).length, 3 * 8 + 10);
  const fitted = params.fitted as { parameters: number; train: { fitPairs: number } };
  assert.equal(fitted.parameters, 2 * 34 + 1);
  const importance = params.importance as { byFamily: Record<string, number> };
  assert.deepEqual(Object.keys(importance.byFamily).sort(), ['gap', 'neighbourhood', 'numbers', 'rank', 'similarity', 'title']);
  // Only the numbers tell the sizes apart: permuting them must cost F1.
  assert.ok(importance.byFamily.numbers > 0.02, JSON.stringify(importance.byFamily));
});

test('under full rerank cross-fits on the gallery without a fit (6 models for 3 folds) and still beats the union; unfitted, it refuses to score', async () => {
  const gallery = lookAlikes(4);
  const combiner = rerank({ model: 'logistic', candidates: 10, folds: 3 });
  await assert.rejects(combiner.combine(galleryOf(gallery), contextOf(gallery)), /combine before fit/);
  const matcher = await combiner.combine(galleryOf(gallery), { ...contextOf(gallery), crossFit: { labels: gallery.labels, seed: 7 } });
  assert.equal((combiner.params.crossFitted as { models: number }).models, 6);
  const scorer = matcher.scorer(gallery.labels, post);
  const f1 = tuneThresholds((t) => scorer.score(t).f1, [matcher.lists[0].grid]).f1;
  const union = unionF1(gallery, gallery);
  assert.ok(f1 > union + 0.05, `cross-fitted rerank ${f1.toFixed(3)} vs union ${union.toFixed(3)} (both tuned on the gallery)`);
});
