import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expectFailedWrite } from './faults.ts';
import {
  predictionsPathFor,
  readPredictions,
  streamPredictions,
  writePredictions,
  type PredictionRow,
  type PredictionsHeader,
} from './predictions.ts';

const header = (rows: number): PredictionsHeader => ({
  format: 'prodmatch-predictions',
  version: 1,
  experiment: 'mini',
  rowName: 'mini@full',
  dataset: { name: 'mini', sha256: 'ab' },
  protocol: 'full',
  gallery: 'all rows',
  rows,
  lists: [
    { name: 'text', unit: 'cosine distance', source: true, threshold: 0.4, minMatches: 1, grid: [0.2, 0.4, 0.6] },
    { name: 'phash', unit: 'Hamming bits', source: true, threshold: 6, minMatches: 1, grid: [2, 6, 10] },
  ],
  combiner: { name: 'union', params: {} },
  recomputable: true,
  minMatches: 2,
  cap: 50,
});

test('predictions round trip: header, rows in order, distances to six significant digits', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-pred-'));
  const path = predictionsPathFor(join(dir, 'mini@full.json'));
  assert.equal(path, join(dir, 'mini@full.predictions.jsonl.gz'));
  const rows: PredictionRow[] = Array.from({ length: 3000 }, (_, i) => ({
    postingId: `p${i}`,
    labelGroup: i % 7 === 0 ? null : `g${i % 100}`,
    neighbours: {
      text: [
        [i, (i + 1) % 3000],
        [0, Math.fround(0.123456789 + i / 1e5)],
      ],
      phash: [[i], [0]],
    },
    matches: [i, (i + 1) % 3000],
  }));
  await writePredictions(path, header(rows.length), rows);
  assert.deepEqual(readdirSync(dir), ['mini@full.predictions.jsonl.gz'], 'no temp file is left behind');
  const back = await readPredictions(path);
  assert.deepEqual(back.header, header(rows.length));
  assert.equal(back.rows.length, rows.length);
  back.rows.forEach((row, i) => {
    assert.equal(row.postingId, rows[i].postingId);
    assert.equal(row.labelGroup, rows[i].labelGroup);
    assert.deepEqual(row.matches, rows[i].matches);
    assert.deepEqual(row.neighbours.text[0], rows[i].neighbours.text[0]);
    assert.ok(Math.abs(row.neighbours.text[1][1] - rows[i].neighbours.text[1][1]) < 1e-6);
  });
  // Streaming yields the header first and never needs the whole file.
  let seen = 0;
  for await (const item of streamPredictions(path))
    if (seen++ === 0) assert.equal((item as PredictionsHeader).format, 'prodmatch-predictions');
  assert.equal(seen, rows.length + 1);
});

test('truncated, foreign and missing predictions files get one-line errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-pred-'));
  const short = join(dir, 'short.predictions.jsonl.gz');
  writeFileSync(
    short,
    gzipSync(`${JSON.stringify(header(5))}\n${JSON.stringify({ postingId: 'a', labelGroup: null, neighbours: {}, matches: [0] })}\n`),
  );
  await assert.rejects(readPredictions(short), /header says 5 rows, file has 1/);
  const cut = join(dir, 'cut.predictions.jsonl.gz');
  writeFileSync(cut, gzipSync(`${JSON.stringify(header(1))}\n{"postingId":`));
  await assert.rejects(readPredictions(cut), /line 2 is not JSON/);
  const foreign = join(dir, 'foreign.predictions.jsonl.gz');
  writeFileSync(foreign, gzipSync('{"hello":1}\n'));
  await assert.rejects(readPredictions(foreign), /not a prodmatch predictions file/);
  const notGzip = join(dir, 'plain.predictions.jsonl.gz');
  writeFileSync(notGzip, 'plain text');
  await assert.rejects(readPredictions(notGzip), (e: Error) => /unreadable predictions file/.test(e.message) && !e.message.includes('\n'));
  await assert.rejects(readPredictions(join(dir, 'none.predictions.jsonl.gz')), /no predictions file; run the experiment/);
});

test('a predictions file whose write fails part-way (a stream of many chunks, or its rename) leaves the previous file byte for byte, no temp file, and a one-line error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-pred-'));
  const path = predictionsPathFor(join(dir, 'mini@full.json'));
  // Random distances do not compress: the gzip stream reaches the file in many chunks, and the second fails.
  const rows = (n: number, seed: number): PredictionRow[] =>
    Array.from({ length: n }, (_, i) => ({
      postingId: `p${i}`,
      labelGroup: `g${i % 50}`,
      neighbours: {
        text: [
          [i, (i * seed) % n],
          [0, Math.sin(i * seed) ** 2],
        ],
        phash: [[i], [0]],
      },
      matches: [i],
    }));
  await writePredictions(path, header(3000), rows(3000, 7));
  for (const fault of [{ code: 'ENOSPC' }, { code: 'EIO' }, { code: 'EIO', at: 'rename' }] as const) {
    const error = await expectFailedWrite(path, () => writePredictions(path, header(4000), rows(4000, 11)), fault);
    assert.match(error.message, /mini@full\.predictions\.jsonl\.gz/);
  }
  assert.equal((await readPredictions(path)).rows.length, 3000, 'the previous file still reads whole');
});

test('an error of the rows being written (not of the disk) is passed on as it is, and leaves no temp file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-pred-'));
  const path = predictionsPathFor(join(dir, 'mini.json'));
  function* failing(): Generator<PredictionRow> {
    yield { postingId: 'a', labelGroup: null, neighbours: {}, matches: [0] };
    throw new RangeError('row 2 could not be made');
  }
  await assert.rejects(writePredictions(path, header(2), failing()), /^RangeError: row 2 could not be made$/);
  assert.deepEqual(readdirSync(dir), []);
});
