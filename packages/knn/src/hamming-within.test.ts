import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '@prodmatch/data';
import { hammingLayout, hammingTopK, hammingWithin, hammingWithinOnWorker, type Hash64Matrix } from './index.ts';

// Clusters of near-duplicate hashes (0-20 bit flips from a random centre) plus exact duplicates.
function clusteredHashes(rows: number, seed: number): Hash64Matrix {
  const random = seededRandom(seed);
  const words = new Uint32Array(rows * 2);
  const centres = Array.from({ length: Math.ceil(rows / 6) }, () => [Math.floor(random() * 2 ** 32), Math.floor(random() * 2 ** 32)]);
  for (let i = 0; i < rows; i++) {
    let [hi, lo] = centres[Math.floor(random() * centres.length)];
    for (let f = Math.floor(random() * 21); f > 0; f--) {
      const bit = Math.floor(random() * 64);
      if (bit < 32) hi ^= 1 << bit;
      else lo ^= 1 << (bit - 32);
    }
    words[2 * i] = hi >>> 0;
    words[2 * i + 1] = lo >>> 0;
  }
  return { rows, words };
}

test('hammingWithin equals the all-pairs top-k cut at the radius, ties and self included', () => {
  for (const [rows, seed] of [
    [400, 1],
    [1000, 2],
  ]) {
    const hashes = clusteredHashes(rows, seed);
    for (const [k, radius] of [
      [50, 16],
      [50, 17],
      [5, 10],
      [1, 16],
      [50, 0],
      // Layouts other than six 10-11-bit substrings, some across the two 32-bit words (hammingLayout).
      [50, 8],
      [50, 12],
      [20, 24],
      [50, 32],
    ]) {
      const all = hammingTopK(hashes, hashes, k, { sameSet: true });
      const within = hammingWithin(hashes, k, radius);
      for (let i = 0; i < rows; i++) {
        const keep = Array.from(all.distances[i]).filter((d) => d <= radius).length;
        assert.deepEqual(
          Array.from(within.indices[i]),
          Array.from(all.indices[i].subarray(0, keep)),
          `rows ${rows}, k ${k}, radius ${radius}, row ${i}`,
        );
        assert.deepEqual(Array.from(within.distances[i]), Array.from(all.distances[i].subarray(0, keep)));
      }
    }
  }
  for (const [radius, rows] of [
    [8, 1000],
    [8, 280_000],
    [16, 27_000],
    [16, 280_000],
  ]) {
    const { chunks, radius: perChunk } = hammingLayout(radius, rows);
    assert.equal(
      chunks.reduce((s, c) => s + c.bits, 0),
      64,
      `the substrings cover the hash once (radius ${radius}, ${rows} rows)`,
    );
    assert.ok(
      chunks.length * (perChunk + 1) > radius,
      'pigeonhole: a pair within the radius agrees within perChunk flips on one substring',
    );
  }
  assert.throws(() => hammingWithin(clusteredHashes(10, 3), 5, 33), /maxDistance must be an integer in 0..32 bits, got 33/);
});

test('hammingWithinOnWorker returns the same lists from a worker thread', async () => {
  const hashes = clusteredHashes(600, 4);
  const here = hammingWithin(hashes, 50, 16);
  const there = await hammingWithinOnWorker(hashes, 50, 16);
  assert.equal(there.indices.length, 600);
  for (let i = 0; i < 600; i++) {
    assert.deepEqual(Array.from(there.indices[i]), Array.from(here.indices[i]));
    assert.deepEqual(Array.from(there.distances[i]), Array.from(here.distances[i]));
  }
});
