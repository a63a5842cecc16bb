import type { CandidatePairs } from './candidates.ts';
import { candidateFolds, crossFoldShare, groupFolds, type FoldAssignment } from './folds.ts';
import { sampleFitSet, type FitSet, type PairModel, type PairModelFactory } from './model.ts';
import type { PairTable } from './table.ts';

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
  /** How groups are dealt to folds (folds.ts). Default 'random'. */
  assignment?: FoldAssignment;
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
): Promise<{ probabilities: Float32Array; foldOfRow: Int32Array; slots: number; crossFoldShare: number }> {
  const folds = options.folds ?? 3;
  // With two folds the cross slot {0, 1} would leave nothing to fit on.
  if (!(Number.isInteger(folds) && folds >= 3)) throw new Error(`crossFitPredict: needs at least 3 folds, got ${folds}`);
  const seed = options.seed ?? 42;
  const foldOfRow =
    options.assignment === 'candidates' ? candidateFolds(rowLabels, pairs, folds, seed) : groupFolds(rowLabels, folds, seed);
  const slots = crossFitSlots(pairs, foldOfRow);
  const probabilities = new Float32Array(pairs.left.length);
  for (const [s, slot] of slots.entries()) {
    if (slot.scoredPairs.length === 0) continue;
    const model = factory();
    const fit = sampleFitSet(pairLabels, { negativeRate: options.negativeRate ?? 1, seed: seed + s, rows: slot.fitPairs });
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
  return { probabilities, foldOfRow, slots: slots.length, crossFoldShare: crossFoldShare(pairs, foldOfRow) };
}
