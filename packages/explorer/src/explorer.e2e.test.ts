// The page in a real headless browser (Debian's chromium, driven by puppeteer-core; nothing downloaded).
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import { matchesWithin, matchScores } from '@prodmatch/metrics';
import { predictionsPathFor, readPredictions, type PredictionRow } from '@prodmatch/results';
import { CHROMIUM, hasChromium, launchChromium } from './browser.ts';
import { startExplorer, type RunningExplorer } from './server.ts';
import { CLUSTERED, FIXTURE_DATASET, makeFixture, RECOMPUTABLE, type Fixture } from './test-fixture.ts';

const skip = hasChromium()
  ? false
  : `no browser at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium; .ci/run does) to run the page test`;

let fixture: Fixture | undefined;
let server: RunningExplorer | undefined;
let browser: Browser | undefined;

after(async () => {
  await browser?.close();
  await server?.close();
  if (fixture) await rm(fixture.root, { recursive: true, force: true });
});

/** Matches of row i at these thresholds, by the shared rule over the file's lists. */
function matchesAt(rows: PredictionRow[], i: number, t: { title: number; phash: number }): number[] {
  const list = (name: 'title' | 'phash') => ({
    indices: rows[i].neighbours[name][0],
    distances: Float32Array.from(rows[i].neighbours[name][1]),
    threshold: t[name],
  });
  return matchesWithin(i, [list('title'), list('phash')], { minMatches: 1, cap: 50 });
}

async function cards(
  page: Page,
  grid: 'predicted' | 'missed',
): Promise<{ index: number; kind: string; image: boolean; placeholder: boolean }[]> {
  return page.$$eval(`.side[data-experiment="${RECOMPUTABLE}"] .grid.${grid} .card`, (nodes) =>
    nodes.map((n) => ({
      index: Number(n.getAttribute('data-index')),
      kind: ['tp', 'fp', 'missed'].find((k) => n.classList.contains(k)) ?? '',
      image: Boolean(n.querySelector('img')),
      placeholder: Boolean(n.querySelector('.placeholder')),
    })),
  );
}

test('the page: search a posting, its match grid and true/false marks as in the predictions file, a slider recomputes the F1s', {
  skip,
  timeout: 120_000,
}, async () => {
  fixture = await makeFixture();
  const { rows } = await readPredictions(predictionsPathFor(join(fixture.resultsDir, FIXTURE_DATASET, `${RECOMPUTABLE}.json`)));
  const labels = rows.map((r) => r.labelGroup!);
  const moved = { title: 0.8, phash: 4 };
  // A query whose matches change with the slider and hold a true match besides itself (its image is deleted below).
  const query = rows.findIndex(
    (r, i) => r.matches.some((j) => j !== i && labels[j] === labels[i]) && matchesAt(rows, i, moved).length > r.matches.length,
  );
  assert.ok(query >= 0, 'the fixture has a query whose matches grow with the title threshold');
  const imageless = rows[query].matches.find((j) => j !== query && labels[j] === labels[query])!;
  await rm(join(fixture.dataDir, 'train_images', fixture.postings[imageless].image));

  server = await startExplorer({ resultsDir: fixture.resultsDir, port: 0, cacheDir: join(fixture.root, 'cache') });
  browser = await launchChromium();
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(String(error)));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
  await page.goto(server.url);
  await page.waitForSelector('body[data-ready="true"]');
  await page.select('#exp-a', RECOMPUTABLE);
  await page.waitForSelector(`.side[data-experiment="${RECOMPUTABLE}"] .scores[data-f1]`);
  await page.waitForSelector(`.side[data-experiment="${RECOMPUTABLE}"] .chart svg`);

  const postingId = rows[query].postingId;
  await page.type('#search', postingId);
  await page.waitForSelector(`#search-results li[data-posting="${postingId}"]`);
  await page.click(`#search-results li[data-posting="${postingId}"]`);
  await page.waitForSelector(`.side[data-experiment="${RECOMPUTABLE}"] .grid.predicted .card`);
  assert.equal(await page.$eval('#query-title', (n) => n.textContent), fixture.postings[query].title);

  const truth = new Set(rows.flatMap((r, j) => (labels[j] === labels[query] ? [j] : [])));
  const predicted = await cards(page, 'predicted');
  assert.deepEqual(
    predicted.map((c) => c.index),
    rows[query].matches,
    'the grid shows the stored matches, in order',
  );
  assert.deepEqual(
    predicted.map((c) => c.kind),
    rows[query].matches.map((j) => (truth.has(j) ? 'tp' : 'fp')),
    'true/false marks follow the label groups',
  );
  assert.deepEqual(
    (await cards(page, 'missed')).map((c) => c.index),
    [...truth].filter((j) => !rows[query].matches.includes(j)),
  );
  const placeholder = predicted.find((c) => c.index === imageless)!;
  assert.ok(placeholder.placeholder && !placeholder.image, 'a posting without an image file shows a placeholder');
  // Functions given as text run in the page, where the DOM is (this file is type-checked without it).
  await page.waitForFunction(
    `[...document.querySelectorAll('.side[data-experiment="${RECOMPUTABLE}"] .grid img')].some((img) => img.complete && img.naturalWidth > 0)`,
  );

  const rowF1 = async () => Number(await page.$eval(`.row-f1[data-experiment="${RECOMPUTABLE}"]`, (n) => n.getAttribute('data-row-f1')));
  const perRow = (m: number[]) => (2 * m.filter((j) => truth.has(j)).length) / (m.length + truth.size);
  assert.ok(Math.abs((await rowF1()) - perRow(rows[query].matches)) < 1e-12);

  const stops = await page.$eval('input[data-list="title"]', (n) => n.getAttribute('max'));
  assert.equal(stops, '8');
  // Stop 7 of 0.1..0.9 is 0.8.
  await page.evaluate(
    `(() => { const input = document.querySelector('input[data-list="title"]'); input.value = '7'; input.dispatchEvent(new Event('input', { bubbles: true })); })()`,
  );
  const expectedGallery = matchScores(
    rows.map((_, i) => matchesAt(rows, i, moved)),
    labels,
  ).f1;
  assert.notEqual(
    expectedGallery,
    matchScores(
      rows.map((r) => r.matches),
      labels,
    ).f1,
  );
  await page.waitForFunction(
    `Math.abs(Number(document.querySelector('.side[data-experiment="${RECOMPUTABLE}"] .scores')?.getAttribute('data-f1')) - ${expectedGallery}) < 1e-12`,
    { timeout: 10_000 },
  );
  const now = matchesAt(rows, query, moved);
  assert.deepEqual(
    (await cards(page, 'predicted')).map((c) => c.index),
    now,
  );
  assert.ok(Math.abs((await rowF1()) - perRow(now)) < 1e-12, 'the query card shows the recomputed row F1');

  await page.select('#exp-b', CLUSTERED);
  await page.waitForSelector(`.side[data-experiment="${CLUSTERED}"] .grid.predicted .card`);
  assert.deepEqual(
    await page.$$eval(`.side[data-experiment="${CLUSTERED}"] input[type=range]`, (ns) => ns.map((n) => n.hasAttribute('disabled'))),
    [true, true],
    'a clustering ensemble shows stored matches with sliders off',
  );
  // Side by side in two ~430 px columns, each sweep chart (legend and title included) stays inside its
  // column, and nothing scrolls sideways (a chart used to widen its column past the page's edge).
  await page.setViewport({ width: 1200, height: 900 });
  await page.waitForSelector(`.side[data-experiment="${CLUSTERED}"] .chart svg`);
  const layout = `({ content: [document.getElementById('content').scrollWidth, document.getElementById('content').clientWidth], sides: [...document.querySelectorAll('.side')].map((side) => [side.querySelector('.chart svg')?.getBoundingClientRect().right ?? Infinity, side.getBoundingClientRect().right]) })`;
  const fits = `(() => { const l = ${layout}; return l.sides.length === 2 && l.content[0] <= l.content[1] && l.sides.every(([chart, side]) => chart <= side); })()`;
  await page
    .waitForFunction(fits, { timeout: 10_000 })
    .catch(async () => assert.fail(`a sweep chart is wider than its column: ${JSON.stringify(await page.evaluate(layout))}`));
  assert.deepEqual(problems, []);
});
