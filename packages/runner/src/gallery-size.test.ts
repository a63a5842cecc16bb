import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Posting } from '@prodmatch/data';
import type { GallerySizeTuned } from '@prodmatch/results';
import { groupSample, thresholdsForSize } from './gallery-size.ts';
import { measureGallerySizes } from './gallery-size-measure.ts';
import { prepareExperiment } from './prepare.ts';
import { loadExperimentSpec } from './submit.ts';
import { miniTextDataset } from './testing.ts';

// Groups of 1..4 postings, 40 groups.
const postings: Posting[] = Array.from({ length: 40 }, (_, g) =>
  Array.from({ length: 1 + (g % 4) }, (_, j) => ({
    postingId: `p${g}_${j}`,
    image: '',
    imagePhash: '0',
    title: `t${g}`,
    labelGroup: `g${g}`,
  })),
).flat();

test('groupSample takes whole groups in a seeded order until it has the rows asked for', () => {
  const drawn = groupSample(postings, 30, 7);
  assert.ok(drawn.length >= 30 && drawn.length < 34, `${drawn.length} rows`);
  assert.deepEqual(
    drawn,
    [...drawn].sort((a, b) => a - b),
  );
  const groups = new Set(drawn.map((i) => postings[i].labelGroup));
  for (const g of groups) {
    const members = postings.flatMap((p, i) => (p.labelGroup === g ? [i] : []));
    assert.ok(
      members.every((i) => drawn.includes(i)),
      `group ${g} is whole`,
    );
  }
  assert.deepEqual(groupSample(postings, 30, 7), drawn, 'same seed, same draw');
  assert.notDeepEqual(groupSample(postings, 30, 8), drawn, 'another seed, another draw');
  assert.equal(groupSample(postings, 1000, 7).length, postings.length, 'a size over the rows takes them all');
});

const tuned = (rows: number, text: number, phash: number): GallerySizeTuned => ({ size: rows, rows, thresholds: { text, phash }, f1: 0.5 });
const entry = {
  experiment: 'e',
  sources: [
    { name: 'text', unit: 'cosine distance', grid: [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6] },
    { name: 'phash', unit: 'Hamming bits', grid: [2, 4, 6, 8, 10] },
  ],
  // text falls by 0.05 per doubling; phash is flat at 8.
  tuned: [tuned(1000, 0.55, 8), tuned(2000, 0.5, 8), tuned(4000, 0.45, 8)],
};

test('thresholdsForSize reads the log-linear fit, snapped to the grid, and says where it read it', () => {
  const inside = thresholdsForSize(entry, ['text', 'phash'], 2000);
  assert.deepEqual(inside.values, [0.5, 8]);
  assert.match(inside.how, /within the measured galleries: interpolated/);
  const beyond = thresholdsForSize(entry, ['phash', 'text'], 16000);
  assert.deepEqual(beyond.values, [8, 0.35], 'two doublings past 4000: 0.45 - 0.1, in the order asked for');
  assert.match(beyond.how, /16000 rows is beyond the largest measured gallery \(4000 rows\): extrapolated/);
  const far = thresholdsForSize(entry, ['text', 'phash'], 10_000_000);
  assert.equal(far.values[0], 0.3, 'clamped to the grid');
  const tiny = thresholdsForSize(entry, ['text', 'phash'], 3);
  assert.deepEqual(tiny.values, [0.55, 8], 'below the smallest gallery: read there, not extrapolated');
  assert.match(tiny.how, /3 rows is below the smallest measured gallery \(1000 rows\)/);
  const without = thresholdsForSize(entry, ['text', 'phash'], 4000, (t) => t.size !== 4000);
  assert.deepEqual(without.values, [0.45, 8], 'fit on 1000 and 2000 only, extrapolated to 4000');
  assert.throws(() => thresholdsForSize(entry, ['char'], 1000), /no source "char"/);
});

test('measureGallerySizes tunes at every size, scores every set at every size and measures the held-out size', async () => {
  const data = miniTextDataset();
  const prepared = await prepareExperiment(await loadExperimentSpec('fused-text'), ['--data', data, '--no-progress']);
  const split = { values: [0.5, 0.5, 8], valRows: 6 };
  const e = await measureGallerySizes(prepared, { sizes: [9, 18, 1000], heldOut: [27], seed: 3, splitRow: split, resamples: 200 });
  assert.equal(e.pool.rows, 36);
  assert.deepEqual(
    e.tuned.map((t) => t.size),
    [9, 18, 27, 36],
    'sizes over the pool become the pool',
  );
  assert.deepEqual(Object.keys(e.tuned[0].thresholds), ['text', 'char', 'phash']);
  assert.equal(e.cells.length, 4 * 5, 'four sizes scored, each by four tuned sets and the split row');
  assert.equal(e.heldOut.length, 1);
  const [h] = e.heldOut;
  assert.deepEqual(h.fitSizes, [9, 18, 36]);
  assert.ok(Math.abs(h.gain.difference - (h.fitted.f1 - h.splitRow.f1)) < 1e-12, 'the paired difference is the difference of the means');
  const splitCell = e.cells.find((c) => c.tunedSize === 0 && c.scoredSize === 27);
  assert.equal(splitCell?.f1, h.splitRow.f1, 'the split row scores the same on the held-out gallery in both places');
});

test('measureGallerySizes --disjoint tunes on one half of the groups and scores on the other, sizes stopping at a half', async () => {
  const data = miniTextDataset();
  const prepared = await prepareExperiment(await loadExperimentSpec('fused-text'), ['--data', data, '--no-progress']);
  const e = await measureGallerySizes(prepared, { sizes: [6, 1000], heldOut: [], seed: 3, splitRow: null, disjoint: true });
  assert.deepEqual(
    e.tuned.map((t) => t.rows),
    [6, 18],
  );
  assert.deepEqual([...new Set(e.cells.map((c) => c.scoredRows))], [6, 18]);
  assert.match(e.pool.what, /tuned on one half of its groups \(18 rows\), scored on the other \(18 rows\)/);
});
