import { DataError, type Posting } from './csv.ts';
import { seededRandom } from './random.ts';

/**
 * Group k-fold: row indices in `k` folds, no label_group in two folds. Groups are sorted, then shuffled by
 * the seed (as groupSplit does) and dealt round-robin, so fold sizes differ by at most one group and the
 * folds depend only on the seed and the set of groups, not on row order.
 */
export function groupFolds(postings: readonly Posting[], seed: number, k: number): number[][] {
  if (!Number.isInteger(k) || k < 2) throw new DataError(`group k-fold needs at least 2 folds, got ${k}`);
  const groups = [
    ...new Set(
      postings.map((p, i) => {
        if (p.labelGroup === null)
          throw new DataError(`row ${i + 1} (posting_id "${p.postingId}") has no label_group; group folds need labelled data (train.csv)`);
        return p.labelGroup;
      }),
    ),
  ].sort();
  if (groups.length < k)
    throw new DataError(`${k} group folds need at least ${k} label groups, the data has ${groups.length}; use fewer --folds`);
  const random = seededRandom(seed);
  for (let i = groups.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [groups[i], groups[j]] = [groups[j], groups[i]];
  }
  const foldOf = new Map(groups.map((g, i) => [g, i % k]));
  const folds: number[][] = Array.from({ length: k }, () => []);
  postings.forEach((p, i) => folds[foldOf.get(p.labelGroup as string) as number].push(i));
  return folds;
}
