// Writing a result row (results/<dataset>/<experiment>[@variant].json): the runner's last step.
import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { writeFileAtomic } from './atomic.ts';
import type { ResultRow } from './row.ts';

/**
 * Fields that change on every run of the same computation (how long it took, when, at which commit, from
 * which command line). Two rows that agree on everything else record the same result.
 */
export const RUN_ONLY_FIELDS = ['timings', 'finishedAt', 'gitCommit', 'command'] as const satisfies readonly (keyof ResultRow)[];

/** The row (parsed JSON or a ResultRow) without the fields that differ on every run of the same computation. */
function outcome(row: object): Record<string, unknown> {
  const rest: Record<string, unknown> = JSON.parse(JSON.stringify(row));
  for (const field of RUN_ONLY_FIELDS) delete rest[field];
  return rest;
}

/**
 * Writes a result row atomically, unless the file already holds a row with the same outcome (everything
 * but RUN_ONLY_FIELDS). Committed rows are turbo task outputs, and turbo (2.11) hashes a task's committed
 * outputs as inputs: rewriting an unchanged result with new timings would change the task's hash and make
 * every re-run a cache miss. Returns whether the file was written; a failed write throws WriteFileError.
 */
export async function writeResultRow(path: string, row: ResultRow): Promise<boolean> {
  let existing: unknown = null;
  try {
    existing = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    // No row yet, or an unreadable one: write the new row.
  }
  if (existing && typeof existing === 'object' && isDeepStrictEqual(outcome(existing), outcome(row))) return false;
  await writeFileAtomic(path, `${JSON.stringify(row, null, 2)}\n`);
  return true;
}
