import { permutedTable, type PairModel } from './model.ts';
import type { PairTable } from './table.ts';

export interface GroupImportance {
  group: string;
  features: string[];
  /** Score with the group's columns permuted (same permutation for all of them), per repeat. */
  permuted: number[];
  /** Unpermuted score minus the mean permuted score: what the model loses without the group. */
  drop: number;
}

/**
 * Permutation importance of feature groups on one gallery: each group's columns are shuffled together
 * across pairs (breaking their link to the label and to the other features, keeping their joint
 * distribution), the model predicts again and `evaluate` (for example F1 at the chosen rule and cut)
 * scores the result. Groups that the model leans on drop the score most.
 */
export async function permutationImportance(
  model: PairModel,
  table: PairTable,
  groups: ReadonlyMap<string, readonly number[]>,
  evaluate: (probabilities: Float32Array) => number,
  options: { repeats?: number; seed?: number } = {},
): Promise<{ base: number; groups: GroupImportance[] }> {
  const repeats = options.repeats ?? 1;
  const seed = options.seed ?? 1;
  const base = evaluate(await model.predict(table));
  const out: GroupImportance[] = [];
  let g = 0;
  for (const [group, columns] of groups) {
    const permuted: number[] = [];
    for (let r = 0; r < repeats; r++) permuted.push(evaluate(await model.predict(permutedTable(table, columns, seed + 1000 * g + r))));
    out.push({
      group,
      features: columns.map((c) => table.features[c].name),
      permuted,
      drop: base - permuted.reduce((a, b) => a + b, 0) / repeats,
    });
    g++;
  }
  return { base, groups: out.sort((a, b) => b.drop - a.drop) };
}
