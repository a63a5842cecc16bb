import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readPostingsCsv } from '@prodmatch/data';
import {
  emptySparseWithinProfile,
  sparseCosineTopK,
  sparseCosineWithin,
  type CsrMatrix,
  type NeighbourLists,
  type SparseWithinProfile,
} from './index.ts';
import { seededRandom } from './testing.ts';

const REAL = new URL('../../../../shared/datasets/shopee/train.csv', import.meta.url).pathname;

/** sparseCosineTopK's lists cut where neighboursWithin cuts them: distance <= fround(maxDistance). */
function cutAt(lists: NeighbourLists, maxDistance: number): NeighbourLists {
  const cut = Math.fround(maxDistance);
  const keep = lists.distances.map((d) => d.findIndex((x) => x > cut)).map((n, i) => (n < 0 ? lists.distances[i].length : n));
  return { indices: lists.indices.map((x, i) => x.slice(0, keep[i])), distances: lists.distances.map((x, i) => x.slice(0, keep[i])) };
}

function assertSameLists(got: NeighbourLists, want: NeighbourLists, where: string): void {
  assert.equal(got.indices.length, want.indices.length, where);
  for (let i = 0; i < want.indices.length; i++) {
    assert.deepEqual(Array.from(got.indices[i]), Array.from(want.indices[i]), `${where} row ${i} indices`);
    // Bit for bit: the cosines are summed in the same order as the reference sums them.
    assert.deepEqual(Array.from(got.distances[i]), Array.from(want.distances[i]), `${where} row ${i} distances`);
  }
}

/**
 * Random non-negative CSR rows with Zipf-like term frequencies (a few terms in most rows, as in titles),
 * small integer values (exact ties happen), some empty rows and some near-copies of earlier rows.
 */
function randomCsr(random: () => number, rows: number, cols: number, meanLength: number): CsrMatrix {
  const indptr = new Int32Array(rows + 1);
  const indices: number[] = [];
  const values: number[] = [];
  const built: Map<number, number>[] = [];
  for (let r = 0; r < rows; r++) {
    const row = new Map<number, number>();
    if (r > 0 && random() < 0.3) {
      for (const [c, v] of built[Math.floor(random() * r)]) if (random() < 0.8) row.set(c, v);
    }
    const length = random() < 0.05 ? 0 : Math.floor(random() * 2 * meanLength);
    for (let e = 0; e < length; e++) row.set(Math.floor(cols * random() ** 3), 1 + Math.floor(random() * 3));
    built.push(row);
    for (const c of [...row.keys()].sort((a, b) => a - b)) {
      indices.push(c);
      values.push(row.get(c)!);
    }
    indptr[r + 1] = indices.length;
  }
  return { rows, cols, indptr, indices: Int32Array.from(indices), values: Float32Array.from(values) };
}

test('equals sparseCosineTopK cut at the threshold on random matrices (self-join and query != gallery, several k and thresholds)', () => {
  const random = seededRandom(20);
  for (let trial = 0; trial < 12; trial++) {
    const cols = 20 + Math.floor(random() * 200);
    const gallery = randomCsr(random, 50 + Math.floor(random() * 250), cols, 2 + Math.floor(random() * 8));
    const queries = trial % 3 === 2 ? randomCsr(random, 40, cols, 4) : gallery;
    for (const k of [1, 3, 50]) {
      const reference = sparseCosineTopK(queries, gallery, k);
      for (const maxDistance of [0, 0.1, 0.3, 0.475, 0.7, 0.95]) {
        assertSameLists(
          sparseCosineWithin(queries, gallery, k, maxDistance),
          cutAt(reference, maxDistance),
          `trial ${trial} k ${k} maxDistance ${maxDistance}`,
        );
      }
    }
  }
});

/** Lower-cased letter/digit runs, binary tf x smooth IDF, L2 rows: a small stand-in for the title TF-IDF. */
function titleTfidf(titles: readonly string[]): CsrMatrix {
  const vocabulary = new Map<string, number>();
  const docs = titles.map((t) =>
    [...new Set(t.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])]
      .map((w) => {
        if (!vocabulary.has(w)) vocabulary.set(w, vocabulary.size);
        return vocabulary.get(w)!;
      })
      .sort((a, b) => a - b),
  );
  const df = new Int32Array(vocabulary.size);
  for (const doc of docs) for (const c of doc) df[c]++;
  const indptr = new Int32Array(docs.length + 1);
  const indices: number[] = [];
  const values: number[] = [];
  docs.forEach((doc, r) => {
    const w = doc.map((c) => Math.log((1 + docs.length) / (1 + df[c])) + 1);
    const norm = Math.hypot(...w) || 1;
    doc.forEach((c, e) => {
      indices.push(c);
      values.push(w[e] / norm);
    });
    indptr[r + 1] = indices.length;
  });
  return { rows: docs.length, cols: vocabulary.size, indptr, indices: Int32Array.from(indices), values: Float32Array.from(values) };
}

test('equals sparseCosineTopK cut at the threshold on 3,000 real titles, and skips most of the work', (t) => {
  if (!existsSync(REAL)) {
    t.skip(`no real data at ${REAL}`);
    return;
  }
  // Whole label groups (sorted by group), so that there are matches to find.
  const postings = readPostingsCsv(REAL)
    .postings.sort((a, b) => (a.labelGroup! < b.labelGroup! ? -1 : a.labelGroup! > b.labelGroup! ? 1 : 0))
    .slice(0, 3000);
  const m = titleTfidf(postings.map((p) => p.title));
  const reference = sparseCosineTopK(m, m, 50);
  for (const maxDistance of [0.2, 0.475, 0.6]) {
    const profile: SparseWithinProfile = emptySparseWithinProfile();
    assertSameLists(
      sparseCosineWithin(m, m, 50, maxDistance, { profile }),
      cutAt(reference, maxDistance),
      `real titles, maxDistance ${maxDistance}`,
    );
    t.diagnostic(
      `maxDistance ${maxDistance}: ${profile.indexedEntries} of ${profile.galleryEntries} entries indexed, ${profile.candidates} candidates, ${profile.matches} matches`,
    );
    assert.ok(profile.candidates < 0.1 * m.rows * m.rows, `${profile.candidates} candidates`);
  }
});

test('empty rows match nothing, k counts the row itself, and bad input is refused in one line', () => {
  const m: CsrMatrix = {
    rows: 3,
    cols: 2,
    indptr: Int32Array.from([0, 1, 1, 3]),
    indices: Int32Array.from([0, 0, 1]),
    values: Float32Array.from([1, 2, 2]),
  };
  const lists = sparseCosineWithin(m, m, 5, 0.5);
  assert.deepEqual(
    lists.indices.map((x) => Array.from(x)),
    [[0, 2], [], [2, 0]],
  );
  assert.deepEqual(Array.from(sparseCosineWithin(m, m, 1, 0.5).indices[2]), [2]);
  assert.throws(() => sparseCosineWithin(m, m, 5, 1), /maxDistance must be in \[0, 1\)/);
  assert.throws(() => sparseCosineWithin(m, m, 0, 0.5), /positive integer/);
  assert.throws(() => sparseCosineWithin({ ...m, values: Float32Array.from([1, -2, 2]) }, m, 5, 0.5), /non-negative/);
  assert.throws(() => sparseCosineWithin({ ...m, cols: 3 }, m, 5, 0.5), /3 columns but gallery has 2/);
});
