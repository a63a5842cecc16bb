// `pnpm bench:knn --numpy`: the exact search beside numpy/OpenBLAS doing the same self-search on the same
// matrix (packages/knn/bench/knn_reference.py, Debian's /usr/bin/python3), timed in the same run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { l2Normalize, type DenseMatrix, type NeighbourLists } from '../src/index.ts';

const here = dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';

export interface NumpyRun {
  seconds: number;
  matmul_seconds: number;
  select_seconds: number;
  numpy: string;
  blas: Array<Record<string, unknown>>;
  /** Share of `ours`' top-k that numpy's top-k holds too. */
  holdsShareOfOurs: number;
}

/** numpy's exact top-k self-search of `m`, and how much of `ours` it agrees with. */
export function numpyReference(m: DenseMatrix, k: number, ours: NeighbourLists): NumpyRun {
  const temp = mkdtempSync(join(os.tmpdir(), 'bench-knn-'));
  try {
    const bin = join(temp, 'points.f32');
    const out = join(temp, 'top.i32');
    writeFileSync(bin, l2Normalize(m).data);
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
      String(m.rows),
      '--dim',
      String(m.dim),
      '--k',
      String(k),
      '--out',
      out,
    ];
    const r = spawnSync(PYTHON, args, { encoding: 'utf8', env, timeout: 60 * 60_000, maxBuffer: 16 << 20 });
    if (r.error) throw new Error(`numpy reference: ${PYTHON} could not run (${r.error.message}); install Debian's python3`);
    if (r.status !== 0) {
      const missing = /No module named '(\w+)'/.exec(r.stderr)?.[1];
      if (missing)
        throw new Error(
          `numpy reference: ${PYTHON} has no ${missing}; apt-get install python3-numpy libopenblas0-pthread python3-threadpoolctl`,
        );
      throw new Error(`numpy reference (${args[0]}) exited ${r.status}: ${r.stderr.trim().split('\n').pop()}`);
    }
    const run = JSON.parse(r.stdout.trim().split('\n').pop()!) as Omit<NumpyRun, 'holdsShareOfOurs'>;
    const top = new Int32Array(readFileSync(out).buffer.slice(0));
    const kk = Math.min(k, m.rows);
    let hits = 0;
    let total = 0;
    ours.indices.forEach((indices, i) => {
      const theirs = new Set(top.subarray(i * kk, (i + 1) * kk));
      for (const j of indices) if (theirs.has(j)) hits++;
      total += indices.length;
    });
    return { ...run, holdsShareOfOurs: hits / total };
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}
