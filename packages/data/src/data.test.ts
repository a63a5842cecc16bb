import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeByteEscapes } from './escapes.ts';
import { readPostingsCsv } from './csv.ts';
import { loadDataset, assertImagesPresent } from './dataset.ts';
import { groupSplit } from './split.ts';

const REAL = new URL('../../../../shared/datasets/shopee/', import.meta.url).pathname;
const HEADER = 'posting_id,image,image_phash,title,label_group';

function csvFile(body: string, name = 'train.csv'): string {
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-data-'));
  writeFileSync(join(dir, name), body);
  return join(dir, name);
}

test('byte escapes from the real export decode as UTF-8', () => {
  assert.equal(decodeByteEscapes('Nescafe \\xc3\\x89clair Latte 220ml'), 'Nescafe Éclair Latte 220ml');
  assert.equal(decodeByteEscapes('SALE \\xe2\\x80\\x9cH-108\\xe2\\x80\\x9d sepatu'), 'SALE “H-108” sepatu');
  assert.equal(decodeByteEscapes('no escapes here'), 'no escapes here');
  assert.equal(decodeByteEscapes('broken \\xff end'), 'broken \ufffd end');
});

test('the real train.csv loads whole, with decoded titles', () => {
  const dataset = loadDataset(REAL);
  assert.equal(dataset.identity.rows, 27402);
  assert.equal(dataset.identity.groups, 8858);
  assert.equal(dataset.identity.kind, 'real');
  assert.equal(dataset.identity.name, 'shopee');
  assert.match(dataset.identity.sha256, /^[0-9a-f]{64}$/);
  assert.ok(dataset.train.postings.every((p) => !p.title.includes('\\x')));
  assert.ok(dataset.test && dataset.test.postings.length === 3 && dataset.test.postings[0].labelGroup === null);
});

test('bad CSVs fail with one line naming file and row', () => {
  const cases: [string, RegExp][] = [
    [`posting_id,image,title,label_group\na,a.jpg,t,1\n`, /missing column\(s\) image_phash/],
    [`posting_id,image,image_phash,title\na,a.jpg,94974f937d4c2433,t\n`, /missing column\(s\) label_group/],
    [
      `${HEADER}\na,a.jpg,94974f937d4c2433,t,1\na,b.jpg,94974f937d4c2433,u,1\n`,
      /row 2 \(posting_id "a"\): duplicate posting_id, first seen on row 1/,
    ],
    [`${HEADER}\na,a.jpg,94974f937d4c2433,  ,1\n`, /:2: row 1 \(posting_id "a"\): column title is empty/],
    // Python's csv module and most exporters write an empty field unquoted; both spellings get the same error.
    [`${HEADER}\na,a.jpg,94974f937d4c2433,,1\n`, /:2: row 1 \(posting_id "a"\): column title is empty/],
    [`${HEADER}\na,a.jpg,94974f937d4c2433,"",1\n`, /:2: row 1 \(posting_id "a"\): column title is empty/],
    [`${HEADER}\na,a.jpg,94974f937d4c2433,t,\n`, /:2: row 1 \(posting_id "a"\): column label_group is empty/],
    [`${HEADER}\na,a.jpg,94974f937d4c2433,t,""\n`, /:2: row 1 \(posting_id "a"\): column label_group is empty/],
    [`${HEADER}\n,a.jpg,94974f937d4c2433,t,1\n`, /:2: row 1: column posting_id is empty/],
    [`${HEADER}\na,,94974f937d4c2433,t,1\n`, /:2: row 1 \(posting_id "a"\): column image is empty/],
    [`${HEADER}\na,../a.jpg,94974f937d4c2433,t,1\n`, /image "\.\.\/a\.jpg" is not a plain file name/],
    // An unquoted comma in a title shifts every later field: the label would silently become title text.
    [
      `${HEADER}\na,a.jpg,94974f937d4c2433,Kopi, susu,1\n`,
      /:2: row 1 has 6 fields but the header has 5; quote any field that contains a comma/,
    ],
    [`${HEADER}\na,a.jpg,94974f937d4c2433,"Kopi" susu,1\n`, /:2: malformed CSV, text after the closing quote/],
    [`${HEADER}\na,a.jpg,94974f937d4c2433,t,1\n\nb,b.jpg,94974f937d4c2433,u,1\n`, /:3: empty line between rows/],
    [`${HEADER},title\na,a.jpg,94974f937d4c2433,t,1,u\n`, /column "title" appears twice in the header/],
    [`${HEADER}\na,a.jpg,94974f937d4c2433,t\u0000,1\n`, /:2: control character U\+0000/],
    [`${HEADER}\na,a.jpg,94974f937d4c2433,t\n`, /:2: row 1 has too few fields \(no value for label_group\)/],
    [
      `${HEADER}\na,a.jpg,94974f937d4c2433,"open title,1\nb,b.jpg,94974f937d4c2433,t,2\n`,
      /train\.csv:2: malformed CSV, a quoted field is never closed/,
    ],
    [`${HEADER}\na,a.jpg,zz,t,1\n`, /image_phash "zz" is not 16 hex digits/],
    [``, /file is empty/],
    [`${HEADER}\n`, /no data rows/],
  ];
  for (const [body, pattern] of cases) {
    const path = csvFile(body);
    assert.throws(
      () => readPostingsCsv(path, { requireLabels: true }),
      (error: Error) => {
        assert.match(error.message, pattern);
        assert.ok(error.message.startsWith(path), `message names the file: ${error.message}`);
        assert.ok(!error.message.includes('\n'), 'one line');
        return true;
      },
    );
  }
});

test('a spreadsheet "CSV UTF-8" export (byte-order mark, CRLF, uppercase hex, trailing empty lines) loads', () => {
  const path = csvFile(`\uFEFF${HEADER}\r\na,a.jpg,94974F937D4C2433,"Kopi, ""susu""\r\n1kg",1\r\nb,b.jpg,94974f937d4c2433,teh,2\r\n\r\n`);
  const file = readPostingsCsv(path, { requireLabels: true });
  assert.deepEqual(file.postings, [
    { postingId: 'a', image: 'a.jpg', imagePhash: '94974f937d4c2433', title: 'Kopi, "susu"\r\n1kg', labelGroup: '1' },
    { postingId: 'b', image: 'b.jpg', imagePhash: '94974f937d4c2433', title: 'teh', labelGroup: '2' },
  ]);
});

test('a file that is not UTF-8 text fails on the line that is not', () => {
  const path = csvFile('');
  writeFileSync(
    path,
    Buffer.concat([
      Buffer.from(`${HEADER}\na,a.jpg,94974f937d4c2433,kopi,1\nb,b.jpg,94974f937d4c2433,caf`),
      Buffer.from([0xe9]),
      Buffer.from(',1\n'),
    ]),
  );
  assert.throws(
    () => readPostingsCsv(path, { requireLabels: true }),
    (error: Error) =>
      error.name === 'DataError' &&
      error.message === `${path}:3: not UTF-8 text (binary data or another encoding); save the file as CSV UTF-8`,
  );
});

test('a folder without images fails with the count and where it looked', () => {
  const path = csvFile(`${HEADER}\na,a.jpg,94974f937d4c2433,t,1\nb,b.jpg,94974f937d4c2433,u,1\nc,c.jpg,94974f937d4c2433,v,2\n`);
  const dataset = loadDataset(join(path, '..'));
  assert.throws(
    () => assertImagesPresent(dataset.trainImagesDir, dataset.train.postings),
    /train_images: 3 of 3 images are missing \(first: a\.jpg\)/,
  );
  mkdirSync(dataset.trainImagesDir);
  writeFileSync(join(dataset.trainImagesDir, 'a.jpg'), '');
  assert.throws(() => assertImagesPresent(dataset.trainImagesDir, dataset.train.postings), /2 of 3 images are missing \(first: b\.jpg\)/);
  assert.throws(() => loadDataset(join(path, 'nope')), /no such folder/);
  const file = csvFile(`${HEADER}\na,a.jpg,94974f937d4c2433,t,1\n`);
  writeFileSync(join(file, '..', 'train_images'), 'not a folder');
  const single = loadDataset(join(file, '..'));
  assert.throws(() => assertImagesPresent(single.trainImagesDir, single.train.postings), /train_images: is a file, not a folder/);
  assert.throws(
    () => groupSplit(single.train.postings, 1),
    (error: Error) => error.name === 'DataError' && /needs at least 3 label groups, the data has 1; .*--protocol full/.test(error.message),
  );
  assert.ok(!existsSync(join(path, '..', 'results')));
});

test('group split: deterministic, disjoint by group, order-independent', () => {
  const postings = loadDataset(REAL).train.postings;
  const a = groupSplit(postings, 7);
  const b = groupSplit(postings, 7);
  assert.deepEqual(a, b);
  const c = groupSplit(postings, 8);
  assert.notDeepEqual(a.test, c.test);
  const part = new Map<string, string>();
  for (const name of ['train', 'val', 'test'] as const) {
    for (const i of a[name]) {
      const g = postings[i].labelGroup as string;
      assert.ok((part.get(g) ?? name) === name, `group ${g} in two parts`);
      part.set(g, name);
    }
  }
  assert.equal(a.train.length + a.val.length + a.test.length, postings.length);
  const groupsIn = (rows: number[]) => new Set(rows.map((i) => postings[i].labelGroup)).size;
  assert.ok(Math.abs(groupsIn(a.val) / 8858 - 0.2) < 0.01);
  // Shuffling the rows must not change which groups land where.
  const reversed = [...postings].reverse();
  const r = groupSplit(reversed, 7);
  const groupsOf = (rows: number[], ps: typeof postings) => new Set(rows.map((i) => ps[i].labelGroup));
  assert.deepEqual(groupsOf(r.test, reversed), groupsOf(a.test, postings));
});
