import { DataError, type Posting } from './csv.ts';
import { seededRandom } from './random.ts';

export interface SplitFractions {
  train: number;
  val: number;
  test: number;
}

export interface GroupSplit {
  train: number[];
  val: number[];
  test: number[];
}

export const DEFAULT_FRACTIONS: SplitFractions = { train: 0.6, val: 0.2, test: 0.2 };

/**
 * Splits row indices by label_group so that no group straddles two parts (a model must never have
 * seen the products it is evaluated on). Groups are sorted before the seeded shuffle, so the split
 * depends only on the seed and the set of groups, not on row order.
 */
export function groupSplit(postings: readonly Posting[], seed: number, fractions: SplitFractions = DEFAULT_FRACTIONS): GroupSplit {
  const total = fractions.train + fractions.val + fractions.test;
  if (!(Math.abs(total - 1) < 1e-9) || fractions.train < 0 || fractions.val <= 0 || fractions.test <= 0) {
    throw new Error(`split fractions must be non-negative, val/test positive, and sum to 1 (got ${JSON.stringify(fractions)})`);
  }
  const groups = [
    ...new Set(
      postings.map((p, i) => {
        if (p.labelGroup === null)
          throw new Error(`row ${i + 1} (posting_id "${p.postingId}") has no label_group; a group split needs labelled data (train.csv)`);
        return p.labelGroup;
      }),
    ),
  ].sort();
  if (groups.length < 3) {
    throw new DataError(
      `a train/val/test split needs at least 3 label groups, the data has ${groups.length}; add labelled postings or use --protocol full`,
    );
  }
  const random = seededRandom(seed);
  for (let i = groups.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [groups[i], groups[j]] = [groups[j], groups[i]];
  }
  const nVal = Math.max(1, Math.round(groups.length * fractions.val));
  const nTest = Math.max(1, Math.round(groups.length * fractions.test));
  const part = new Map<string, keyof GroupSplit>();
  groups.forEach((g, i) => part.set(g, i < nVal ? 'val' : i < nVal + nTest ? 'test' : 'train'));
  const split: GroupSplit = { train: [], val: [], test: [] };
  postings.forEach((p, i) => split[part.get(p.labelGroup as string) as keyof GroupSplit].push(i));
  return split;
}
