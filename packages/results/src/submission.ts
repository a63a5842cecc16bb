// Kaggle's submission.csv for Shopee: `posting_id,matches`, matches space-separated posting ids.
import { MATCH_CAP } from '@prodmatch/metrics';
import { writeFileAtomic } from './atomic.ts';

export interface SubmissionRow {
  postingId: string;
  /** Matched posting ids, self included. */
  matches: readonly string[];
}

export class SubmissionError extends Error {}

/**
 * Every way a submission can be wrong that Kaggle would reject or mis-score: a test id missing or twice,
 * an id not in test.csv (as a row or as a match), a row without itself, more than 50 matches, a header
 * other than sample_submission.csv's. Throws a one-line SubmissionError naming the first problem.
 */
export function validateSubmission(
  rows: readonly SubmissionRow[],
  testIds: readonly string[],
  opts: { source: string; header?: string } = { source: 'submission' },
): void {
  const { source } = opts;
  if (opts.header !== undefined && opts.header.trim().replace(/^\uFEFF/, '') !== 'posting_id,matches') {
    throw new SubmissionError(
      `${source}: sample_submission.csv's header is "${opts.header.trim()}", expected "posting_id,matches"; check the dataset folder`,
    );
  }
  const known = new Set(testIds);
  const written = new Set<string>();
  rows.forEach((row, i) => {
    const where = `${source}: row ${i + 2} (posting_id "${row.postingId}")`;
    if (!known.has(row.postingId)) throw new SubmissionError(`${where} is not a posting of test.csv`);
    if (written.has(row.postingId)) throw new SubmissionError(`${where} appears twice; each test posting needs exactly one row`);
    written.add(row.postingId);
    if (row.matches.length > MATCH_CAP)
      throw new SubmissionError(`${where} has ${row.matches.length} matches; Kaggle scores at most ${MATCH_CAP}`);
    if (!row.matches.includes(row.postingId)) throw new SubmissionError(`${where} does not match itself; a posting always matches itself`);
    const unknown = row.matches.find((m) => !known.has(m));
    if (unknown !== undefined) throw new SubmissionError(`${where} matches "${unknown}", which is not a posting of test.csv`);
    if (new Set(row.matches).size !== row.matches.length) throw new SubmissionError(`${where} lists a match twice`);
  });
  const missing = testIds.find((id) => !written.has(id));
  if (missing !== undefined)
    throw new SubmissionError(
      `${source}: test posting "${missing}" has no row (${testIds.length - written.size} of ${testIds.length} missing)`,
    );
}

export function submissionCsv(rows: readonly SubmissionRow[]): string {
  // Posting ids are `train_<digits>`/`test_<digits>` on Kaggle: no commas or quotes to escape, checked anyway.
  for (const row of rows)
    for (const id of [row.postingId, ...row.matches])
      if (/[,"\s]/.test(id))
        throw new SubmissionError(`posting_id "${id}" contains a comma, quote or space, which submission.csv cannot hold`);
  return `${['posting_id,matches', ...rows.map((r) => `${r.postingId},${r.matches.join(' ')}`)].join('\n')}\n`;
}

/** Validates, then writes atomically: a submission file on disk is always a valid one (a failed write throws WriteFileError). */
export async function writeSubmission(
  path: string,
  rows: readonly SubmissionRow[],
  testIds: readonly string[],
  opts: { header?: string } = {},
): Promise<void> {
  validateSubmission(rows, testIds, { source: path, header: opts.header });
  await writeFileAtomic(path, submissionCsv(rows));
}
