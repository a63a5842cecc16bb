import { readFileSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
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
/** "Save as CSV UTF-8" in spreadsheet programs starts the file with a byte-order mark. */
const BOM = '\uFEFF';

export class DataError extends Error {
  override name = 'DataError';
}

/** 1-based line of the first character of `offset`, for pointing at malformed input. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Bytes that are not UTF-8 text (binary noise, a Latin-1 export) would decode to U+FFFD silently. */
function checkUtf8(path: string, bytes: Buffer): void {
  if (isUtf8(bytes)) return;
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 10) continue;
    if (!isUtf8(bytes.subarray(start, i))) break;
    line++;
    start = i + 1;
  }
  throw new DataError(`${path}:${line}: not UTF-8 text (binary data or another encoding); save the file as CSV UTF-8`);
}

/** One record of the file as the scanner saw it: where it starts and how many fields it has. */
interface CsvRecord {
  line: number;
  fields: number;
  /** An empty line (no characters at all between line breaks). */
  blank: boolean;
}

/**
 * Walks the CSV structure (RFC 4180: quoted fields may hold commas, doubled quotes and line breaks) to
 * count fields per record and find the line of each record. arquero parses the values, but silently
 * drops fields beyond the header, merges a stray character after a closing quote into the next field and
 * swallows an unclosed quote into one giant field; those would load as wrong rows instead of failing.
 */
function scanRecords(path: string, text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const record: CsvRecord = { line, fields: 1, blank: false };
    let empty = true;
    for (;;) {
      if (text.charCodeAt(i) === 34) {
        const open = i;
        const openLine = line;
        i++;
        for (;;) {
          if (i >= n)
            throw new DataError(`${path}:${openLine}: malformed CSV, a quoted field is never closed; fix the quoting of that line`);
          const c = text.charCodeAt(i);
          if (c === 34) {
            if (text.charCodeAt(i + 1) === 34) i += 2;
            else break;
          } else {
            if (c === 10) line++;
            i++;
          }
        }
        i++; // the closing quote
        empty = false;
        const next = text.charCodeAt(i);
        if (i < n && next !== 44 && next !== 10 && next !== 13) {
          throw new DataError(
            `${path}:${line}: malformed CSV, text after the closing quote of a field that opens at line ${lineAt(text, open)}; a quote inside a quoted field must be doubled ("")`,
          );
        }
      } else {
        while (i < n) {
          const c = text.charCodeAt(i);
          if (c === 44 || c === 10 || c === 13) break;
          empty = false;
          i++;
        }
      }
      if (i >= n) break;
      const c = text.charCodeAt(i);
      if (c === 44) {
        empty = false;
        record.fields++;
        i++;
        continue;
      }
      // A line break: \r\n, \n or a lone \r.
      i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
      line++;
      break;
    }
    record.blank = empty;
    records.push(record);
  }
  return records;
}

/** Control characters other than tab and line breaks do not occur in text exports; they mean a damaged file. */
function checkControlCharacters(path: string, text: string): void {
  const match = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.exec(text);
  if (match) {
    const code = match[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase();
    throw new DataError(
      `${path}:${lineAt(text, match.index)}: control character U+${code} in the text; the file is damaged or not a CSV export`,
    );
  }
}

/** Header names as the user wrote them, with invisible characters made visible. */
const showHeader = (names: readonly string[]): string => JSON.stringify(names.join(','));

/**
 * Reads a Kaggle-layout postings CSV (train.csv or test.csv) and validates it: header, one value per
 * column on every row, unique posting_id, non-empty title and image, 16-hex-digit phash, and a
 * label_group on every row when the column exists. Every error names the file and row.
 */
export function readPostingsCsv(path: string, options: { requireLabels?: boolean } = {}): PostingsFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new DataError(
      `${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); check --data points at a Kaggle-layout folder`,
    );
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  checkUtf8(path, bytes);
  const raw = bytes.toString('utf8');
  const text = raw.startsWith(BOM) ? raw.slice(BOM.length) : raw;
  if (text.trim() === '') throw new DataError(`${path}: file is empty; expected a header ${[...REQUIRED, 'label_group'].join(',')}`);
  checkControlCharacters(path, text);
  const records = scanRecords(path, text);
  // Editors often leave empty lines at the end; an empty line between rows is a damaged export.
  let end = records.length;
  while (end > 1 && records[end - 1].blank) end--;
  const blank = records.findIndex((r, i) => i < end && r.blank);
  if (blank >= 0) throw new DataError(`${path}:${records[blank].line}: empty line between rows; remove it`);

  const table = aq.fromCSV(text, { autoType: false });
  const header = table.columnNames();
  const columns = header.map((c) => c.trim());
  const duplicate = columns.find((c, i) => columns.indexOf(c) !== i);
  if (duplicate !== undefined)
    throw new DataError(`${path}: column "${duplicate}" appears twice in the header ${showHeader(header)}; keep one`);
  const missing: string[] = REQUIRED.filter((c) => !columns.includes(c));
  const hasLabels = columns.includes('label_group');
  if (options.requireLabels && !hasLabels) missing.push('label_group');
  if (missing.length > 0) {
    throw new DataError(
      `${path}: missing column(s) ${missing.join(', ')} in header ${showHeader(header)}; expected posting_id,image,image_phash,title${options.requireLabels ? ',label_group' : ''}`,
    );
  }
  const wanted = hasLabels ? [...REQUIRED, 'label_group'] : [...REQUIRED];
  const values = wanted.map((c) => table.array(header[columns.indexOf(c)]) as (string | null | undefined)[]);
  const rows = end - 1;
  if (table.numRows() < rows)
    throw new DataError(`${path}: arquero read ${table.numRows()} rows where the file has ${rows}; check the quoting of the file`);
  for (let r = 1; r < end; r++) {
    const { line, fields } = records[r];
    if (fields < header.length) {
      throw new DataError(
        `${path}:${line}: row ${r} has too few fields (no value for ${header[fields]}); every row needs ${header.length} comma-separated values`,
      );
    }
    if (fields > header.length) {
      throw new DataError(
        `${path}:${line}: row ${r} has ${fields} fields but the header has ${header.length}; quote any field that contains a comma`,
      );
    }
  }
  const postings: Posting[] = new Array(rows);
  const seen = new Map<string, number>();
  for (let r = 0; r < rows; r++) {
    const row = r + 1; // data rows are numbered from 1 (the header is row 0)
    // arquero reads an empty field, quoted or not, as null.
    const [postingId, image, rawPhash, rawTitle, label] = values.map((v) => (v[r] ?? '').trim());
    const at = `${path}:${records[row].line}: row ${row}`;
    const where = `${at} (posting_id "${postingId}")`;
    if (postingId === '') throw new DataError(`${at}: column posting_id is empty; every posting needs a unique id`);
    const first = seen.get(postingId);
    if (first !== undefined) throw new DataError(`${where}: duplicate posting_id, first seen on row ${first}; posting ids must be unique`);
    seen.set(postingId, row);
    if (image === '') throw new DataError(`${where}: column image is empty; give the image file name`);
    if (image.includes('/') || image.includes('\\') || image === '.' || image === '..') {
      throw new DataError(`${where}: image "${image}" is not a plain file name; give the name of a file inside the images folder`);
    }
    // Hex is hex in either case; Kaggle's export is lowercase, some tools print uppercase.
    const imagePhash = rawPhash.toLowerCase();
    if (!PHASH.test(imagePhash)) throw new DataError(`${where}: image_phash "${rawPhash}" is not 16 hex digits`);
    const title = decodeByteEscapes(rawTitle);
    if (title.trim() === '') throw new DataError(`${where}: column title is empty; give every posting a title or remove the row`);
    if (hasLabels && label === '') throw new DataError(`${where}: column label_group is empty; every training posting needs its group`);
    postings[r] = { postingId, image, imagePhash, title, labelGroup: hasLabels ? label : null };
  }
  if (postings.length === 0) throw new DataError(`${path}: no data rows under the header`);
  return { path, postings, sha256, hasLabels };
}
