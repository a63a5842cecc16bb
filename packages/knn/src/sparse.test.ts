import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sparseCosineTopK } from './sparse.ts';
import type { CsrMatrix } from './types.ts';

function csr(rows: number[][], cols: number): CsrMatrix {
  const indptr = new Int32Array(rows.length + 1);
  const indices: number[] = [];
  const values: number[] = [];
  rows.forEach((row, r) => {
    row.forEach((v, c) => {
      if (v !== 0) {
        indices.push(c);
        values.push(v);
      }
    });
    indptr[r + 1] = indices.length;
  });
  return { rows: rows.length, cols, indptr, indices: Int32Array.from(indices), values: Float32Array.from(values) };
}

/** Brute-force reference: every pair's cosine, sorted by similarity then index. */
function bruteTopK(q: number[][], g: number[][], k: number): { indices: number[][]; distances: number[][] } {
  const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const indices: number[][] = [];
  const distances: number[][] = [];
  for (const a of q) {
    const scored = g.map((b, j) => {
      const na = norm(a);
      const nb = norm(b);
      const dot = a.reduce((s, x, c) => s + x * b[c], 0);
      return { j, sim: na > 0 && nb > 0 ? Math.fround(dot / (na * nb)) : 0 };
    });
    scored.sort((x, y) => y.sim - x.sim || x.j - y.j);
    const top = scored.slice(0, k);
    indices.push(top.map((s) => s.j));
    distances.push(top.map((s) => 1 - s.sim));
  }
  return { indices, distances };
}

/** Deterministic sparse matrix with small integer values. */
function randomRows(seed: number, rows: number, cols: number, density: number, signed: boolean): number[][] {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: rows }, () =>
    Array.from({ length: cols }, () => (next() < density ? Math.floor(next() * 3) + 1 : 0) * (signed && next() < 0.3 ? -1 : 1)),
  );
}

test('matches brute-force cosine top-k on random sparse data, including negative values', () => {
  for (const [seed, signed] of [
    [1, false],
    [2, false],
    [3, true],
    [4, true],
  ] as const) {
    const g = randomRows(seed, 60, 12, 0.15, signed);
    const q = randomRows(seed + 100, 25, 12, 0.2, signed);
    const all = bruteTopK(q, g, g.length);
    for (const k of [1, 5, 60]) {
      const got = sparseCosineTopK(csr(q, 12), csr(g, 12), k);
      const want = bruteTopK(q, g, k);
      for (let i = 0; i < q.length; i++) {
        const where = `seed ${seed} k ${k} query ${i}`;
        assert.equal(got.indices[i].length, k, where);
        // Same distances rank by rank (the top-k is exact) ...
        for (let j = 0; j < k; j++) {
          assert.ok(
            Math.abs(got.distances[i][j] - want.distances[i][j]) < 1e-5,
            `${where} rank ${j}: ${got.distances[i][j]} vs ${want.distances[i][j]}`,
          );
        }
        // ... and each returned index really is at its reported distance. (Which of two rows tied up to float
        // rounding comes first is not compared here; exact ties are tested below.)
        for (let j = 0; j < k; j++) {
          const truth = all.distances[i][all.indices[i].indexOf(got.indices[i][j])];
          assert.ok(Math.abs(got.distances[i][j] - truth) < 1e-5, `${where} index ${got.indices[i][j]}`);
        }
      }
    }
  }
});

test('exact ties go to the lower gallery index', () => {
  const g = csr(
    [
      [0, 1, 0],
      [1, 1, 0],
      [0, 2, 0],
      [1, 1, 0],
      [0, 1, 0],
    ],
    3,
  );
  const q = csr(
    [
      [0, 1, 0],
      [2, 2, 0],
    ],
    3,
  );
  const { indices } = sparseCosineTopK(q, g, 5);
  assert.deepEqual(Array.from(indices[0]), [0, 2, 4, 1, 3]);
  assert.deepEqual(Array.from(indices[1]), [1, 3, 0, 2, 4]);
  assert.deepEqual(Array.from(sparseCosineTopK(q, g, 2).indices[0]), [0, 2]);
});

test('self comes first at distance 0 when the gallery is the query set; short lists are padded at distance 1', () => {
  const m = csr(
    [
      [1, 0, 0],
      [1, 1, 0],
      [0, 0, 2],
      [0, 0, 0],
    ],
    3,
  );
  const { indices, distances } = sparseCosineTopK(m, m, 4);
  assert.deepEqual(Array.from(indices[0]), [0, 1, 2, 3]);
  assert.ok(Math.abs(distances[0][1] - (1 - Math.SQRT1_2)) < 1e-6);
  assert.deepEqual(Array.from(distances[0]).slice(2), [1, 1]);
  assert.deepEqual(Array.from(indices[2]), [2, 0, 1, 3]);
  assert.equal(distances[2][0], 0);
  // An empty row has similarity 0 to everything, itself included.
  assert.deepEqual(Array.from(indices[3]), [0, 1, 2, 3]);
  assert.deepEqual(Array.from(distances[3]), [1, 1, 1, 1]);
});

test('k larger than the gallery returns every gallery row; bad input is refused with a clear message', () => {
  const g = csr(
    [
      [1, 0],
      [0, 1],
    ],
    2,
  );
  assert.equal(sparseCosineTopK(g, g, 10).indices[0].length, 2);
  assert.throws(() => sparseCosineTopK(csr([[1, 0, 0]], 3), g, 1), /3 columns but gallery has 2/);
  assert.throws(() => sparseCosineTopK(g, g, 0), /positive integer/);
  assert.throws(() => sparseCosineTopK({ ...g, indptr: new Int32Array([0, 1]) }, g, 1), /not a valid CSR/);
});
