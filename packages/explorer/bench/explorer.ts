// `pnpm bench:explorer [--dataset shopee] [--exp ID ...]`: the explorer's latencies on a results folder,
// measured over HTTP against `pnpm explore`'s own entry point started as a child process:
//   start-up   launch -> URL printed, page, script and dataset list served (median of 3 launches);
//   first open the first /api/experiment of each experiment (reads its predictions file and the dataset);
//   search     /api/search with title words and posting ids;
//   query      /api/query (one posting's lists, truth and cards);
//   slider     /api/gallery at every stop of a source list's grid: all gallery rows re-matched and re-scored.
//   in page    the same slider and search in headless chromium, from input event to the answer on screen.
// Each is printed beside its goal (start-up 2 s, the rest 100 ms; judged on wall time) and beside a bare
// node:http round trip measured in the same run (the floor any request pays), with the server process's CPU
// time (from /proc), which other jobs on a shared machine barely move. Figures go to results/bench/explorer.json.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Browser } from 'puppeteer-core';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { writeFileAtomic } from '@prodmatch/results';
import type { DatasetSummary, ExperimentDetail, PostingCard, QueryDetail } from '../src/api-types.ts';
import { CHROMIUM, hasChromium, launchChromium } from '../src/browser.ts';
import { REPO_ROOT } from '../src/server.ts';

const START_GOAL_MS = 2000;
const LATENCY_GOAL_MS = 100;
/** USER_HZ: the unit of /proc/<pid>/stat's CPU times on Linux. */
const CLOCK_TICKS = 100;

const argv = await yargs(hideBin(process.argv))
  .scriptName('pnpm bench:explorer')
  .option('results', { type: 'string', default: join(REPO_ROOT, 'results'), defaultDescription: '<repo>/results' })
  .option('data', { type: 'string', array: true, default: [] as string[], describe: 'dataset folder(s), as for pnpm explore' })
  .option('dataset', { type: 'string', default: 'shopee' })
  .option('exp', {
    type: 'string',
    array: true,
    default: [] as string[],
    describe: "experiments to time (default: every one with a predictions file whose name starts with 'text')",
  })
  .option('repeats', { type: 'number', default: 40, describe: 'searches and queries per experiment' })
  .option('browser', {
    type: 'boolean',
    default: true,
    describe: 'also time the slider and search in headless chromium (--no-browser: HTTP only)',
  })
  .option('out', { type: 'string', default: join(REPO_ROOT, 'results', 'bench', 'explorer.json') })
  .strict()
  .parseAsync();

function fail(message: string): never {
  console.error(`pnpm bench:explorer: ${message}`);
  process.exit(2);
}

interface Stats {
  n: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
}

function stats(ms: number[]): Stats {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const round = (x: number) => Number(x.toFixed(2));
  return { n: ms.length, medianMs: round(at(0.5)), p95Ms: round(at(0.95)), maxMs: round(sorted[sorted.length - 1]) };
}

async function timed<T>(what: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await what();
  return [value, performance.now() - start];
}

async function getJson<T>(base: string, path: string, params: Record<string, string> = {}): Promise<T> {
  const response = await fetch(`${base}${path.slice(1)}?${new URLSearchParams(params)}`);
  const body = (await response.json()) as T & { error?: string };
  if (!response.ok) fail(`${path}: ${body.error ?? response.status}`);
  return body;
}

/** The same fetch against a server that does nothing: what HTTP itself costs here. */
async function bareRoundTrip(repeats: number): Promise<Stats> {
  const server = createServer((_, res) => res.end('{}'));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const ms: number[] = [];
  for (let i = 0; i < repeats; i++) ms.push((await timed(() => fetch(`${base}x`).then((r) => r.json())))[1]);
  await new Promise((ok) => server.close(ok));
  return stats(ms);
}

/** Starts the CLI (as `pnpm explore` does, without pnpm's own start) and waits until the page is served. */
async function launch(): Promise<{ child: ChildProcess; base: string; ms: number; cpuMs: number }> {
  const start = performance.now();
  const args = [
    '--import',
    'tsx',
    join(REPO_ROOT, 'packages/explorer/src/cli.ts'),
    '--port',
    '0',
    '--results',
    argv.results,
    ...argv.data.flatMap((d) => ['--data', d]),
  ];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const base = await new Promise<string>((ok, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const url = /(http:\/\/\S+)/.exec(line)?.[1];
      if (url) ok(url);
    });
    child.once('exit', (code) => reject(new Error(`the explorer exited (code ${code}) before printing its URL`)));
  });
  for (const path of ['/', '/app.js', '/style.css']) {
    const response = await fetch(base + path.slice(1));
    if (!response.ok) fail(`${path}: HTTP ${response.status}`);
    await response.arrayBuffer();
  }
  await getJson<DatasetSummary[]>(base, '/api/datasets');
  return { child, base, ms: performance.now() - start, cpuMs: cpuMsOf(child.pid!) };
}

/** CPU time the process has used so far (user + system, all threads; Linux /proc): steadier than wall time
 *  when other jobs share the machine. */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat(5), counted from the state field (3) here.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

const stop = (child: ChildProcess) =>
  new Promise<void>((ok) => {
    child.once('exit', () => ok());
    child.kill('SIGTERM');
  });

/**
 * What a user waits for, in headless chromium: from a slider's input event to the gallery F1 line's next
 * answer (the query grid re-renders before that), over every stop; from typing a search to its results list.
 */
async function inPage(
  browser: Browser,
  base: string,
  dataset: string,
  exp: string,
  searches: string[],
): Promise<{ slider: Stats; search: Stats }> {
  const page = await browser.newPage();
  await page.goto(`${base}#${new URLSearchParams({ dataset, a: exp })}`);
  await page.waitForSelector('.side .scores[data-answers]');
  // Page code as text: it runs in the browser, and this file is type-checked without the DOM.
  const slider = (await page.evaluate(`(async () => {
    const input = document.querySelector('.side input[type=range]');
    const line = document.querySelector('.side .scores');
    const answered = (before) => new Promise((ok) => {
      const observer = new MutationObserver(() => { if (line.dataset.answers !== before) { observer.disconnect(); ok(); } });
      observer.observe(line, { attributes: true });
    });
    const times = [];
    for (let stop = 0; stop <= Number(input.max); stop++) {
      if (String(stop) === input.value) continue;
      const wait = answered(line.dataset.answers);
      const start = performance.now();
      input.value = String(stop);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      await wait;
      times.push(performance.now() - start);
    }
    return times;
  })()`)) as number[];
  const search = (await page.evaluate(`(async (queries) => {
    const input = document.querySelector('#search');
    const list = document.querySelector('#search-results');
    const times = [];
    for (const q of queries) {
      list.dataset.query = '';
      const start = performance.now();
      input.value = q;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      await new Promise((ok) => {
        const observer = new MutationObserver(() => { if (list.dataset.query === q) { observer.disconnect(); ok(); } });
        observer.observe(list, { attributes: true, childList: true });
      });
      times.push(performance.now() - start);
    }
    return times;
  })(${JSON.stringify(searches)})`)) as number[];
  await page.close();
  return { slider: stats(slider), search: stats(search) };
}

/** Deterministic picks spread over the gallery. */
const spread = <T>(items: T[], count: number): T[] =>
  Array.from({ length: Math.min(count, items.length) }, (_, i) => items[Math.floor((i * items.length) / Math.min(count, items.length))]);

const reference = await bareRoundTrip(argv.repeats);
const launches: number[] = [];
const launchCpu: number[] = [];
let server: { child: ChildProcess; base: string } | null = null;
for (let i = 0; i < 3; i++) {
  const started = await launch().catch((error: Error) => fail(error.message));
  launches.push(started.ms);
  launchCpu.push(started.cpuMs);
  if (i < 2) await stop(started.child);
  else server = started;
}
const { base, child } = server!;
const browser = argv.browser && hasChromium() ? await launchChromium() : null;
if (argv.browser && !browser) console.log(`no browser at ${CHROMIUM}: in-page timings skipped`);
try {
  const dataset = (await getJson<DatasetSummary[]>(base, '/api/datasets')).find((d) => d.name === argv.dataset);
  if (!dataset) fail(`no dataset "${argv.dataset}" in ${argv.results}`);
  const ids =
    argv.exp.length > 0 ? argv.exp : dataset.experiments.filter((e) => e.unavailable === null && e.id.startsWith('text')).map((e) => e.id);
  if (ids.length === 0)
    fail(
      `no experiment on ${argv.dataset} has a predictions file; run e.g. pnpm --filter text-idf run experiment -- --data ../shared/datasets/shopee --protocol full`,
    );
  const experiments = [];
  for (const exp of ids) {
    const params = { dataset: argv.dataset, exp };
    const cpuBefore = cpuMsOf(child.pid!);
    const [detail, openMs] = await timed(() => getJson<ExperimentDetail>(base, '/api/experiment', params));
    const openCpuMs = cpuMsOf(child.pid!) - cpuBefore;
    const worst = (await getJson<{ worst: { postingId: string; title: string }[] }>(base, '/api/gallery', { ...params, limit: '500' }))
      .worst;
    const picks = spread(worst, argv.repeats);
    /** Wall times of each call, and the server's CPU time per call (its CPU clock before and after the batch). */
    const batch = async (calls: (() => Promise<unknown>)[]): Promise<(Stats & { serverCpuMsPerCall: number }) | null> => {
      if (calls.length === 0) return null;
      const ms: number[] = [];
      const cpu = cpuMsOf(child.pid!);
      for (const call of calls) ms.push((await timed(call))[1]);
      return { ...stats(ms), serverCpuMsPerCall: Number(((cpuMsOf(child.pid!) - cpu) / calls.length).toFixed(2)) };
    };
    const search = await batch(
      picks.map((row, i) => async () => {
        const q = i % 4 === 3 ? row.postingId : row.title.split(/\s+/).slice(0, 2).join(' ');
        if ((await getJson<PostingCard[]>(base, '/api/search', { ...params, q })).length === 0)
          fail(`search "${q}" found nothing in ${exp}`);
      }),
    );
    const query = await batch(picks.map((row) => () => getJson<QueryDetail>(base, '/api/query', { ...params, posting: row.postingId })));
    const source = detail.lists.find((l) => l.source);
    // Every stop of the first source list's slider, each a threshold not asked for before (no cached answer).
    const slider = await batch(
      detail.recomputable && source
        ? source.stops
            .filter((t) => t !== source.threshold)
            .map((t) => () => getJson(base, '/api/gallery', { ...params, [`t.${source.name}`]: String(t), limit: '40' }))
        : [],
    );
    const page = browser
      ? await inPage(
          browser,
          base,
          argv.dataset,
          exp,
          picks.map((row, i) => (i % 4 === 3 ? row.postingId : row.title.split(/\s+/).slice(0, 2).join(' '))),
        )
      : null;
    experiments.push({
      id: exp,
      rows: detail.rows,
      lists: detail.lists.map((l) => l.name),
      firstOpenMs: Number(openMs.toFixed(1)),
      firstOpenServerCpuMs: openCpuMs,
      search: search!,
      query: query!,
      slider,
      page,
    });
  }

  const startup = stats(launches);
  const ratio = (ms: number, goal: number) => `${(ms / goal).toFixed(2)}x goal`;
  const overHttp = (ms: number) => `${(ms / reference.medianMs).toFixed(1)}x a bare HTTP round trip`;
  console.log(`bare node:http round trip: median ${reference.medianMs} ms (reference)`);
  console.log(
    `start-up (launch -> page, script, dataset list served; median of 3): ${startup.medianMs} ms, ${ratio(startup.medianMs, START_GOAL_MS)} (goal < ${START_GOAL_MS} ms); launches ${launches.map((m) => m.toFixed(0)).join(', ')} ms; CPU time of the server process by then: ${launchCpu.join(', ')} ms`,
  );
  for (const e of experiments) {
    console.log(
      `${e.id} (${e.rows} rows, lists ${e.lists.join(', ')}): first open ${e.firstOpenMs} ms, server CPU ${e.firstOpenServerCpuMs} ms (reads the predictions file and train.csv once)`,
    );
    if (e.page)
      console.log(
        `  in the page (chromium): slider median ${e.page.slider.medianMs} ms, p95 ${e.page.slider.p95Ms} ms over ${e.page.slider.n} stops; search median ${e.page.search.medianMs} ms, p95 ${e.page.search.p95Ms} ms over ${e.page.search.n}`,
      );
    for (const [name, s] of [
      ['search', e.search],
      ['query', e.query],
      ['slider', e.slider],
    ] as const) {
      if (s)
        console.log(
          `  ${name.padEnd(6)} median ${s.medianMs} ms, p95 ${s.p95Ms} ms, max ${s.maxMs} ms over ${s.n}: ${ratio(s.p95Ms, LATENCY_GOAL_MS)} at p95 (goal < ${LATENCY_GOAL_MS} ms), median ${overHttp(s.medianMs)}; server CPU ${s.serverCpuMsPerCall} ms per call`,
        );
    }
  }
  const verdict =
    startup.medianMs < START_GOAL_MS &&
    experiments.every((e) => [e.search, e.query, e.slider, e.page?.slider, e.page?.search].every((s) => !s || s.p95Ms < LATENCY_GOAL_MS));
  console.log(verdict ? 'all goals met' : 'NOT all goals met (see above)');
  await writeFileAtomic(
    argv.out,
    `${JSON.stringify({ bench: 'explorer', dataset: argv.dataset, goals: { startupMs: START_GOAL_MS, latencyMs: LATENCY_GOAL_MS }, reference: { bareHttp: reference }, startup: { ...startup, launchesMs: launches.map((m) => Number(m.toFixed(1))), serverCpuMs: launchCpu }, experiments, goalsMet: verdict, finishedAt: new Date().toISOString() }, null, 2)}\n`,
  );
  console.log(`wrote ${argv.out}`);
} finally {
  await browser?.close();
  await stop(child);
}
