// Property test of the postings CSV loader: seeded random files that a spreadsheet, Python's csv module
// or pandas could write load to exactly the rows written; seeded random damage to those files fails with
// one DataError line naming the file, never a JavaScript exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, readPostingsCsv, type Posting } from './csv.ts';
import { seededRandom } from './random.ts';

const SEED = 20261201;
const FILES = 250;
const HEADER = ['posting_id', 'image', 'image_phash', 'title', 'label_group'];

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)];
const int = (random: Random, lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));

// Title pieces: words, separators CSV must quote, and Unicode (accents, CJK, emoji = surrogate pairs).
const PIECES = [
  'kopi',
  'Sabun',
  'tas',
  '500ml',
  'promo!',
  ',',
  '"',
  ', "',
  '\n',
  '\r\n',
  'é',
  'Ñandú',
  '中文标题',
  'ไทย',
  '😀',
  '👍🏽',
  '—',
  ' ',
  '  ',
  '\t',
  "'",
  ';',
  '#',
  '=',
];

function randomTitle(random: Random): string {
  const long = random() < 0.05;
  const count = long ? int(random, 2000, 20000) : int(random, 1, 12);
  const parts: string[] = [];
  for (let i = 0; i < count; i++) parts.push(pick(random, PIECES));
  // The loader trims fields, so the written title starts and ends with a word.
  return `${pick(random, PIECES.slice(0, 5))}${parts.join('')}${pick(random, PIECES.slice(0, 5))}`;
}

const hex = (random: Random, digits: number): string =>
  Array.from({ length: digits }, () => '0123456789abcdef'[int(random, 0, 15)]).join('');

interface Written {
  bytes: Buffer;
  postings: Posting[];
  /** Byte offset where each data row starts, its last field starts, and its last field ends. */
  rows: { start: number; labelStart: number; labelEnd: number; labelQuoted: boolean }[];
}

function quote(random: Random, field: string): { text: string; quoted: boolean } {
  const must = /[",\r\n]/.test(field);
  if (!must && random() >= 0.3) return { text: field, quoted: false };
  return { text: `"${field.replace(/"/g, '""')}"`, quoted: true };
}

/** A valid file: BOM or not, CRLF or LF, optional quoting, optional final line break. */
function writeValid(random: Random): Written {
  const eol = random() < 0.5 ? '\r\n' : '\n';
  const bom = random() < 0.3 ? '\uFEFF' : '';
  const count = int(random, 1, 15);
  const postings: Posting[] = [];
  let text = bom + HEADER.join(',') + eol;
  const rows: Written['rows'] = [];
  for (let r = 0; r < count; r++) {
    const phash = hex(random, 16);
    const posting = {
      postingId: `train_${r}_${hex(random, 6)}`,
      image: `${hex(random, 12)}.jpg`,
      imagePhash: phash,
      title: randomTitle(random),
      labelGroup: String(int(random, 1, 1e9)),
    } satisfies Posting;
    postings.push(posting);
    const fields = [posting.postingId, posting.image, random() < 0.2 ? phash.toUpperCase() : phash, posting.title, posting.labelGroup].map(
      (f) => quote(random, f),
    );
    const head = `${fields
      .slice(0, 4)
      .map((f) => f.text)
      .join(',')},`;
    const start = Buffer.byteLength(text);
    const labelStart = start + Buffer.byteLength(head);
    const labelEnd = labelStart + Buffer.byteLength(fields[4].text);
    rows.push({ start, labelStart, labelEnd, labelQuoted: fields[4].quoted });
    text += head + fields[4].text + (r < count - 1 || random() < 0.8 ? eol : '');
  }
  return { bytes: Buffer.from(text, 'utf8'), postings, rows };
}

function expectDataError(path: string, load: () => unknown, what: string): void {
  assert.throws(load, (error: Error) => {
    assert.ok(error instanceof DataError, `${what}: ${error.name}: ${error.message}`);
    assert.ok(error.message.startsWith(path), `${what}: message names the file: ${error.message}`);
    assert.ok(!/[\r\n]/.test(error.message), `${what}: one line: ${JSON.stringify(error.message)}`);
    return true;
  });
}

/** Loads, or fails with a proper DataError; never any other exception. */
function loadOrDataError(path: string, what: string): Posting[] | null {
  try {
    return readPostingsCsv(path, { requireLabels: true }).postings;
  } catch (error) {
    assert.ok(error instanceof DataError, `${what}: ${(error as Error).name}: ${(error as Error).message}`);
    assert.ok(error.message.startsWith(path) && !/[\r\n]/.test(error.message), `${what}: ${JSON.stringify(error.message)}`);
    return null;
  }
}

test('random valid CSVs load to exactly the rows written', () => {
  const random = seededRandom(SEED);
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-csv-prop-'));
  try {
    for (let f = 0; f < FILES; f++) {
      const written = writeValid(random);
      const path = join(dir, `valid-${f}.csv`);
      writeFileSync(path, written.bytes);
      const loaded = readPostingsCsv(path, { requireLabels: true });
      assert.deepEqual(
        loaded.postings,
        written.postings.map((p) => ({ ...p, title: p.title.trim() })),
        `file ${f}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('random damage to valid CSVs fails with one DataError line, never a JavaScript exception', () => {
  const random = seededRandom(SEED + 1);
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-csv-prop-'));
  const seen = { truncation: 0, missingField: 0, unbalancedQuote: 0, binaryNoise: 0 };
  try {
    for (let f = 0; f < FILES; f++) {
      const written = writeValid(random);
      const path = join(dir, `damaged-${f}.csv`);
      const kind = pick(random, Object.keys(seen) as (keyof typeof seen)[]);
      seen[kind]++;
      const r = int(random, 0, written.rows.length - 1);
      const row = written.rows[r];
      const rowEnd = r + 1 < written.rows.length ? written.rows[r + 1].start : written.bytes.length;
      const what = `file ${f} (${kind}, row ${r + 1})`;
      if (kind === 'truncation') {
        // Cut anywhere inside row r (byte-wise, so a multi-byte character may be split).
        const cut = int(random, row.start + 1, rowEnd);
        writeFileSync(path, written.bytes.subarray(0, cut));
        const loaded = loadOrDataError(path, what);
        // A cut before the last field's value leaves the row short; a cut inside a quoted last field leaves
        // a quote open. Only a cut inside an unquoted label (or its line break) is invisible to a loader.
        const mustFail = cut <= row.labelStart || (row.labelQuoted && cut < row.labelEnd);
        if (mustFail) assert.equal(loaded, null, `${what}: cut at byte ${cut} loaded ${loaded?.length} rows`);
        else if (loaded)
          assert.deepEqual(
            loaded.slice(0, r).map((p) => p.postingId),
            written.postings.slice(0, r).map((p) => p.postingId),
            what,
          );
        continue;
      }
      let damaged: Buffer;
      if (kind === 'missingField') {
        // Drop one whole field of row r: re-serialise that row with four of its five values.
        const drop = int(random, 0, 4);
        const p = written.postings[r];
        const values = [p.postingId, p.image, p.imagePhash, p.title, p.labelGroup ?? ''].filter((_, i) => i !== drop);
        const line = values.map((v) => `"${v.replace(/"/g, '""')}"`).join(',');
        const end = written.bytes.subarray(row.labelEnd, rowEnd);
        damaged = Buffer.concat([written.bytes.subarray(0, row.start), Buffer.from(line), end, written.bytes.subarray(rowEnd)]);
      } else if (kind === 'unbalancedQuote') {
        // A quote opening a field that was never meant to be quoted: at the start of row r's first field.
        damaged = Buffer.concat([written.bytes.subarray(0, row.start), Buffer.from('"'), written.bytes.subarray(row.start)]);
      } else {
        // Bytes that are not text: a NUL or a byte that cannot start a UTF-8 sequence, among random bytes.
        const noise = Buffer.from(Array.from({ length: int(random, 1, 16) }, () => int(random, 0, 255)));
        noise[int(random, 0, noise.length - 1)] = pick(random, [0x00, 0x01, 0x1b, 0xff, 0xfe, 0xc0]);
        const at = int(random, row.start, rowEnd);
        damaged = Buffer.concat([written.bytes.subarray(0, at), noise, written.bytes.subarray(at)]);
      }
      writeFileSync(path, damaged);
      expectDataError(path, () => readPostingsCsv(path, { requireLabels: true }), what);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Every kind of damage was drawn often enough to mean something.
  for (const [kind, count] of Object.entries(seen)) assert.ok(count >= 40, `${kind}: ${count}`);
});
