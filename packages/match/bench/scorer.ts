// `pnpm bench:scorer`: the joint-tuning hot loop, unionScorer(...).score(thresholds).
// With --predictions FILE (a run's .predictions.jsonl.gz, e.g. fused-text@full on the real rows), on that
// run's own lists and grids: each source's grid swept with the others at their chosen thresholds, as
// coordinate ascent does. Without, on a synthetic gallery shaped like it (34,250 postings in label groups
// of 1-6, a cosine and a Hamming channel, top-50 lists each) over a 17 x 9 grid. Prints the median and
// least CPU milliseconds per score() call over --repeats passes, and a checksum of the scores, so that two
// versions of the scorer can be compared for speed and equality.
//
//   pnpm bench:scorer [--predictions FILE] [--rows 34250] [--k 50] [--repeats 7] [--seed 1]
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { seededRandom } from '@prodmatch/data/random';
import type { NeighbourLists } from '@prodmatch/knn';
import { unionScorer } from '../src/index.ts';

const argv = yargs(hideBin(process.argv))
  .scriptName('pnpm bench:scorer')
  .options({
    rows: { type: 'number', default: 34250, describe: 'gallery postings' },
    k: { type: 'number', default: 50, describe: 'neighbours per list' },
    repeats: { type: 'number', default: 7, describe: 'passes over the grid; the median is reported' },
    seed: { type: 'number', default: 1, describe: 'seed of the synthetic gallery' },
    predictions: { type: 'string', describe: "a run's predictions file: time its lists and grids instead" },
  })
  .strict()
  .parseSync();

interface Bench {
  name: string;
  labels: string[];
  sources: { lists: NeighbourLists; minMatches: number }[];
  post: { minMatches: number; cap: number };
  /** The threshold vectors score() is called with, once per pass. */
  evaluations: number[][];
}

function syntheticBench(): Bench {
  const random = seededRandom(argv.seed);
  const n = argv.rows;
  const labels: string[] = [];
  while (labels.length < n) {
    const size = 1 + Math.floor(random() ** 2 * 6);
    const group = `g${labels.length}`;
    for (let i = 0; i < size && labels.length < n; i++) labels.push(group);
  }
  const members = new Map<string, number[]>();
  labels.forEach((g, i) => (members.get(g) ?? members.set(g, []).get(g)!).push(i));
  /** Top-k lists: the row itself at 0, its group's other members near (with noise), random others farther. */
  const lists = (near: () => number, far: () => number): NeighbourLists => {
    const indices: Int32Array[] = [];
    const distances: Float32Array[] = [];
    for (let i = 0; i < n; i++) {
      const pairs: [number, number][] = [[i, 0]];
      for (const j of members.get(labels[i])!) if (j !== i) pairs.push([j, near()]);
      while (pairs.length < argv.k) pairs.push([Math.floor(random() * n), far()]);
      pairs.sort((a, b) => a[1] - b[1]);
      indices.push(Int32Array.from(pairs, (p) => p[0]));
      distances.push(Float32Array.from(pairs, (p) => p[1]));
    }
    return { indices, distances };
  };
  const text = lists(
    () => 0.05 + random() * 0.6,
    () => 0.3 + random() * 0.7,
  );
  const phash = lists(
    () => (random() < 0.6 ? Math.floor(random() * 8) : 10 + Math.floor(random() * 30)),
    () => 4 + Math.floor(random() * 40),
  );
  const evaluations: number[][] = [];
  for (let x = 0; x < 17; x++) for (let y = 0; y < 9; y++) evaluations.push([Number((0.1 + x * 0.05).toFixed(2)), y * 2]);
  return {
    name: `synthetic ${n} rows`,
    labels,
    sources: [
      { lists: text, minMatches: 1 },
      { lists: phash, minMatches: 1 },
    ],
    post: { minMatches: 2, cap: 50 },
    evaluations,
  };
}

interface Header {
  rowName: string;
  lists: { name: string; source: boolean; threshold: number | null; minMatches: number; grid: number[] }[];
  minMatches: number;
  cap: number;
}

async function predictionsBench(path: string): Promise<Bench> {
  let header: Header | null = null;
  const labels: string[] = [];
  let lists: { indices: Int32Array[]; distances: Float32Array[] }[] = [];
  for await (const line of createInterface({ input: createReadStream(path).pipe(createGunzip()), crlfDelay: Infinity })) {
    if (header === null) {
      header = JSON.parse(line) as Header;
      lists = header.lists.filter((l) => l.source).map(() => ({ indices: [], distances: [] }));
      continue;
    }
    const row = JSON.parse(line) as { labelGroup: string | null; neighbours: Record<string, [number[], number[]]> };
    labels.push(row.labelGroup ?? `unlabelled ${labels.length}`);
    header.lists
      .filter((l) => l.source)
      .forEach((l, s) => {
        lists[s].indices.push(Int32Array.from(row.neighbours[l.name][0]));
        lists[s].distances.push(Float32Array.from(row.neighbours[l.name][1]));
      });
  }
  if (header === null) throw new Error(`${path}: empty predictions file`);
  const sources = header.lists.filter((l) => l.source);
  const chosen = sources.map((l) => l.threshold ?? l.grid[0]);
  const evaluations: number[][] = [];
  sources.forEach((l, s) => {
    for (const t of l.grid) evaluations.push(chosen.map((c, i) => (i === s ? t : c)));
  });
  return {
    name: `${header.rowName}: ${labels.length} rows`,
    labels,
    sources: lists.map((l, s) => ({ lists: l, minMatches: sources[s].minMatches })),
    post: { minMatches: header.minMatches, cap: header.cap },
    evaluations,
  };
}

const bench = argv.predictions ? await predictionsBench(argv.predictions) : syntheticBench();
const started = performance.now();
const scorer = unionScorer(bench.sources, bench.labels, bench.post);
const setupMs = performance.now() - started;
const perCall: number[] = [];
let checksum = 0;
for (let r = 0; r < argv.repeats; r++) {
  const cpu = process.cpuUsage();
  let sum = 0;
  for (const thresholds of bench.evaluations) {
    const s = scorer.score(thresholds);
    sum += s.f1 + s.precision + s.recall;
  }
  const used = process.cpuUsage(cpu);
  perCall.push((used.user + used.system) / 1000 / bench.evaluations.length);
  checksum = sum;
}
perCall.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    gallery: bench.name,
    evaluationsPerPass: bench.evaluations.length,
    setupMs: Number(setupMs.toFixed(1)),
    cpuMsPerScore: { median: Number(perCall[perCall.length >> 1].toFixed(3)), min: Number(perCall[0].toFixed(3)) },
    checksum,
  }),
);
