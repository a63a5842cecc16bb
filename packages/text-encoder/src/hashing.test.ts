import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_FEATURES, hashBucket, hashTitles, titleFeatureStrings } from './hashing.ts';

test('a feature hashes to the same bucket in every run: fixed values, within the table', () => {
  // Pinned values: a change to the hash would silently orphan every trained table and checkpoint.
  assert.equal(hashBucket('w1\u0001redmi', 18), hashBucket('w1\u0001redmi', 18));
  assert.deepEqual(
    ['w1\u0001redmi', 'w2\u0001redmi 8', 'c\u0001 re', ''].map((f) => hashBucket(f, 18)),
    PINNED,
  );
  for (let bits = 1; bits <= 30; bits += 7) {
    const b = hashBucket('c\u0001mi ', bits);
    assert.ok(b >= 0 && b < 2 ** bits && Number.isInteger(b));
  }
  // The low bits kept for a smaller table are those of the larger one.
  assert.equal(hashBucket('w1\u0001redmi', 10), hashBucket('w1\u0001redmi', 18) & 1023);
});

// Computed independently (Python, the same FNV-1a + murmur3 finaliser over UTF-16 code units).
const PINNED = [118457, 106071, 197977, 162827];

test('titles give the same features and buckets whenever they are hashed, kinds kept apart', () => {
  const titles = ['Xiaomi Redmi 8 RAM 3/32GB', 'Sabun Cuci Muka 150ml', 'Xiaomi Redmi 8 RAM 3/32GB'];
  const a = hashTitles(titles, DEFAULT_FEATURES);
  const b = hashTitles([...titles], DEFAULT_FEATURES);
  assert.deepEqual(a, b);
  assert.deepEqual(a.buckets.slice(a.indptr[0], a.indptr[1]), a.buckets.slice(a.indptr[2], a.indptr[3]));
  const strings = titleFeatureStrings('redmi 8', DEFAULT_FEATURES);
  assert.deepEqual(
    strings.filter((s) => s.startsWith('w')),
    ['w1\u0001redmi', 'w1\u00018', 'w2\u0001redmi 8'],
  );
  assert.ok(strings.includes('c\u0001 re') && strings.includes('c\u0001 8 '));
  // Each title's buckets ascend and are distinct; counts add up to the features.
  for (let i = 0; i < a.rows; i++) {
    const row = Array.from(a.buckets.slice(a.indptr[i], a.indptr[i + 1]));
    assert.deepEqual(
      row,
      [...new Set(row)].sort((x, y) => x - y),
    );
  }
  const counted = Array.from(a.counts.slice(a.indptr[0], a.indptr[1])).reduce((s, c) => s + c, 0);
  assert.equal(counted, titleFeatureStrings(titles[0], DEFAULT_FEATURES).length);
});

test('bad hashing settings are refused with the setting named', () => {
  assert.throws(() => hashTitles(['x'], { ...DEFAULT_FEATURES, bits: 0 }), /bits must be an integer in 1\.\.30/);
  assert.throws(() => hashTitles(['x'], { ...DEFAULT_FEATURES, wordNgrams: [2, 1] }), /word n-grams need 1 <= min <= max/);
});
