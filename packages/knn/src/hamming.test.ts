import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hammingTopK, hash64FromHex } from './hamming.ts';

function naive(hexes: string[], k: number): { idx: number[]; d: number[] }[] {
  const bits = (h: string) => BigInt(`0x${h}`);
  return hexes.map((a, i) => {
    const all = hexes.map((b, j) => ({ j, d: (bits(a) ^ bits(b)).toString(2).split('1').length - 1 }));
    all.sort((x, y) => (x.j === i ? -1 : y.j === i ? 1 : x.d - y.d || x.j - y.j));
    const top = all.slice(0, k);
    return { idx: top.map((t) => t.j), d: top.map((t) => t.d) };
  });
}

test('hamming top-k matches a naive BigInt reference, self first, ties in gallery order', () => {
  let state = 12345;
  const rand = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const base = Array.from({ length: 15 }, () => Array.from({ length: 16 }, () => Math.floor(rand() * 16).toString(16)).join(''));
  // near-duplicates and exact duplicates, as reposted images give
  const hexes = [...base, ...base.slice(0, 8).map((h) => h.slice(0, 15) + (parseInt(h[15], 16) ^ 1).toString(16)), base[2], base[2]];
  const got = hammingTopK(hash64FromHex(hexes), hash64FromHex(hexes), 7, { sameSet: true });
  const want = naive(hexes, 7);
  want.forEach((w, i) => {
    assert.deepEqual([...got.indices[i]], w.idx, `row ${i}`);
    assert.deepEqual([...got.distances[i]], w.d, `row ${i}`);
  });
  const small = hammingTopK(hash64FromHex(hexes.slice(0, 3)), hash64FromHex(hexes.slice(0, 3)), 10, { sameSet: true });
  assert.equal(small.indices[0].length, 3);
  assert.throws(() => hash64FromHex(['xyz']), /row 0: "xyz" is not a 64-bit hex hash/);
});
