import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import * as aq from 'arquero';
import { decodeByteEscapes } from './escapes.ts';

export interface Posting {
  postingId: string;
  image: string;
  imagePhash: string;
  title: string;
  /** null for a test set, which has no label_group column. */
  labelGroup: string | null;
}

export interface PostingsFile {
  path: string;
  postings: Posting[];
  sha256: string;
  hasLabels: boolean;
}

const REQUIRED = ['posting_id', 'image', 'image_phash', 'title'] as const;
const PHASH = /^[0-9a-f]{16}$/;

export class DataError extends Error {
  override name = 'DataError';
}

/** 1-based line of the first character of `offset`, for pointing at malformed input. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** An odd number of quotes means a quoted field never closes, which arquero would silently swallow
 *  into one giant field; report where the unbalanced quote opens instead. */
function checkQuotes(path: string, text: string): void {
  let open = -1;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) !== 34) continue;
    if (open < 0) open = i;
    else if (text.charCodeAt(i + 1) === 34) i++;
    else open = -1;
  }
  if (open >= 0) {
    throw new DataError(`${path}:${lineAt(text, open)}: malformed CSV, a quoted field is never closed; fix the quoting of that line`);
  }
}

/**
 * Reads a Kaggle-layout postings CSV (train.csv or test.csv) and validates it: header, one value per
 * column on every row, unique posting_id, non-empty title and image, 16-hex-digit phash, and a
 * label_group on every row when the column exists. Every error names the file and row.
 */
export function readPostingsCsv(path: string, options: { requireLabels?: boolean } = {}): PostingsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DataError(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); check --data points at a Kaggle-layout folder`);
  }
  const sha256 = createHash('sha256').update(text).digest('hex');
  if (text.trim() === '') throw new DataError(`${path}: file is empty; expected a header ${[...REQUIRED, 'label_group'].join(',')}`);
  checkQuotes(path, text);
  const table = aq.fromCSV(text, { autoType: false });
  const columns = table.columnNames();
  const missing = REQUIRED.filter((c) => !columns.includes(c));
  const hasLabels = columns.includes('label_group');
  if (options.requireLabels && !hasLabels) missing.push('label_group' as never);
  if (missing.length > 0) {
    throw new DataError(`${path}: missing column(s) ${missing.join(', ')} in header "${columns.join(',')}"; expected posting_id,image,image_phash,title${options.requireLabels ? ',label_group' : ''}`);
  }
  const wanted = hasLabels ? [...REQUIRED, 'label_group'] : [...REQUIRED];
  const values = wanted.map((c) => table.array(c) as (string | undefined)[]);
  const postings: Posting[] = new Array(table.numRows());
  const seen = new Map<string, number>();
  for (let r = 0; r < postings.length; r++) {
    const row = r + 1; // data rows are numbered from 1 (the header is row 0)
    for (let c = 0; c < wanted.length; c++) {
      if (values[c][r] === undefined) {
        throw new DataError(`${path}: row ${row} has too few fields (no value for ${wanted[c]}); every row needs ${columns.length} comma-separated values`);
      }
    }
    const [postingId, image, imagePhash, rawTitle, label] = values.map((v) => (v[r] as string).trim());
    const where = `${path}: row ${row} (posting_id "${postingId}")`;
    if (postingId === '') throw new DataError(`${path}: row ${row}: empty posting_id; every posting needs a unique id`);
    const first = seen.get(postingId);
    if (first !== undefined) throw new DataError(`${where}: duplicate posting_id, first seen on row ${first}; posting ids must be unique`);
    seen.set(postingId, row);
    if (image === '') throw new DataError(`${where}: empty image file name`);
    if (!PHASH.test(imagePhash)) throw new DataError(`${where}: image_phash "${imagePhash}" is not 16 lowercase hex digits`);
    const title = decodeByteEscapes(rawTitle);
    if (title.trim() === '') throw new DataError(`${where}: empty title; give every posting a title or remove the row`);
    if (hasLabels && label === '') throw new DataError(`${where}: empty label_group; every training posting needs its group`);
    postings[r] = { postingId, image, imagePhash, title, labelGroup: hasLabels ? label : null };
  }
  if (postings.length === 0) throw new DataError(`${path}: no data rows under the header`);
  return { path, postings, sha256, hasLabels };
}
