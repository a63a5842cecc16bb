import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { matchesWithin, matchScores } from '@prodmatch/metrics';
import { predictionsPathFor, readPredictions, type PredictionRow } from '@prodmatch/results';
import { injectWriteFault } from '@prodmatch/results/testing';
import type { DatasetSummary, ExperimentDetail, GalleryScores, PostingCard, QueryDetail } from './api-types.ts';
import { startExplorer, type RunningExplorer } from './server.ts';
import { CLUSTERED, FIXTURE_DATASET, makeFixture, PAIRS_ROW, RECOMPUTABLE, WITHOUT_PREDICTIONS, type Fixture } from './test-fixture.ts';

let fixture: Fixture;
let server: RunningExplorer;
let rows: PredictionRow[];
/** A posting whose image file the test deletes: the page must show a placeholder and the API a 404. */
let imageless: string;

before(async () => {
  fixture = await makeFixture();
  imageless = fixture.postings[1].postingId;
  await rm(join(fixture.dataDir, 'train_images', fixture.postings[1].image));
  server = await startExplorer({ resultsDir: fixture.resultsDir, port: 0, cacheDir: join(fixture.root, 'cache') });
  rows = (await readPredictions(predictionsPathFor(join(fixture.resultsDir, FIXTURE_DATASET, `${RECOMPUTABLE}.json`)))).rows;
});

after(async () => {
  await server?.close();
  if (fixture) await rm(fixture.root, { recursive: true, force: true });
});

/** A raw GET: the path goes out exactly as written (fetch would normalise "..") */
function get(path: string, method = 'GET'): Promise<{ status: number; type: string; body: Buffer }> {
  const url = new URL(server.url);
  return new Promise((ok, fail) => {
    const req = request({ host: url.hostname, port: url.port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode!, type: String(res.headers['content-type']), body: Buffer.concat(chunks) }));
    });
    req.on('error', fail);
    req.end();
  });
}

async function getJson<T>(path: string): Promise<T> {
  const { status, body } = await get(path);
  assert.equal(status, 200, `${path}: ${body.toString()}`);
  return JSON.parse(body.toString()) as T;
}

const q = (params: Record<string, string>) => new URLSearchParams(params).toString();
const exp = (id: string, extra: Record<string, string> = {}) => q({ dataset: FIXTURE_DATASET, exp: id, ...extra });
const labels = () => fixture.postings.map((p) => p.labelGroup!);

describe('explorer API', () => {
  test('binds 127.0.0.1 by default and lists the datasets and experiments, marking one without predictions', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const [dataset] = await getJson<DatasetSummary[]>('/api/datasets');
    assert.equal(dataset.name, FIXTURE_DATASET);
    assert.equal(dataset.rows, fixture.postings.length);
    const byId = new Map(dataset.experiments.map((e) => [e.id, e]));
    assert.deepEqual([...byId.keys()].sort(), [CLUSTERED, RECOMPUTABLE, WITHOUT_PREDICTIONS].sort());
    assert.equal(byId.get(RECOMPUTABLE)!.unavailable, null);
    assert.match(byId.get(WITHOUT_PREDICTIONS)!.unavailable!, /no predictions file/);
  });

  test("an experiment's detail: its lists, slider stops, sweep chart, and the stored matches' F1 equal to the row's", async () => {
    const detail = await getJson<ExperimentDetail>(`/api/experiment?${exp(RECOMPUTABLE)}`);
    assert.equal(detail.recomputable, true);
    assert.deepEqual(
      detail.lists.map((l) => [l.name, l.source, l.threshold, l.range]),
      [
        ['title', true, 0.5, [0, 2]],
        ['phash', true, 4, [0, 64]],
      ],
    );
    assert.ok(detail.lists[0].stops.includes(0.5) && detail.lists[0].stops.length === 9);
    assert.ok(
      Math.abs(
        detail.storedF1 -
          matchScores(
            rows.map((r) => r.matches),
            labels(),
          ).f1,
      ) < 1e-12,
    );
    assert.ok(Math.abs(detail.storedF1 - detail.f1Test) < 1e-12);
    assert.match(JSON.stringify(detail.chart), /vega-lite/);
  });

  test('gallery scores at other thresholds equal matchScores over the shared rule applied to the file; worst rows are sorted and filtered', async () => {
    const at = { title: 0.3, phash: 8 };
    const expected = matchScores(
      rows.map((r, i) =>
        matchesWithin(
          i,
          [
            { indices: r.neighbours.title[0], distances: Float32Array.from(r.neighbours.title[1]), threshold: at.title },
            { indices: r.neighbours.phash[0], distances: Float32Array.from(r.neighbours.phash[1]), threshold: at.phash },
          ],
          { minMatches: 1, cap: 50 },
        ),
      ),
      labels(),
    );
    const scores = await getJson<GalleryScores>(`/api/gallery?${exp(RECOMPUTABLE, { 't.title': '0.3', 't.phash': '8', limit: '500' })}`);
    assert.ok(Math.abs(scores.f1 - expected.f1) < 1e-12, `${scores.f1} vs ${expected.f1}`);
    assert.ok(Math.abs(scores.precision - expected.precision) < 1e-12 && Math.abs(scores.recall - expected.recall) < 1e-12);
    assert.deepEqual(scores.thresholds, at);
    assert.ok(scores.worst.length > 0);
    for (let i = 1; i < scores.worst.length; i++) assert.ok(scores.worst[i - 1].f1 <= scores.worst[i].f1);
    const fp = await getJson<GalleryScores>(`/api/gallery?${exp(RECOMPUTABLE, { 't.title': '0.9', filter: 'fp' })}`);
    assert.ok(fp.worst.length > 0 && fp.worst.every((r) => r.falsePositives > r.falseNegatives));
    const fn = await getJson<GalleryScores>(`/api/gallery?${exp(RECOMPUTABLE, { 't.title': '0.1', 't.phash': '0', filter: 'fn' })}`);
    assert.ok(fn.worst.length > 0 && fn.worst.every((r) => r.falseNegatives > r.falsePositives));
    const stored = await getJson<GalleryScores>(`/api/gallery?${exp(RECOMPUTABLE)}`);
    assert.ok(
      Math.abs(
        stored.f1 -
          matchScores(
            rows.map((r) => r.matches),
            labels(),
          ).f1,
      ) < 1e-12,
      'the chosen thresholds reproduce the stored matches',
    );
  });

  test("a query: its stored matches, neighbour lists and label group's postings, as in the predictions file", async () => {
    const i = PAIRS_ROW;
    const query = await getJson<QueryDetail>(`/api/query?${exp(RECOMPUTABLE, { posting: rows[i].postingId })}`);
    assert.equal(query.posting.index, i);
    assert.deepEqual(query.storedMatches, rows[i].matches);
    assert.deepEqual(query.neighbours.title[0], rows[i].neighbours.title[0]);
    assert.deepEqual(
      query.truth,
      rows.flatMap((r, j) => (r.labelGroup === rows[i].labelGroup ? [j] : [])),
    );
    for (const j of [...query.storedMatches, ...query.truth]) assert.equal(query.postings[j].postingId, rows[j].postingId);
    assert.equal(query.postings[1].hasImage, false, 'the deleted image');
    assert.equal(query.postings[i].hasImage, true);
    assert.deepEqual(query.pairs, rows[i].pairs, "a learned matcher's pair reasons pass through");
    const other = await getJson<QueryDetail>(`/api/query?${exp(RECOMPUTABLE, { posting: rows[i + 1].postingId })}`);
    assert.deepEqual(other.pairs, {}, 'a row without reasons has none');
  });

  test('search finds postings by id and by all title words', async () => {
    const target = fixture.postings[7];
    const byId = await getJson<PostingCard[]>(`/api/search?${exp(RECOMPUTABLE, { q: target.postingId })}`);
    assert.equal(byId[0].postingId, target.postingId);
    const words = target.title.split(/\s+/).slice(0, 2).join(' ');
    const byTitle = await getJson<PostingCard[]>(`/api/search?${exp(RECOMPUTABLE, { q: words.toUpperCase() })}`);
    assert.ok(byTitle.some((p) => p.postingId === target.postingId));
    for (const p of byTitle)
      for (const w of words.toLowerCase().split(/\s+/)) assert.ok(p.title.toLowerCase().includes(w), `${p.title} lacks ${w}`);
    assert.deepEqual(await getJson<PostingCard[]>(`/api/search?${exp(RECOMPUTABLE, { q: 'zzqx-nothing-like-this' })}`), []);
  });

  test('thumbnails are JPEGs made by sharp, cached on disk; a posting without an image file gets a 404', async () => {
    const posting = fixture.postings[0].postingId;
    const first = await get(`/api/image?${q({ dataset: FIXTURE_DATASET, posting, size: 'thumb' })}`);
    assert.equal(first.status, 200);
    assert.equal(first.type, 'image/jpeg');
    const meta = await sharp(first.body).metadata();
    assert.equal(meta.format, 'jpeg');
    const cached = await readdir(join(fixture.root, 'cache', 'thumbnails'), { recursive: true });
    assert.ok(
      cached.some((f) => String(f).endsWith(`thumb-${fixture.postings[0].image}.jpg`)),
      cached.join(', '),
    );
    assert.deepEqual((await get(`/api/image?${q({ dataset: FIXTURE_DATASET, posting, size: 'thumb' })}`)).body, first.body);
    const missing = await get(`/api/image?${q({ dataset: FIXTURE_DATASET, posting: imageless })}`);
    assert.equal(missing.status, 404);
    assert.match(JSON.parse(missing.body.toString()).error, /has no image file/);
  });

  test('48 concurrent requests for one uncached thumbnail all get a 200 and the same bytes, and leave one cache file', async () => {
    const posting = fixture.postings[2];
    const path = `/api/image?${q({ dataset: FIXTURE_DATASET, posting: posting.postingId, size: 'large' })}`;
    const answers = await Promise.all(Array.from({ length: 48 }, () => get(path)));
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(48).fill(200),
      answers.find((a) => a.status !== 200)?.body.toString(),
    );
    for (const answer of answers) assert.ok(answer.body.equals(answers[0].body));
    const files = (await readdir(join(fixture.root, 'cache', 'thumbnails'), { recursive: true })).map(String);
    assert.equal(files.filter((f) => f.endsWith(`large-${posting.image}.jpg`)).length, 1);
    assert.deepEqual(
      files.filter((f) => f.endsWith('.tmp')),
      [],
    );
  });

  test('a thumbnail whose cache write fails part-way is still served; the log gets one line naming the file and what to do', async (t) => {
    const thumbnails = join(fixture.root, 'cache', 'thumbnails');
    const cachedBefore = new Map<string, Buffer>();
    for (const f of (await readdir(thumbnails, { recursive: true })).map(String))
      if (f.endsWith('.jpg')) cachedBefore.set(f, await readFile(join(thumbnails, f)));
    const logged = t.mock.method(console, 'error', () => undefined);
    const fault = injectWriteFault({ match: (file) => file.startsWith(thumbnails), code: 'ENOSPC' });
    const posting = fixture.postings[3];
    const path = `/api/image?${q({ dataset: FIXTURE_DATASET, posting: posting.postingId, size: 'thumb' })}`;
    let answers: Awaited<ReturnType<typeof get>>[];
    try {
      answers = await Promise.all([
        get(path),
        get(path),
        get(`/api/image?${q({ dataset: FIXTURE_DATASET, posting: fixture.postings[4].postingId })}`),
      ]);
    } finally {
      fault.restore();
      logged.mock.restore();
    }
    assert.deepEqual(
      answers.map((a) => [a.status, a.type]),
      Array(3).fill([200, 'image/jpeg']),
    );
    assert.equal((await sharp(answers[0].body).metadata()).format, 'jpeg');
    assert.equal(fault.failures, 2, 'one write per image, shared by the requests that asked at once');
    const lines = logged.mock.calls.map((call) => call.arguments.join(' '));
    assert.equal(lines.length, 1, lines.join('\n'));
    const [line] = lines;
    assert.ok(!line.includes('\n'), line);
    assert.ok(line.includes(`could not write ${thumbnails}/`) && /\/thumb-[^/ ]+\.jpg: /.test(line), `names the cache file: ${line}`);
    assert.match(line, /no space left on the device \(ENOSPC\); free some disk space, then try again/);
    const files = (await readdir(thumbnails, { recursive: true })).map(String);
    assert.deepEqual(
      files.filter((f) => f.endsWith('.tmp')),
      [],
      'no temp file left',
    );
    assert.ok(!files.some((f) => f.endsWith(`thumb-${posting.image}.jpg`)), 'no partial thumbnail in the cache');
    for (const [f, bytes] of cachedBefore) assert.ok(bytes.equals(await readFile(join(thumbnails, f))), `${f} is unchanged`);
    // The disk has room again: the next request caches the thumbnail.
    assert.ok((await get(path)).body.equals(answers[0].body));
    assert.ok((await readdir(thumbnails, { recursive: true })).map(String).some((f) => f.endsWith(`thumb-${posting.image}.jpg`)));
  });

  test('bad parameters get a 4xx with a one-line reason', async () => {
    const cases: [string, number, RegExp][] = [
      [`/api/experiment?${exp('no-such-experiment')}`, 404, /unknown experiment "no-such-experiment"/],
      [`/api/experiment?${q({ dataset: 'nope', exp: RECOMPUTABLE })}`, 404, /unknown dataset "nope"/],
      [`/api/experiment?${q({ dataset: FIXTURE_DATASET })}`, 400, /missing parameter "exp"/],
      [`/api/experiment?${exp(WITHOUT_PREDICTIONS)}`, 409, /no predictions file/],
      [`/api/query?${exp(RECOMPUTABLE, { posting: 'train_does_not_exist' })}`, 404, /no posting "train_does_not_exist"/],
      [`/api/query?${exp(RECOMPUTABLE)}`, 400, /missing parameter "posting"/],
      [`/api/gallery?${exp(RECOMPUTABLE, { 't.title': '2.5' })}`, 400, /within 0\.\.2 \(cosine distance\), got 2\.5/],
      [`/api/gallery?${exp(RECOMPUTABLE, { 't.phash': '-1' })}`, 400, /within 0\.\.64 \(Hamming bits\), got -1/],
      [`/api/gallery?${exp(RECOMPUTABLE, { 't.title': 'abc' })}`, 400, /threshold "t.title" must be a number/],
      [`/api/gallery?${exp(RECOMPUTABLE, { 't.image': '0.3' })}`, 400, /no such source list/],
      [`/api/gallery?${exp(CLUSTERED, { 't.title': '0.3' })}`, 400, /not a thresholded union/],
      [`/api/gallery?${exp(RECOMPUTABLE, { filter: 'mostly' })}`, 400, /"filter" must be one of all, fp, fn/],
      [`/api/gallery?${exp(RECOMPUTABLE, { limit: '0' })}`, 400, /"limit" must be an integer/],
      [
        `/api/image?${q({ dataset: FIXTURE_DATASET, posting: fixture.postings[0].postingId, size: 'huge' })}`,
        400,
        /"size" must be one of thumb, large/,
      ],
      ['/api/nothing', 404, /no such page or API/],
    ];
    for (const [path, status, reason] of cases) {
      const response = await get(path);
      assert.equal(response.status, status, path);
      const { error } = JSON.parse(response.body.toString()) as { error: string };
      assert.match(error, reason, path);
      assert.ok(!error.includes('\n'), `one line: ${error}`);
    }
    assert.equal((await get('/api/datasets', 'POST')).status, 405);
    const clustered = await getJson<GalleryScores>(`/api/gallery?${exp(CLUSTERED, { 't.title': '0.5' })}`);
    assert.ok(clustered.f1 > 0, 'its own chosen threshold is accepted');
  });

  test('path traversal: no path taken from a request reaches the file system', async () => {
    const train = fixture.postings[0];
    const probes = [
      '/../../../../etc/passwd',
      '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/..%2f..%2f..%2fetc%2fpasswd',
      `/api/image?${q({ dataset: FIXTURE_DATASET, posting: '../../../../etc/passwd' })}`,
      `/api/image?${q({ dataset: FIXTURE_DATASET, posting: train.image })}`,
      `/api/image?${q({ dataset: `../${FIXTURE_DATASET}`, posting: train.postingId })}`,
      `/api/image?${q({ dataset: '../../etc', posting: 'passwd' })}`,
      `/api/experiment?${q({ dataset: FIXTURE_DATASET, exp: `../${FIXTURE_DATASET}/${RECOMPUTABLE}` })}`,
      `/api/experiment?${q({ dataset: '..', exp: `results/${FIXTURE_DATASET}/${RECOMPUTABLE}` })}`,
      '/web/app.ts',
      '/index.html/../../src/server.ts',
    ];
    for (const path of probes) {
      const response = await get(path);
      assert.equal(response.status, 404, path);
      assert.ok(!/root:|import /.test(response.body.toString()), `${path} leaked a file`);
    }
  });
});
