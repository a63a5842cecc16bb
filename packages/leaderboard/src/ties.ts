// "Tied with the best": per dataset and protocol, the best row that has a predictions file is compared,
// paired, with every other row made on the same postings; a row whose difference's 95% interval includes
// zero is not shown to be worse. Rows without predictions files (git-ignored, so absent on a fresh
// checkout) are left unmarked.
import { existsSync } from 'node:fs';
import { PredictionsFileError } from '@prodmatch/results';
import { comparePaired, CompareError, pairingProblem, predictionsPathOf, rowScores, type RowScores } from './paired.ts';
import type { ResultRow } from '@prodmatch/results';

/** A row against the best row of its dataset and protocol. */
export type VersusBest = { best: true } | { best: false; vs: string; difference: number; low: number; high: number; tied: boolean };

/** Keyed by row; rows that could not be paired (no predictions file, another seed) are absent. */
export async function compareWithBest(rows: readonly ResultRow[], resultsDir: string): Promise<Map<ResultRow, VersusBest>> {
  const out = new Map<ResultRow, VersusBest>();
  const groups = new Map<string, ResultRow[]>();
  for (const row of rows) {
    if (row.seeds || !existsSync(predictionsPathOf(resultsDir, row))) continue;
    const key = `${row.dataset.name}\u0000${row.protocol}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const scores = async (row: ResultRow): Promise<RowScores | null> => {
    try {
      return await rowScores(resultsDir, row);
    } catch (error) {
      if (error instanceof PredictionsFileError || error instanceof CompareError) return null;
      throw error;
    }
  };
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const [best, ...others] = [...group].sort((x, y) => y.f1.test - x.f1.test);
    const candidates = others.filter((row) => pairingProblem(row, best) === null);
    if (candidates.length === 0) continue;
    const bestScores = await scores(best);
    if (!bestScores) continue;
    out.set(best, { best: true });
    for (const row of candidates) {
      const rowScore = await scores(row);
      if (!rowScore) continue;
      try {
        const { paired } = comparePaired(rowScore, bestScores);
        out.set(row, {
          best: false,
          vs: bestScores.label,
          difference: paired.difference,
          low: paired.low,
          high: paired.high,
          tied: paired.low <= 0 && paired.high >= 0,
        });
      } catch (error) {
        if (!(error instanceof CompareError)) throw error;
      }
    }
  }
  return out;
}
