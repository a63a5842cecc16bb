// `pnpm bench:knn`: exact cosine top-k of every row of a random unit-vector matrix among all its rows
// (the image channel's self-search at Kaggle scale, 34,250 x 512, k = 50) with exactCosineTopK,
// beside numpy/OpenBLAS doing the same on the same data in the same run
// (packages/knn/bench/knn_reference.py, /usr/bin/python3), and hnswlib's build + search time and
// recall@k against our exact lists. numpy runs before and after ours; its reference time is the mean.
//
// Checks printed with the times: the share of our top-k that numpy's top-k holds too (rank-k ties
// and float rounding may swap a neighbour at the boundary), and on the first --check-rows queries,
// whether our lists equal the previous implementation's (one tf.matMul of the query batch by the
// transposed gallery, then tf.topk) index for index and bit for bit, with that implementation's
// matMul and topk times (extrapolated to all rows: where its time went).
//
//   pnpm bench:knn [--rows 34250] [--dim 512] [--k 50] [--seed 1] [--check-rows 1024] [--no-hnsw]
// Writes results/bench/knn.json (only when every step succeeded).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { initTf, type TfRuntime } from '@prodmatch/tf';
import {
  exactCosineTopK,
  hnswCosineTopK,
  l2Normalize,
  type DenseMatrix,
  type ExactSearchProfile,
  type NeighbourLists,
} from '../src/index.ts';
import { randomMatrix } from '../src/testing.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const PYTHON = '/usr/bin/python3';

const argv = yargs(hideBin(process.argv))
  .scriptName('pnpm bench:knn')
  .options({
    rows: { type: 'number', default: 34250, describe: 'rows of the random matrix (queries = gallery)' },
    dim: { type: 'number', default: 512, describe: 'dimensions per row' },
    k: { type: 'number', default: 50, describe: 'neighbours per row' },
    seed: { type: 'number', default: 1, describe: 'seed of the random matrix and of hnswlib' },
    'check-rows': { type: 'number', default: 1024, describe: 'queries compared with the previous tf.matMul + tf.topk search (0: skip)' },
    hnsw: { type: 'boolean', default: true, describe: 'time hnswlib too (--no-hnsw skips it)' },
    out: { type: 'string', default: 'results/bench/knn.json', describe: 'where the figures go' },
  })
  .check((a) => {
    for (const flag of ['rows', 'dim', 'k'] as const) {
      if (!Number.isInteger(a[flag]) || a[flag] < 1) throw new Error(`--${flag} must be a positive integer, got ${a[flag]}`);
    }
    if (!Number.isInteger(a['check-rows']) || a['check-rows'] < 0)
      throw new Error(`--check-rows must be a non-negative integer, got ${a['check-rows']}`);
    return true;
  })
  .strict()
  .parseSync();

const loadavg = () => os.loadavg().map((l) => Number(l.toFixed(2)));
const seconds = (start: number) => (performance.now() - start) / 1000;

interface NumpyRun {
  seconds: number;
  matmul_seconds: number;
  select_seconds: number;
  numpy: string;
  blas: Array<Record<string, unknown>>;
}

/** One run of the numpy reference on the matrix in `bin`; its top-k indices land in `out`. */
function runNumpy(bin: string, out: string): NumpyRun {
  // OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE pin old OpenBLAS builds to a safe, slower kernel on some
  // processors; numpy's current build runs its own kernel choice, so they are dropped for this child only.
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const args = [
    join(here, 'knn_reference.py'),
    '--bin',
    bin,
    '--rows',
    String(argv.rows),
    '--dim',
    String(argv.dim),
    '--k',
    String(argv.k),
    '--out',
    out,
  ];
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', env, cwd: root, timeout: 30 * 60_000, maxBuffer: 16 << 20 });
  if (r.error) throw new Error(`numpy reference: ${PYTHON} could not run (${r.error.message}); install Debian's python3`);
  if (r.status !== 0) {
    const missing = /No module named '(\w+)'/.exec(r.stderr)?.[1];
    if (missing)
      throw new Error(
        `numpy reference: ${PYTHON} has no ${missing}; apt-get install python3-numpy libopenblas0-pthread python3-threadpoolctl`,
      );
    throw new Error(`numpy reference (${args[0]}) exited ${r.status}: ${r.stderr.trim().split('\n').pop()}`);
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as NumpyRun;
}

/** Share of our top-k per row that `other` (rows x k int32, best first) holds too. */
function overlap(ours: NeighbourLists, other: Int32Array, k: number): number {
  let hits = 0;
  let total = 0;
  ours.indices.forEach((indices, i) => {
    const theirs = new Set(other.subarray(i * k, (i + 1) * k));
    for (const j of indices) if (theirs.has(j)) hits++;
    total += indices.length;
  });
  return hits / total;
}

/**
 * The previous exactCosineTopK for the first `rows` queries: each batch of 1024 times the whole
 * transposed gallery, then tf.topk. Kernels run synchronously on wasm and tfjs-node, so the two
 * phases are timed apart.
 */
function previousSearch(
  runtime: TfRuntime,
  points: DenseMatrix,
  rows: number,
  k: number,
): { lists: NeighbourLists; matMulSeconds: number; topkSeconds: number } {
  const { tf } = runtime;
  const unit = l2Normalize(points);
  const { dim } = unit;
  const lists: NeighbourLists = { indices: [], distances: [] };
  let matMulSeconds = 0;
  let topkSeconds = 0;
  const galleryT = tf.tidy(() => tf.transpose(tf.tensor2d(unit.data, [unit.rows, dim])));
  for (let start = 0; start < rows; start += 1024) {
    const end = Math.min(start + 1024, rows);
    let t = performance.now();
    const product = tf.tidy(() => tf.matMul(tf.tensor2d(unit.data.subarray(start * dim, end * dim), [end - start, dim]), galleryT));
    product.dataSync();
    matMulSeconds += seconds(t);
    t = performance.now();
    const top = tf.topk(product, k, true);
    const sims = top.values.dataSync();
    const idx = top.indices.dataSync();
    topkSeconds += seconds(t);
    for (let r = 0; r < end - start; r++) {
      lists.indices.push(Int32Array.from(idx.subarray(r * k, (r + 1) * k)));
      lists.distances.push(Float32Array.from(sims.subarray(r * k, (r + 1) * k), (s) => Math.min(2, Math.max(0, 1 - s))));
    }
    tf.dispose([product, top.values, top.indices]);
  }
  galleryT.dispose();
  return { lists, matMulSeconds, topkSeconds };
}

async function main(): Promise<void> {
  const { rows, dim } = argv;
  const k = Math.min(argv.k, rows);
  const loadStart = loadavg();
  console.log(
    `exact cosine top-${k}, ${rows} x ${dim} random unit vectors against themselves; loadavg ${loadStart.join(' ')} on ${os.availableParallelism()} cpus`,
  );
  const points = l2Normalize(randomMatrix(rows, dim, argv.seed));
  const temp = mkdtempSync(join(os.tmpdir(), 'bench-knn-'));
  try {
    const bin = join(temp, 'points.f32');
    writeFileSync(bin, points.data);
    const runtime = await initTf();

    const numpyBefore = runNumpy(bin, join(temp, 'numpy-top.i32'));
    console.log(
      `numpy (before): ${numpyBefore.seconds.toFixed(2)} s (matmul ${numpyBefore.matmul_seconds.toFixed(2)} s, argpartition + sort ${numpyBefore.select_seconds.toFixed(2)} s)`,
    );

    const start = performance.now();
    const profile: ExactSearchProfile = { threads: 0, tiles: 0, multiplySeconds: 0, selectSeconds: 0 };
    const exact = await exactCosineTopK(points, points, k, { runtime, profile });
    const oursSeconds = seconds(start);
    console.log(
      `ours (exactCosineTopK, ${runtime.backend.name} backend): ${oursSeconds.toFixed(2)} s on ${profile.threads} thread(s), ${profile.tiles} tiles; ` +
        `thread-seconds: matrix products ${profile.multiplySeconds.toFixed(2)}, top-k selection ${profile.selectSeconds.toFixed(2)}`,
    );

    const numpyAfter = runNumpy(bin, join(temp, 'numpy-top.i32'));
    console.log(
      `numpy (after): ${numpyAfter.seconds.toFixed(2)} s (matmul ${numpyAfter.matmul_seconds.toFixed(2)} s, argpartition + sort ${numpyAfter.select_seconds.toFixed(2)} s)`,
    );
    const numpySeconds = (numpyBefore.seconds + numpyAfter.seconds) / 2;
    const numpyTop = new Int32Array(readFileSync(join(temp, 'numpy-top.i32')).buffer.slice(0));
    if (numpyTop.length !== rows * k) throw new Error(`numpy reference wrote ${numpyTop.length} indices, expected ${rows} x ${k}`);
    const agreement = overlap(exact, numpyTop, k);

    let previous:
      | { rows: number; identical_rows: number; matmul_seconds: number; topk_seconds: number; extrapolated_all_rows_seconds: number }
      | undefined;
    const checkRows = Math.min(argv['check-rows'], rows);
    if (checkRows > 0) {
      const old = previousSearch(runtime, points, checkRows, k);
      let identical = 0;
      for (let i = 0; i < checkRows; i++) {
        const same = old.lists.indices[i].every((j, c) => j === exact.indices[i][c] && old.lists.distances[i][c] === exact.distances[i][c]);
        if (same) identical++;
      }
      previous = {
        rows: checkRows,
        identical_rows: identical,
        matmul_seconds: old.matMulSeconds,
        topk_seconds: old.topkSeconds,
        extrapolated_all_rows_seconds: ((old.matMulSeconds + old.topkSeconds) * rows) / checkRows,
      };
    }

    let hnsw: { seconds: number; recall: number; params: Record<string, number> } | undefined;
    if (argv.hnsw) {
      const params = { M: 16, efConstruction: 200, efSearch: 100, seed: argv.seed };
      const t = performance.now();
      const approx = await hnswCosineTopK(points, points, k, params);
      const hnswSeconds = seconds(t);
      const exactTop = new Int32Array(rows * k);
      exact.indices.forEach((indices, i) => exactTop.set(indices, i * k));
      hnsw = { seconds: hnswSeconds, recall: overlap(approx, exactTop, k), params };
    }

    const ratio = oursSeconds / numpySeconds;
    const loadEnd = loadavg();
    const blas = numpyAfter.blas.find((b) => b.user_api === 'blas');
    console.log('');
    console.log(`| search | seconds | vs numpy |`);
    console.log(`| --- | ---: | ---: |`);
    console.log(
      `| numpy ${numpyAfter.numpy} (${blas ? `${blas.internal_api} ${blas.version}, kernel ${blas.architecture}, ${blas.num_threads} threads` : 'BLAS unknown: no threadpoolctl'}), mean of before/after | ${numpySeconds.toFixed(2)} | 1.00x |`,
    );
    console.log(`| ours: exactCosineTopK (${runtime.backend.name}) | ${oursSeconds.toFixed(2)} | ${ratio.toFixed(2)}x |`);
    if (hnsw)
      console.log(
        `| hnswlib build + search (M 16, efConstruction 200, efSearch 100), recall@${k} ${hnsw.recall.toFixed(4)} | ${hnsw.seconds.toFixed(2)} | ${(hnsw.seconds / numpySeconds).toFixed(2)}x |`,
      );
    console.log('');
    console.log(`goal: ours within 1.5x of numpy: ${ratio <= 1.5 ? 'met' : 'NOT met'} (${ratio.toFixed(2)}x)`);
    console.log(`numpy's top-${k} holds ${(agreement * 100).toFixed(3)}% of ours`);
    if (previous) {
      console.log(
        `previous search (batch x whole transposed gallery, tf.topk) on the first ${previous.rows} queries: matMul ${previous.matmul_seconds.toFixed(2)} s, ` +
          `topk ${previous.topk_seconds.toFixed(2)} s (~${previous.extrapolated_all_rows_seconds.toFixed(1)} s for all ${rows} rows); ` +
          `${previous.identical_rows} of ${previous.rows} rows identical to ours (indices and distances)`,
      );
    }
    console.log(`loadavg at start ${loadStart.join(' ')}, at end ${loadEnd.join(' ')}`);

    const outPath = resolve(root, argv.out);
    mkdirSync(dirname(outPath), { recursive: true });
    writeFileSync(
      outPath,
      `${JSON.stringify(
        {
          bench: 'knn',
          command: `pnpm bench:knn --rows ${rows} --dim ${dim} --k ${argv.k} --seed ${argv.seed}`,
          data: { rows, dim, k, seed: argv.seed, kind: 'uniform [-1, 1) per coordinate, rows scaled to unit length' },
          ours: { seconds: oursSeconds, backend: runtime.backend, profile },
          numpy: { seconds: numpySeconds, before: numpyBefore, after: numpyAfter },
          ratio_ours_to_numpy: ratio,
          goal: { max_ratio: 1.5, met: ratio <= 1.5 },
          numpy_holds_share_of_ours: agreement,
          previous_implementation_check: previous,
          hnsw,
          host: {
            cpus: os.availableParallelism(),
            model: os.cpus()[0]?.model,
            loadavg_start: loadStart,
            loadavg_end: loadEnd,
            node: process.version,
          },
          date: new Date().toISOString(),
        },
        null,
        2,
      )}\n`,
    );
    console.log(`wrote ${argv.out}`);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

// Our own failures (bad flags, a missing numpy) are one-line messages; print them without a stack.
main().catch((error: unknown) => {
  console.error(`bench:knn: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
