import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '@prodmatch/data';
import {
  hammingTopK,
  hammingWithin,
  hash64FromHex,
  sparseCosineTopK,
  type CsrMatrix,
  type DenseMatrix,
  type NeighbourLists,
} from '@prodmatch/knn';
import { charTfidfVectors, tfidfVectors, tokenizeTitle } from '@prodmatch/text';
import { candidatePairs } from './candidates.ts';
import { pairTable, SHARED_NEIGHBOURS } from './table.ts';
import { titleFacts } from './titles.ts';
import type { RerankChannel } from './types.ts';

test('titleFacts reads numbers and quantities: 100ml vs 200 ML conflict, spellings unified', () => {
  assert.deepEqual(titleFacts('Shampoo Clear 100ml'), {
    tokens: ['shampoo', 'clear', '100', 'ml'],
    numbers: ['100'],
    quantities: ['100 ml'],
  });
  const b = titleFacts('SHAMPOO clear 200 ML isi 2pcs');
  assert.deepEqual(b.numbers, ['200', '2']);
  assert.deepEqual(b.quantities, ['200 ml', '2 pcs']);
  assert.deepEqual(titleFacts('Minyak 1,5 liter no 05').quantities, ['1.5 l']);
  assert.deepEqual(titleFacts('Minyak 1,5 liter no 05').numbers, ['1.5', '5']);
});

// A small gallery: look-alike titles with numbers and units, random hashes with near-duplicates.
function gallery(rows: number, seed: number): { titles: string[]; hashes: string[] } {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const products = ['shampoo clear', 'lipstik wardah matte', 'kaos polos cotton', 'casing samsung a50', 'madu murni', 'botol minum'];
  const units = ['ml', 'gr', 'pcs', 'cm', ''];
  const extras = ['promo', 'original', 'murah', 'ready stock', 'bpom', 'grosir', '', ''];
  const titles: string[] = [];
  const hashes: string[] = [];
  const bases = products.map(() => Array.from({ length: 16 }, () => Math.floor(random() * 16).toString(16)).join(''));
  for (let i = 0; i < rows; i++) {
    const product = Math.floor(random() * products.length);
    titles.push(
      `${products[product]} ${pick(['100', '200', '250', '05', '1,5'])}${pick(units)} ${pick(extras)} ${pick(extras)}`
        .replace(/\s+/g, ' ')
        .trim(),
    );
    // Near-duplicate pictures within a product: a few hex digits changed.
    const digits = bases[product].split('');
    for (let flips = Math.floor(random() * 4); flips > 0; flips--)
      digits[Math.floor(random() * 16)] = Math.floor(random() * 16).toString(16);
    hashes.push(random() < 0.2 ? Array.from({ length: 16 }, () => Math.floor(random() * 16).toString(16)).join('') : digits.join(''));
  }
  return { titles, hashes };
}

// --- direct per-pair definitions ----------------------------------------------------------------
const sparseRow = (m: CsrMatrix, i: number): Map<number, number> => {
  const out = new Map<number, number>();
  for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++) out.set(m.indices[p], m.values[p]);
  return out;
};
const cosineDistance = (a: number[], b: number[]): number => {
  const dot = a.reduce((s, x, d) => s + x * b[d], 0);
  const na = Math.hypot(...a);
  const nb = Math.hypot(...b);
  return na === 0 || nb === 0 ? 1 : Math.min(2, Math.max(0, 1 - dot / (na * nb)));
};
const sparseDistance = (m: CsrMatrix, i: number, j: number): number => {
  const a = sparseRow(m, i);
  const b = sparseRow(m, j);
  const keys = [...new Set([...a.keys(), ...b.keys()])];
  return cosineDistance(
    keys.map((k) => a.get(k) ?? 0),
    keys.map((k) => b.get(k) ?? 0),
  );
};
const hexBits = (hex: string): string => BigInt(`0x${hex}`).toString(2).padStart(64, '0');
const hammingDistance = (a: string, b: string): number => [...hexBits(a)].filter((bit, c) => bit !== hexBits(b)[c]).length;
const others = (lists: NeighbourLists, i: number): number[] => Array.from(lists.indices[i]).filter((j) => j !== i);
const otherDistances = (lists: NeighbourLists, i: number): number[] =>
  Array.from(lists.distances[i]).filter((_, c) => lists.indices[i][c] !== i);

function denseLists(m: DenseMatrix, k: number): NeighbourLists {
  const rows = Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.dim, (i + 1) * m.dim)));
  const indices: Int32Array[] = [];
  const distances: Float32Array[] = [];
  rows.forEach((a, i) => {
    const ranked = rows
      .map((b, j) => ({ j, d: j === i ? 0 : cosineDistance(a, b) }))
      .sort((x, y) => x.d - y.d || (x.j === i ? -1 : y.j === i ? 1 : x.j - y.j))
      .slice(0, k);
    indices.push(Int32Array.from(ranked, (r) => r.j));
    distances.push(Float32Array.from(ranked, (r) => r.d));
  });
  return { indices, distances };
}

test('every pair feature equals its direct per-pair computation on a small gallery', () => {
  const { titles, hashes } = gallery(60, 11);
  const word = tfidfVectors(
    titles.map((t) => tokenizeTitle(t, { keepGlued: true })),
    { weighting: 'binary', norm: 'l2' },
  );
  const char = charTfidfVectors(titles);
  const random = seededRandom(5);
  const dense: DenseMatrix = {
    rows: titles.length,
    dim: 4,
    data: Float32Array.from({ length: titles.length * 4 }, (_, d) => (d < 4 ? 0 : random() - 0.3)),
  };
  const phash = hash64FromHex(hashes);
  const channels: RerankChannel[] = [
    { name: 'word', features: { kind: 'sparse', matrix: word }, lists: sparseCosineTopK(word, word, 12) },
    { name: 'char', features: { kind: 'sparse', matrix: char }, lists: sparseCosineTopK(char, char, 8) },
    { name: 'dense', features: { kind: 'dense', matrix: dense }, lists: denseLists(dense, 7) },
    // Cut at 10 bits: many short lists, so ranks and gaps fall back to "missing" and "beyond".
    { name: 'phash', features: { kind: 'hash64', matrix: phash }, lists: hammingWithin(phash, 9, 10), beyond: 11 },
    { name: 'phashAll', features: { kind: 'hash64', matrix: phash }, lists: hammingTopK(phash, phash, 6, { sameSet: true }) },
  ];
  const pairs = candidatePairs(
    channels.map((c) => c.lists),
    6,
  );
  const table = pairTable({ pairs, channels, titles });
  assert.ok(table.pairs > 300, `${table.pairs} candidate pairs`);
  assert.equal(table.columns.length, table.features.length);
  assert.equal(new Set(table.features.map((f) => f.name)).size, table.features.length, 'feature names are unique');
  for (const f of table.features) assert.ok(f.doc.length > 10, `${f.name} is documented`);
  const column = (name: string): Float32Array => table.columns[table.features.findIndex((f) => f.name === name)];
  const close = (got: number, want: number, what: string): void =>
    assert.ok(Math.abs(got - want) <= 1e-5 * Math.max(1, Math.abs(want)), `${what}: got ${got}, want ${want}`);

  const facts = titles.map(titleFacts);
  for (const channel of channels) {
    const distance = (i: number, j: number): number => {
      if (channel.features.kind === 'sparse') return sparseDistance(channel.features.matrix, i, j);
      if (channel.features.kind === 'hash64') return hammingDistance(hashes[i], hashes[j]);
      const m = channel.features.matrix;
      return cosineDistance(
        Array.from(m.data.subarray(i * m.dim, (i + 1) * m.dim)),
        Array.from(m.data.subarray(j * m.dim, (j + 1) * m.dim)),
      );
    };
    const longest = Math.max(...titles.map((_, i) => others(channel.lists, i).length));
    const beyond = channel.beyond ?? (channel.features.kind === 'hash64' ? 32 : 1);
    const nth = (i: number, n: number): number => otherDistances(channel.lists, i)[n - 1] ?? beyond;
    const rank = (i: number, j: number): number => {
      const at = others(channel.lists, i).indexOf(j);
      return at >= 0 ? at + 1 : longest + 1;
    };
    const shared = (i: number, j: number): number => {
      const a = new Set(others(channel.lists, i).slice(0, SHARED_NEIGHBOURS));
      return others(channel.lists, j)
        .slice(0, SHARED_NEIGHBOURS)
        .filter((x) => a.has(x) && x !== i && x !== j).length;
    };
    const c = channel.name;
    for (let p = 0; p < table.pairs; p++) {
      const i = pairs.left[p];
      const j = pairs.right[p];
      const d = distance(i, j);
      const at = `${c}, pair (${i}, ${j})`;
      close(column(`${c}.distance`)[p], d, `${at} distance`);
      assert.equal(column(`${c}.rank_ij`)[p], rank(i, j), `${at} rank_ij`);
      assert.equal(column(`${c}.rank_ji`)[p], rank(j, i), `${at} rank_ji`);
      close(column(`${c}.gap1_i`)[p], d - nth(i, 1), `${at} gap1_i`);
      close(column(`${c}.gap5_i`)[p], d - nth(i, 5), `${at} gap5_i`);
      close(column(`${c}.gap1_j`)[p], d - nth(j, 1), `${at} gap1_j`);
      close(column(`${c}.gap5_j`)[p], d - nth(j, 5), `${at} gap5_j`);
      assert.equal(column(`${c}.shared10`)[p], shared(i, j), `${at} shared10`);
    }
  }
  const phashRanks = Array.from(table.columns[table.features.findIndex((f) => f.name === 'phash.rank_ij')]);
  assert.ok(
    phashRanks.some((r) => r === Math.max(...phashRanks)) && new Set(phashRanks).size > 2,
    'the cut phash lists leave some partners unranked',
  );
  let conflicts = 0;
  for (let p = 0; p < table.pairs; p++) {
    const [a, b] = [facts[pairs.left[p]], facts[pairs.right[p]]];
    const at = `pair (${pairs.left[p]}, ${pairs.right[p]})`;
    const common = a.tokens.filter((t) => b.tokens.includes(t)).length;
    const sharedNumbers = a.numbers.filter((x) => b.numbers.includes(x)).length;
    const unitsOf = (q: string[]): Map<string, Set<string>> => {
      const out = new Map<string, Set<string>>();
      for (const x of q) {
        const [value, unit] = x.split(' ');
        out.set(unit, (out.get(unit) ?? new Set()).add(value));
      }
      return out;
    };
    const ua = unitsOf(a.quantities);
    const ub = unitsOf(b.quantities);
    const conflicting = [...ua.keys()].filter((u) => ub.has(u) && ![...(ua.get(u) as Set<string>)].some((v) => ub.get(u)?.has(v))).length;
    conflicts += conflicting;
    assert.equal(column('title.tokens_i')[p], a.tokens.length, at);
    assert.equal(column('title.tokens_j')[p], b.tokens.length, at);
    close(column('title.jaccard')[p], common / (a.tokens.length + b.tokens.length - common || 1), `${at} jaccard`);
    assert.equal(column('numbers.count_i')[p], a.numbers.length, at);
    assert.equal(column('numbers.count_j')[p], b.numbers.length, at);
    assert.equal(column('numbers.shared')[p], sharedNumbers, at);
    assert.equal(column('numbers.only_i')[p], a.numbers.length - sharedNumbers, at);
    assert.equal(column('numbers.only_j')[p], b.numbers.length - sharedNumbers, at);
    assert.equal(column('numbers.shared_quantities')[p], a.quantities.filter((q) => b.quantities.includes(q)).length, at);
    assert.equal(column('numbers.conflicting_units')[p], conflicting, `${at} conflicting units`);
  }
  assert.ok(conflicts > 0, 'the gallery has pairs with conflicting quantities');
});
