import { seededRandom } from '@prodmatch/data';
import type { CandidatePairs } from './candidates.ts';
import { sampleFitSet, type FitSet, type PairModel, type PairModelFactory } from './model.ts';
import type { PairTable } from './table.ts';

/** Each row's fold: whole label groups go to one fold (groups shuffled with the seed, then dealt round-robin by size). */
export function groupFolds(labels: readonly string[], folds: number, seed: number): Int32Array {
  if (!(Number.isInteger(folds) && folds >= 2)) throw new Error(`groupFolds: folds must be an integer >= 2, got ${folds}`);
  const size = new Map<string, number>();
  for (const l of labels) size.set(l, (size.get(l) ?? 0) + 1);
  const groups = [...size.keys()].sort();
  if (groups.length < folds) throw new Error(`groupFolds: ${groups.length} label groups cannot fill ${folds} folds`);
  const random = seededRandom(seed);
  for (let i = groups.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [groups[i], groups[j]] = [groups[j], groups[i]];
  }
  // Largest groups first, each to the fold with the fewest rows so far: folds of near-equal size.
  const order = groups.map((g, at) => ({ g, at })).sort((a, b) => (size.get(b.g) as number) - (size.get(a.g) as number) || a.at - b.at);
  const rowsIn = new Array<number>(folds).fill(0);
  const foldOf = new Map<string, number>();
  for (const { g } of order) {
    let fold = 0;
    for (let f = 1; f < folds; f++) if (rowsIn[f] < rowsIn[fold]) fold = f;
    foldOf.set(g, fold);
    rowsIn[fold] += size.get(g) as number;
  }
  return Int32Array.from(labels, (l) => foldOf.get(l) as number);
}

/**
 * One model per unordered pair of folds {a, b} (a = b included): it is fitted on the pairs with neither
 * posting in fold a or b, and scores exactly the pairs with one posting in a and the other in b. So no
 * pair is scored by a model that saw either posting's label group: a positive pair's group, and both
 * groups of a negative pair, are unseen. With F folds that is F (F + 1) / 2 models.
 */
export interface CrossFitSlot {
  /** The folds left out: [a] or [a, b]. */
  excluded: number[];
  /** Pairs the slot's model fits on (both postings outside the excluded folds). */
  fitPairs: Int32Array;
  /** Pairs the slot's model scores (postings in exactly the excluded folds). */
  scoredPairs: Int32Array;
}

export function crossFitSlots(pairs: CandidatePairs, foldOfRow: Int32Array): CrossFitSlot[] {
  if (foldOfRow.length !== pairs.rows) throw new Error(`crossFitSlots: ${foldOfRow.length} folds for ${pairs.rows} rows`);
  let folds = 0;
  for (const f of foldOfRow) folds = Math.max(folds, f + 1);
  const slotOf = (a: number, b: number): number => {
    const [lo, hi] = a <= b ? [a, b] : [b, a];
    return (hi * (hi + 1)) / 2 + lo;
  };
  const slots = (folds * (folds + 1)) / 2;
  const scored: number[][] = Array.from({ length: slots }, () => []);
  for (let p = 0; p < pairs.left.length; p++) scored[slotOf(foldOfRow[pairs.left[p]], foldOfRow[pairs.right[p]])].push(p);
  const out: CrossFitSlot[] = [];
  for (let hi = 0; hi < folds; hi++) {
    for (let lo = 0; lo <= hi; lo++) {
      const excluded = lo === hi ? [lo] : [lo, hi];
      const fit: number[] = [];
      for (let p = 0; p < pairs.left.length; p++) {
        const a = foldOfRow[pairs.left[p]];
        const b = foldOfRow[pairs.right[p]];
        if (a !== lo && a !== hi && b !== lo && b !== hi) fit.push(p);
      }
      out.push({ excluded, fitPairs: Int32Array.from(fit), scoredPairs: Int32Array.from(scored[slotOf(lo, hi)]) });
    }
  }
  return out;
}

export interface CrossFitOptions {
  folds?: number;
  seed?: number;
  /** Negatives kept per slot's fit (see sampleFitSet). Default 1 (all). */
  negativeRate?: number;
  /** Called after each slot's model is fitted (progress, or a test's audit of what it saw). */
  onSlot?: (slot: CrossFitSlot, model: PairModel, fit: FitSet) => void;
}

/**
 * Out-of-group pair probabilities for a gallery whose own labels train the models (protocol `full`):
 * every pair is scored by the model of its slot (crossFitSlots), never by one that saw its groups.
 */
export async function crossFitPredict(
  factory: PairModelFactory,
  table: PairTable,
  pairs: CandidatePairs,
  pairLabels: Uint8Array,
  rowLabels: readonly string[],
  options: CrossFitOptions = {},
): Promise<{ probabilities: Float32Array; foldOfRow: Int32Array; slots: number }> {
  const folds = options.folds ?? 3;
  // With two folds the cross slot {0, 1} would leave nothing to fit on.
  if (!(Number.isInteger(folds) && folds >= 3)) throw new Error(`crossFitPredict: needs at least 3 folds, got ${folds}`);
  const foldOfRow = groupFolds(rowLabels, folds, options.seed ?? 42);
  const slots = crossFitSlots(pairs, foldOfRow);
  const probabilities = new Float32Array(pairs.left.length);
  for (const [s, slot] of slots.entries()) {
    if (slot.scoredPairs.length === 0) continue;
    const model = factory();
    const fit = sampleFitSet(pairLabels, { negativeRate: options.negativeRate ?? 1, seed: (options.seed ?? 42) + s, rows: slot.fitPairs });
    let positives = 0;
    for (const p of fit.rows) positives += pairLabels[p];
    if (positives === 0 || positives === fit.rows.length)
      throw new Error(
        `crossFitPredict: the model leaving out folds ${slot.excluded.join(', ')} has ${fit.rows.length} pairs to fit, ${positives} of them matches; use fewer folds or more rows`,
      );
    await model.fit(table, pairLabels, fit);
    options.onSlot?.(slot, model, fit);
    const scores = await model.predict(table, slot.scoredPairs);
    for (let c = 0; c < scores.length; c++) probabilities[slot.scoredPairs[c]] = scores[c];
  }
  return { probabilities, foldOfRow, slots: slots.length };
}
