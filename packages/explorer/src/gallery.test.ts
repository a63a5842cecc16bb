import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { seededRandom } from '@prodmatch/data';
import { matchesWithin, matchScores } from '@prodmatch/metrics';
import { predictionsPathFor, readPredictions } from '@prodmatch/results';
import { Gallery } from './gallery.ts';
import { FIXTURE_DATASET, makeFixture, RECOMPUTABLE } from './test-fixture.ts';

test('re-scoring only the rows a threshold move can change gives exactly the full recomputation, move after move', async () => {
  const fixture = await makeFixture();
  try {
    const path = predictionsPathFor(join(fixture.resultsDir, FIXTURE_DATASET, `${RECOMPUTABLE}.json`));
    const { header, rows } = await readPredictions(path);
    const gallery = await Gallery.load(path);
    const labels = rows.map((r) => r.labelGroup!);
    const [title, phash] = header.lists;
    const random = seededRandom(3);
    const pick = (grid: number[]) => grid[Math.floor(random() * grid.length)];
    assert.deepEqual(
      gallery.storedScores().f1,
      matchScores(
        rows.map((r) => r.matches),
        labels,
      ).f1,
    );
    for (let move = 0; move < 25; move++) {
      // Mostly one slider at a time, as on the page; sometimes both, sometimes neither.
      const t = {
        title: move % 3 === 1 ? title.threshold! : pick(title.grid),
        phash: move % 3 === 2 ? phash.threshold! : pick(phash.grid),
      };
      const full = matchScores(
        rows.map((r, i) =>
          matchesWithin(
            i,
            [
              { indices: r.neighbours.title[0], distances: Float32Array.from(r.neighbours.title[1]), threshold: t.title },
              { indices: r.neighbours.phash[0], distances: Float32Array.from(r.neighbours.phash[1]), threshold: t.phash },
            ],
            { minMatches: header.minMatches, cap: header.cap },
          ),
        ),
        labels,
      );
      const scores = gallery.scoresAt(t);
      assert.deepEqual({ f1: scores.f1, precision: scores.precision, recall: scores.recall }, full, `move ${move} to ${JSON.stringify(t)}`);
    }
  } finally {
    await rm(fixture.root, { recursive: true, force: true });
  }
});
