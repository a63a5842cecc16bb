import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '@prodmatch/data';
import type { NeighbourLists } from '@prodmatch/knn';
import { candidatePairs } from './candidates.ts';
import { candidateFolds, crossFoldShare, groupFolds } from './folds.ts';

function assertGroupsWhole(labels: readonly string[], folds: Int32Array): void {
  const foldOf = new Map<string, number>();
  labels.forEach((l, i) => {
    if (foldOf.has(l)) assert.equal(folds[i], foldOf.get(l), `group ${l} split across folds`);
    foldOf.set(l, folds[i]);
  });
}

const foldSizes = (folds: Int32Array, count: number): number[] =>
  Array.from({ length: count }, (_, f) => folds.filter((x) => x === f).length);

test('group folds keep every label group whole and are near-equal in rows', () => {
  const random = seededRandom(2);
  const labels = Array.from({ length: 500 }, () => `g${Math.floor(random() * 120)}`);
  const folds = groupFolds(labels, 4, 7);
  assertGroupsWhole(labels, folds);
  const sizes = foldSizes(folds, 4);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 10, `fold sizes ${sizes}`);
  assert.deepEqual(Array.from(groupFolds(labels, 4, 7)), Array.from(folds), 'deterministic for a seed');
});

test('candidate folds keep linked groups together: far fewer pairs across folds than random folds, groups whole, folds balanced', () => {
  // 12 topics of 10 groups each; a row's candidates are mostly rows of its own topic (look-alike products),
  // with a few random ones, as a real catalogue's candidates cluster by category.
  const random = seededRandom(5);
  const rows = 1200;
  const topicOf = (g: number): number => g % 12;
  const labels: string[] = [];
  const groupOfRow: number[] = [];
  for (let i = 0; i < rows; i++) {
    const g = Math.floor(random() * 120);
    groupOfRow.push(g);
    labels.push(`group-${g}`);
  }
  const lists: NeighbourLists = { indices: [], distances: [] };
  for (let i = 0; i < rows; i++) {
    const partners: number[] = [];
    while (partners.length < 12) {
      const j = Math.floor(random() * rows);
      if (j !== i && (topicOf(groupOfRow[j]) === topicOf(groupOfRow[i]) || random() < 0.01)) partners.push(j);
    }
    lists.indices.push(Int32Array.from([i, ...partners]));
    lists.distances.push(new Float32Array(partners.length + 1));
  }
  const pairs = candidatePairs([lists], 12);
  const randomFolds = groupFolds(labels, 4, 3);
  const linkedFolds = candidateFolds(labels, pairs, 4, 3);
  assertGroupsWhole(labels, linkedFolds);
  const sizes = foldSizes(linkedFolds, 4);
  assert.ok(Math.max(...sizes) <= rows / 4 + 60 && Math.min(...sizes) >= rows / 4 - 60, `fold sizes ${sizes}`);
  const randomShare = crossFoldShare(pairs, randomFolds);
  const linkedShare = crossFoldShare(pairs, linkedFolds);
  // About a tenth of the links leave their topic. Random folds put ~3/4 of the pairs across folds; topics
  // dealt whole leave little more than those random links across.
  assert.ok(randomShare > 0.6, `random folds: ${randomShare}`);
  assert.ok(linkedShare < 0.15, `candidate folds: ${linkedShare} of pairs across folds (random: ${randomShare})`);
  assert.deepEqual(Array.from(candidateFolds(labels, pairs, 4, 3)), Array.from(linkedFolds), 'deterministic for a seed');
  assert.throws(() => candidateFolds(labels.slice(1), pairs, 4, 3), /rows of pairs/);
});
