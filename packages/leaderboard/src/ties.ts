// "Tied with the best": per dataset and protocol, the best row that has a predictions file is compared,
// paired, with every other row made on the same postings; a row whose difference's 95% interval includes
// zero is not shown to be worse. Rows without predictions files (git-ignored, so absent on a fresh
// checkout) are left unmarked.
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PredictionsFileError, writeFileAtomic } from '@prodmatch/results';
import { rowLabel } from './read-rows.ts';
import { comparePaired, CompareError, pairingProblem, predictionsPathOf, rowScores, type RowScores } from './paired.ts';
import type { ResultRow } from '@prodmatch/results';

/** A row against the best row of its dataset and protocol. */
export type VersusBest = { best: true } | { best: false; vs: string; difference: number; low: number; high: number; tied: boolean };

/** Paired bootstraps of every row against its best take seconds; their results are kept here, keyed by both predictions files. */
const CACHE_FILE = join('.cache', 'versus-best.json');

interface VersusCache {
  version: 1;
  entries: Record<string, { key: string; versus: VersusBest }>;
}

async function readVersusCache(resultsDir: string): Promise<VersusCache> {
  try {
    const cache = JSON.parse(await readFile(join(resultsDir, CACHE_FILE), 'utf8')) as VersusCache;
    if (cache.version === 1 && typeof cache.entries === 'object') return cache;
  } catch {
    // absent or unreadable: every comparison is made again
  }
  return { version: 1, entries: {} };
}

/** A predictions file's identity for the cache: its size and modification time (rowScores keys its cache the same way). */
async function fileKey(resultsDir: string, row: ResultRow): Promise<string> {
  const stats = await stat(predictionsPathOf(resultsDir, row));
  return `${rowLabel(row)}:${stats.size}:${stats.mtimeMs}`;
}

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
  const cache = await readVersusCache(resultsDir);
  const kept: VersusCache = { version: 1, entries: {} };
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const [best, ...others] = [...group].sort((x, y) => y.f1.test - x.f1.test);
    const candidates = others.filter((row) => pairingProblem(row, best) === null);
    if (candidates.length === 0) continue;
    const bestKey = await fileKey(resultsDir, best);
    let bestScores: RowScores | null | undefined;
    for (const row of candidates) {
      const entryName = `${row.dataset.name}/${rowLabel(row)}`;
      const key = `${bestKey}|${await fileKey(resultsDir, row)}`;
      const hit = cache.entries[entryName];
      if (hit?.key === key) {
        out.set(best, { best: true });
        out.set(row, hit.versus);
        kept.entries[entryName] = hit;
        continue;
      }
      if (bestScores === undefined) {
        bestScores = await scores(best);
        if (bestScores) out.set(best, { best: true });
      }
      if (!bestScores) break;
      const rowScore = await scores(row);
      if (!rowScore) continue;
      try {
        const { paired } = comparePaired(rowScore, bestScores);
        const versus: VersusBest = {
          best: false,
          vs: bestScores.label,
          difference: paired.difference,
          low: paired.low,
          high: paired.high,
          tied: paired.low <= 0 && paired.high >= 0,
        };
        out.set(row, versus);
        kept.entries[entryName] = { key, versus };
      } catch (error) {
        if (!(error instanceof CompareError)) throw error;
      }
    }
  }
  if (JSON.stringify(kept) !== JSON.stringify(cache)) await writeFileAtomic(join(resultsDir, CACHE_FILE), JSON.stringify(kept));
  return out;
}
