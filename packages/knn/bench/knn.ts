// `pnpm bench:knn`: the kNN package's searches against their exact references, measured in the same run.
//
// Dense (hnswlib vs exactCosineTopK, k = 50): on clustered image-like embeddings and on dense embeddings
// of the real titles, at --rows (34,250, Kaggle's train size) over a grid of M x efConstruction x
// efSearch: recall@k against the exact lists, recall of the exact within-threshold matches, and time
// as a speedup over the exact search; the settings chosen by the grid are compared with HNSW_DEFAULTS
// (`--knn hnsw`). Then the defaults at --scale-rows (280k): recall on sampled queries against their
// exact lists, and speedup over the exact self-search, extrapolated by start-up + b x rows^2 fitted to its time at rows/2 and rows.
//
// Sparse (sparseCosineWithin vs sparseCosineTopK): the text channel's word TF-IDF of the real titles
// and of derived sets (later copies drop one word per title, each copy its own groups), all neighbours
// within --sparse-threshold; lists compared with the reference's cut at the threshold; growth exponents.
//
// Every timing is printed with CPU seconds and the 1-minute load average (the machine is shared).
// Writes --out (results/bench/knn.json) when every step succeeded.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { initTf } from '@prodmatch/tf';
import { exactCosineTopK, HNSW_DEFAULTS, type DenseMatrix } from '../src/index.ts';
import {
  clusteredEmbeddings,
  deriveTitles,
  groupSizes,
  randomProjection,
  readTitles,
  titleEncoderEmbeddings,
  wordTfidf,
  type Titles,
} from './datasets.ts';
import { chooseSettings, denseGrid, denseScale, type DenseSet, type GridResult, type ScaleResult } from './dense.ts';
import { exponent, showTiming, timed } from './measure.ts';
import { referenceSeconds, sparseScale, type SparseRow } from './sparse.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const list = (s: string): number[] => s.split(',').map(Number);
const SETS = ['clusters', 'projection', 'encoder'] as const;
type SetName = (typeof SETS)[number];

const argv = yargs(hideBin(process.argv))
  .scriptName('pnpm bench:knn')
  .options({
    data: {
      type: 'string',
      default: resolve(root, '../shared/datasets/shopee/train.csv'),
      describe: 'the real train.csv (titles, label groups)',
    },
    rows: { type: 'number', default: 34250, describe: 'rows of the dense grid (queries = gallery)' },
    k: { type: 'number', default: 50, describe: 'neighbours per row' },
    seed: { type: 'number', default: 1, describe: 'seed of the clustered vectors, the projection, the samples and hnswlib' },
    'encoder-vectors': {
      type: 'string',
      describe:
        "a title-encoder vector file (float32, 512 per title, the derived titles' order) to use instead of training one; its first --rows rows are the encoder set",
    },
    'derive-seed': { type: 'number', default: 7, describe: 'seed of the derived titles (which word each copy drops)' },
    sets: {
      type: 'string',
      default: 'clusters,encoder',
      describe: `dense sets: ${SETS.join(', ')} (projection: a cheap real-title embedding, no training)`,
    },
    'grid-m': { type: 'string', default: '16,32', describe: 'graph degrees M of the grid' },
    'grid-efc': { type: 'string', default: '100', describe: 'efConstruction values of the grid' },
    'grid-efs': { type: 'string', default: '50,100,200', describe: 'efSearch values of the grid (each searched on the same index)' },
    hnsw: {
      type: 'string',
      describe:
        "M,efConstruction,efSearch of the goal check and the large runs (default: the grid's choice, else HNSW_DEFAULTS); added to the grid",
    },
    'hnsw-threads': { type: 'number', describe: "hnsw shards / threads (default: the library's, one per core from 20,000 rows)" },
    'min-recall': { type: 'number', default: 0.98, describe: 'recall@k the chosen settings must reach on every set' },
    'min-within': { type: 'number', default: 0.995, describe: 'within-threshold recall the chosen settings must reach on every set' },
    'scale-rows': { type: 'number', default: 280000, describe: 'rows of the large dense run (0: skip)' },
    'scale-search-queries': {
      type: 'number',
      default: 5000,
      describe: 'rows searched in the large run (its search time is scaled to all rows)',
    },
    'scale-exact-queries': {
      type: 'number',
      default: 500,
      describe: 'of those, rows whose exact lists measure recall (and the exact search rate)',
    },
    dense: { type: 'boolean', default: true, describe: '--no-dense skips the dense half' },
    numpy: {
      type: 'boolean',
      default: false,
      describe: "also time numpy/OpenBLAS's exact self-search of each grid set (knn_reference.py)",
    },
    sparse: { type: 'boolean', default: true, describe: '--no-sparse skips the sparse half' },
    'sparse-sizes': {
      type: 'string',
      default: '27402,70000,140000,280000',
      describe: 'title rows of the sparse runs (the first: the real rows)',
    },
    'sparse-threshold': { type: 'number', default: 0.475, describe: "cosine distance of a match (fused-text's tuned word threshold)" },
    'sparse-reference-rows': {
      type: 'number',
      default: 140000,
      describe: 'largest size at which sparseCosineTopK runs (beyond: extrapolated)',
    },
    out: { type: 'string', default: 'results/bench/knn.json', describe: 'where the figures go' },
  })
  .strict()
  .parseSync();

const log = (line: string): void => console.log(line);
const cacheDir = resolve(root, '.cache/bench-knn');

let encoderRows: DenseMatrix | undefined;

/**
 * The dense set `name` with `rows` rows: clustered vectors, or an embedding of the (derived) titles.
 * Derived titles are a prefix of any larger derivation, so the encoder embeds the largest size once
 * (cached on disk: training takes minutes) and smaller sets take its first rows.
 */
async function denseSet(name: SetName, real: Titles, rows: number): Promise<DenseSet> {
  if (name === 'clusters') {
    const spec = {
      rows,
      dim: 512,
      sizes: groupSizes(real.labels),
      categories: Math.max(1, Math.round(rows / 150)),
      groupSpread: 1,
      memberSpread: 0.5,
      seed: argv.seed,
    };
    return {
      name,
      description: `clustered image-like 512-d: category -> group -> posting Gaussians (group spread ${spec.groupSpread}, member spread ${spec.memberSpread}, one category per 150 rows), group sizes drawn from the real data's`,
      matrix: clusteredEmbeddings(spec).matrix,
      threshold: 0.3,
    };
  }
  if (name === 'projection') {
    return {
      name,
      description: "real titles: word TF-IDF (the text channel's) x a fixed Gaussian projection to 256-d",
      matrix: randomProjection(wordTfidf(deriveTitles(real, rows, argv['derive-seed']).titles), 256, argv.seed),
      threshold: 0.475,
    };
  }
  const vectorFile = argv['encoder-vectors'];
  if (vectorFile) {
    const bytes = readFileSync(resolve(root, vectorFile));
    const available = bytes.byteLength / 4 / 512;
    if (!Number.isInteger(available) || available < rows)
      throw new Error(`--encoder-vectors ${vectorFile}: ${bytes.byteLength} bytes is not at least ${rows} float32 rows of 512`);
    return {
      name,
      description: `real titles: title-encoder (text-arcface) vectors read from ${vectorFile}, 512-d (the derived titles' order)`,
      matrix: { rows, dim: 512, data: new Float32Array(bytes.buffer, bytes.byteOffset, rows * 512) },
      threshold: 0.575,
    };
  }
  if (!encoderRows || encoderRows.rows < rows) {
    const titles = deriveTitles(real, Math.max(rows, argv['scale-rows']), argv['derive-seed']);
    const { matrix, trainSeconds } = await titleEncoderEmbeddings(real, titles.titles, cacheDir, log);
    if (trainSeconds !== null) log(`title encoder trained in ${trainSeconds.toFixed(1)} s`);
    encoderRows = matrix;
  }
  return {
    name,
    description: 'real titles: the learned title encoder (text-arcface, default settings, trained on all real rows), 512-d',
    matrix: firstRows(encoderRows, rows),
    threshold: 0.575,
  };
}

function firstRows(m: DenseMatrix, rows: number): DenseMatrix {
  return { rows, dim: m.dim, data: m.data.subarray(0, rows * m.dim) };
}

function gridTable(r: GridResult, k: number): string[] {
  const lines = [
    `${r.set}: ${r.rows} x ${r.dim}, exact ${showTiming(r.exact)}${r.numpy ? ` (numpy ${r.numpy.seconds.toFixed(2)} s: ours ${(r.exact.seconds / r.numpy.seconds).toFixed(2)}x numpy's time)` : ''}; within-threshold recall at cosine distance <= ${r.threshold}`,
    `| threads | M | efC | efS | build s | search s | vs exact | vs exact, cpu s | recall@${k} by distance (by id) | within recall by distance (by id) |`,
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const p of r.points) {
    lines.push(
      `| ${p.threads} | ${p.M} | ${p.efConstruction} | ${p.efSearch} | ${p.build.seconds.toFixed(1)} | ${p.search.seconds.toFixed(1)} | ${p.speedup.toFixed(2)}x | ${(r.exact.cpuSeconds / (p.build.cpuSeconds + p.search.cpuSeconds)).toFixed(2)}x | ${p.recall.atKByDistance.toFixed(4)} (${p.recall.atK.toFixed(4)}) | ${p.recall.withinByDistance.toFixed(4)} (${p.recall.within.toFixed(4)}) |`,
    );
  }
  return lines;
}

async function main(): Promise<void> {
  const loadStart = os.loadavg();
  log(`bench:knn on ${os.availableParallelism()} cpus, loadavg ${loadStart.map((l) => l.toFixed(2)).join(' ')}`);
  const real = readTitles(argv.data);
  const k = argv.k;
  const report: string[] = [];
  const json: Record<string, unknown> = {};
  const outPath = resolve(root, argv.out);
  const command = `pnpm bench:knn ${hideBin(process.argv).join(' ')}`.trim();
  // Written after every measured step (complete: false until the end), so a long run that stops keeps its
  // figures. Each half (dense, sparse) carries its own run; a run of one half (--no-dense / --no-sparse)
  // keeps the other half's figures already in the file.
  const save = (complete: boolean): void => {
    mkdirSync(dirname(outPath), { recursive: true });
    const run = {
      command,
      complete,
      host: {
        cpus: os.availableParallelism(),
        model: os.cpus()[0]?.model,
        memoryGB: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
      },
      loadavg_start: loadStart,
      loadavg_now: os.loadavg(),
      date: new Date().toISOString(),
    };
    const previous = existsSync(outPath) ? (JSON.parse(readFileSync(outPath, 'utf8')) as Record<string, unknown>) : {};
    const parts = Object.fromEntries(Object.entries(json).map(([key, value]) => [key, { run, ...(value as object) }]));
    writeFileSync(`${outPath}.tmp`, `${JSON.stringify({ ...previous, bench: 'knn', ...parts }, null, 2)}\n`);
    renameSync(`${outPath}.tmp`, outPath);
  };

  if (argv.dense) {
    const runtime = await initTf();
    const names = argv.sets.split(',').map((s) => {
      if (!(SETS as readonly string[]).includes(s)) throw new Error(`--sets: unknown set '${s}' (${SETS.join(', ')})`);
      return s as SetName;
    });
    const grid = { M: list(argv['grid-m']), efConstruction: list(argv['grid-efc']), efSearch: list(argv['grid-efs']) };
    const [M, efConstruction, efSearch] = argv.hnsw
      ? list(argv.hnsw)
      : [HNSW_DEFAULTS.M, HNSW_DEFAULTS.efConstruction, HNSW_DEFAULTS.efSearch];
    const defaults = { M, efConstruction, efSearch };
    // --hnsw (or HNSW_DEFAULTS) is a grid point, so its goal can be read off the grid.
    const addTo = (values: number[], v: number): number[] => (values.includes(v) ? values : [...values, v].sort((a, b) => a - b));
    grid.M = addTo(grid.M, M);
    grid.efConstruction = addTo(grid.efConstruction, efConstruction);
    grid.efSearch = addTo(grid.efSearch, efSearch);
    const grids: GridResult[] = [];
    const halves: Record<string, { rows: number; seconds: number }> = {};
    const descriptions: Record<string, string> = {};
    const scale: ScaleResult[] = [];
    const dense: Record<string, unknown> = { k, rows: argv.rows, grid, descriptions, grids, exactHalf: halves, defaults, scale };
    json.dense = dense;
    for (const name of names) {
      const set = await denseSet(name, real, argv.rows);
      descriptions[name] = set.description;
      const result = await denseGrid(set, k, grid, argv['hnsw-threads'], argv.numpy, runtime, argv.seed, log);
      grids.push(result);
      // The exact search at half the rows too, for its measured growth (to extrapolate it to --scale-rows).
      const halfMatrix = firstRows(set.matrix, argv.rows >> 1);
      const half = await timed(() => exactCosineTopK(halfMatrix, halfMatrix, k, { runtime }));
      halves[name] = { rows: argv.rows >> 1, seconds: half.timing.seconds };
      log(`${name}: exact at ${argv.rows >> 1} rows ${showTiming(half.timing)}`);
      save(false);
    }
    const chosen = chooseSettings(grids, argv['min-recall'], argv['min-within']);
    dense.chosen = chosen ?? null;
    // The goal and the large runs are about the settings --knn hnsw is to use: --hnsw, else the grid's choice.
    const target = argv.hnsw || !chosen ? defaults : chosen;
    dense.target = target;
    const same = (a: { M: number; efConstruction: number; efSearch: number }) =>
      a.M === target.M && a.efConstruction === target.efConstruction && a.efSearch === target.efSearch;

    if (argv['scale-rows'] > 0) {
      for (const g of grids) {
        const set = await denseSet(g.set as SetName, real, argv['scale-rows']);
        const fit = {
          rows: [halves[g.set].rows, g.rows] as [number, number],
          seconds: [halves[g.set].seconds, g.exact.seconds] as [number, number],
        };
        const result = await denseScale(
          set,
          k,
          target,
          argv['hnsw-threads'],
          fit,
          { search: argv['scale-search-queries'], exact: argv['scale-exact-queries'] },
          runtime,
          argv.seed,
          log,
        );
        scale.push(result);
        save(false);
        log(
          `${g.set} ${result.rows} rows: hnsw ~${(result.build.seconds + result.searchSeconds).toFixed(1)} s, recall@${k} ${result.recall.atKByDistance.toFixed(4)} (by id ${result.recall.atK.toFixed(4)}), within ${result.recall.withinByDistance.toFixed(4)} (by id ${result.recall.within.toFixed(4)}); ` +
            `exact ~${result.exactExtrapolatedSeconds.toFixed(0)} s (${result.exactBasis}), ~${result.exactFromSampleSeconds.toFixed(0)} s from the sampled queries' rate: ${result.speedup.toFixed(2)}x the smaller`,
        );
      }
    }

    const denseFrom = report.length;
    report.push('## dense: hnswlib vs exact', '');
    for (const g of grids) report.push(...gridTable(g, k), '');
    report.push(
      `settings the grid chooses (recall@${k} >= ${argv['min-recall']} and within-threshold recall >= ${argv['min-within']} on every set, best worst-case speedup): ${chosen ? JSON.stringify(chosen) : 'none reaches the recall'}; ` +
        `HNSW_DEFAULTS ${JSON.stringify(HNSW_DEFAULTS)}${!argv.hnsw && chosen && !same(HNSW_DEFAULTS) ? ' DIFFER: set them to the choice' : ''}; goal and large runs at ${JSON.stringify(target)}${argv.hnsw ? ' (--hnsw)' : ''}`,
    );
    for (const g of grids) {
      const d = g.points.find(same)!;
      const met = d.recall.atKByDistance >= argv['min-recall'] && d.speedup > 1;
      report.push(
        `goal at ${argv.rows} rows, ${g.set}, at ${JSON.stringify(target)} on ${d.threads} thread(s): build ${showTiming(d.build)} + search ${showTiming(d.search)}; ` +
          `recall@${k} ${d.recall.atKByDistance.toFixed(4)} by distance (>= ${argv['min-recall']}; by id ${d.recall.atK.toFixed(4)}), within ${d.recall.withinByDistance.toFixed(4)} (by id ${d.recall.within.toFixed(4)}); ${d.speedup.toFixed(2)}x the exact search's speed (> 1): ${met ? 'met' : 'NOT met'}`,
      );
    }
    for (const s of scale) {
      report.push(
        `at ${s.rows} rows, ${s.set}, ${JSON.stringify(s.params)} on ${s.threads} thread(s): build ${showTiming(s.build)} + search ~${s.searchSeconds.toFixed(0)} s ` +
          `(${s.searchQueries} sampled rows in ${showTiming(s.search)}); recall@${k} ${s.recall.atKByDistance.toFixed(4)} (by id ${s.recall.atK.toFixed(4)}), within ${s.recall.withinByDistance.toFixed(4)} (by id ${s.recall.within.toFixed(4)}) (${s.exactQueries} sampled rows); exact not run: ~${s.exactExtrapolatedSeconds.toFixed(0)} s by start-up + rows^2 fitted at two sizes, ~${s.exactFromSampleSeconds.toFixed(0)} s by the sampled queries' rate: hnsw ${s.speedup.toFixed(2)}x faster than the smaller`,
      );
    }
    dense.report = report.slice(denseFrom);
  }

  if (argv.sparse) {
    const sizes = list(argv['sparse-sizes']);
    const rows: SparseRow[] = [];
    const sparse: Record<string, unknown> = {
      k,
      maxDistance: argv['sparse-threshold'],
      features: 'word TF-IDF (title tokenizer keepGlued, binary, min_df 2, L2)',
      derivation: 'copy 0 = real rows; copy c >= 1 drops one random word per title (own groups)',
      rows,
    };
    json.sparse = sparse;
    await sparseScale(real, sizes, k, argv['sparse-threshold'], argv['sparse-reference-rows'], argv['derive-seed'], log, (row) => {
      rows.push(row);
      save(false);
    });
    const sparseFrom = report.length;
    report.push(
      '',
      `## sparse: sparseCosineWithin vs sparseCosineTopK, word TF-IDF, within cosine distance ${argv['sparse-threshold']}, k ${k}`,
      '',
    );
    report.push(
      '| rows | entries | sparseCosineTopK s (cpu s) | sparseCosineWithin s (cpu s) | speedup (cpu) | pairs checked | matches | lists differing |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const r of rows) {
      const ref = r.reference
        ? `${r.reference.seconds.toFixed(2)} (${r.reference.cpuSeconds.toFixed(2)}), load ${r.reference.load.join('-')}`
        : r.referenceExtrapolated
          ? `~${referenceSeconds(r).toFixed(0)} (extrapolated)`
          : 'not run';
      const cpu = r.reference ? ` (${(r.reference.cpuSeconds / r.within.cpuSeconds).toFixed(2)}x)` : '';
      report.push(
        `| ${r.rows} | ${r.entries} | ${ref} | ${r.within.seconds.toFixed(2)} (${r.within.cpuSeconds.toFixed(2)}), load ${r.within.load.join('-')} | ${r.reference || r.referenceExtrapolated ? `${r.speedup.toFixed(2)}x${cpu}` : '-'} | ${r.profile.candidates} | ${r.profile.matches} | ${r.differingRows ?? 'not run'} |`,
      );
    }
    for (let i = 1; i < rows.length; i++) {
      const [a, b] = [rows[i - 1], rows[i]];
      report.push(
        `growth ${a.rows} -> ${b.rows}: within ${exponent(a.rows, a.within.seconds, b.rows, b.within.seconds).toFixed(2)} (cpu ${exponent(a.rows, a.within.cpuSeconds, b.rows, b.within.cpuSeconds).toFixed(2)}), ` +
          `matches ${exponent(a.rows, a.profile.matches, b.rows, b.profile.matches).toFixed(2)}` +
          (a.reference && b.reference
            ? `, reference ${exponent(a.rows, a.reference.seconds, b.rows, b.reference.seconds).toFixed(2)} (cpu ${exponent(a.rows, a.reference.cpuSeconds, b.rows, b.reference.cpuSeconds).toFixed(2)})`
            : ''),
      );
    }
    sparse.report = report.slice(sparseFrom);
  }

  const loadEnd = os.loadavg();
  report.push(
    '',
    `loadavg at start ${loadStart.map((l) => l.toFixed(2)).join(' ')}, at end ${loadEnd.map((l) => l.toFixed(2)).join(' ')} (${os.availableParallelism()} cpus)`,
  );
  log('');
  for (const line of report) log(line);
  save(true);
  log(`wrote ${argv.out}`);
}

// Our own failures (bad flags, missing data) are one-line messages; print them without a stack.
main().catch((error: unknown) => {
  console.error(`bench:knn: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
