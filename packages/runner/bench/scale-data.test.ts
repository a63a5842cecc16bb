import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Posting } from '@prodmatch/data';
import { commonWords, derivePostings, matchRecall, readSubmission } from './scale-data.ts';

const posting = (i: number, title: string, phash: string, group: string): Posting => ({
  postingId: `p${i}`,
  image: `${i}.jpg`,
  imagePhash: phash,
  title,
  labelGroup: group,
});

// 800 titles: "original" in every one (common), one product word per group of two (rare).
const real: Posting[] = Array.from({ length: 800 }, (_, i) =>
  posting(i, `Original Brand${i >> 1} 500ml`, (0xf0f0n * BigInt(i + 1)).toString(16).padStart(16, '0'), `g${i >> 1}`),
);

const bits = (a: string, b: string): number => (BigInt(`0x${a}`) ^ BigInt(`0x${b}`)).toString(2).replace(/0/g, '').length;

test('derived copies keep common words and in-copy hash distances, and rename product words per copy', () => {
  const common = commonWords(real.map((p) => p.title));
  assert.ok(common.has('original') && common.has('500ml') && !common.has('brand7'));
  const rows = derivePostings(real, 2000, 3);
  assert.equal(rows.length, 2000);
  assert.deepEqual(
    rows.slice(0, 800).map((p) => p.title),
    real.map((p) => p.title),
  );
  const [a, b, c] = [rows[14], rows[814], rows[1614]]; // one real posting, then its copies 1 and 2
  assert.equal(b.labelGroup, 'g7#1');
  assert.equal(c.labelGroup, 'g7#2');
  for (const copy of [b, c]) {
    const words = copy.title.split(' ');
    assert.equal(words[0], 'original');
    assert.equal(words[2], '500ml');
    assert.notEqual(words[1], 'brand7');
    assert.equal(words[1].length, 'brand7'.length);
  }
  assert.notEqual(b.title, c.title);
  // Group mates of one copy: the same substitution, the same hash distance as the real pair.
  assert.equal(rows[815].title.split(' ')[1], b.title.split(' ')[1]);
  assert.equal(bits(b.imagePhash, rows[815].imagePhash), bits(a.imagePhash, rows[15].imagePhash));
  assert.ok(bits(a.imagePhash, b.imagePhash) > 8, 'a copy is another picture');
});

test('match recall counts the reference pairs found, self excluded', () => {
  const reference = readSubmission('posting_id,matches\na,a b c\nb,b a\nc,c a\n');
  const measured = readSubmission('posting_id,matches\na,a b d\nb,b a\nc,c\n');
  assert.deepEqual(matchRecall(reference, measured), { recall: 2 / 4, referenceMatches: 4, measuredMatches: 3, extra: 1 });
});
