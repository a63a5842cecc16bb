import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cooccurrenceCounts,
  sentenceVectors,
  trainGlove,
  trainGloveOnCooccurrences,
  type Cooccurrences,
  type WordVectors,
} from './glove.ts';
import { loadGloveText } from './glove-text.ts';

function cell(cooc: Cooccurrences, row: string, col: string): number {
  const i = cooc.index.get(row)!;
  const j = cooc.index.get(col)!;
  const { indptr, indices, values } = cooc.matrix;
  for (let e = indptr[i]; e < indptr[i + 1]; e++) if (indices[e] === j) return values[e];
  return 0;
}

function nonzeroCount(cooc: Cooccurrences): number {
  return cooc.matrix.indices.length;
}

test('co-occurrence counts are 1/distance within the window, per document, both sides when symmetric', () => {
  const docs = [
    ['a', 'b', 'c'],
    ['c', 'a'],
  ];
  const cooc = cooccurrenceCounts(docs, { window: 2, minCount: 1 });
  assert.deepEqual(cooc.words, ['a', 'c', 'b']);
  assert.deepEqual([...cooc.wordCounts], [2, 2, 1]);
  assert.equal(cell(cooc, 'a', 'b'), 1);
  assert.equal(cell(cooc, 'b', 'a'), 1);
  assert.equal(cell(cooc, 'b', 'c'), 1);
  assert.equal(cell(cooc, 'c', 'b'), 1);
  assert.equal(cell(cooc, 'a', 'c'), 1.5); // distance 2 in doc 1, distance 1 in doc 2
  assert.equal(cell(cooc, 'c', 'a'), 1.5);
  assert.equal(cell(cooc, 'a', 'a'), 0);
  assert.equal(nonzeroCount(cooc), 6);
});

test('asymmetric counts keep only left context; window and minCount are applied after dropping rare words', () => {
  const asymmetric = cooccurrenceCounts([['a', 'b', 'c']], { window: 2, minCount: 1, symmetric: false });
  assert.equal(cell(asymmetric, 'a', 'b'), 1);
  assert.equal(cell(asymmetric, 'b', 'a'), 0);
  assert.equal(cell(asymmetric, 'a', 'c'), 0.5);
  assert.equal(nonzeroCount(asymmetric), 3);

  // 'x' occurs once and is dropped, so 'a' and 'b' become adjacent; 'a'..'c' are then 2 apart, outside window 1.
  const pruned = cooccurrenceCounts(
    [
      ['a', 'x', 'b', 'c'],
      ['a', 'b', 'c'],
    ],
    { window: 1, minCount: 2 },
  );
  assert.deepEqual(pruned.words, ['a', 'b', 'c']);
  assert.equal(cell(pruned, 'a', 'b'), 2);
  assert.equal(cell(pruned, 'a', 'c'), 0);
  assert.equal(cell(pruned, 'b', 'c'), 2);
});

test('co-occurrence counting rejects a non-integer window', () => {
  assert.throws(() => cooccurrenceCounts([['a']], { window: 0, minCount: 1 }), /window must be a positive integer/);
});

/** Two topics with disjoint words; each document draws 6 words of one topic. Seeded LCG so the corpus is fixed. */
function topicCorpus(): { docs: string[][]; topicA: string[]; topicB: string[] } {
  const topicA = ['red', 'green', 'blue', 'cyan', 'pink', 'teal', 'gold', 'grey'];
  const topicB = ['dog', 'cat', 'cow', 'pig', 'hen', 'fox', 'owl', 'yak'];
  let state = 12345;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296;
  const docs: string[][] = [];
  for (let d = 0; d < 400; d++) {
    const topic = d % 2 === 0 ? topicA : topicB;
    docs.push(Array.from({ length: 6 }, () => topic[Math.floor(next() * topic.length)]));
  }
  return { docs, topicA, topicB };
}

function cosine(v: WordVectors, a: string, b: string): number {
  const i = v.index.get(a)! * v.dim;
  const j = v.index.get(b)! * v.dim;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let k = 0; k < v.dim; k++) {
    dot += v.vectors[i + k] * v.vectors[j + k];
    na += v.vectors[i + k] ** 2;
    nb += v.vectors[j + k] ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

const smallOptions = { dim: 8, window: 3, minCount: 1, xMax: 10, alpha: 0.75, epochs: 40, learningRate: 0.05, seed: 7 };

test('GloVe loss falls during training and words of the same topic end up closer than words of different topics', () => {
  const { docs, topicA, topicB } = topicCorpus();
  const losses: number[] = [];
  const vectors = trainGlove(docs, { ...smallOptions, onEpoch: (_epoch, loss) => losses.push(loss) });
  assert.equal(losses.length, smallOptions.epochs);
  assert.ok(losses.at(-1)! < losses[0] * 0.2, `loss ${losses[0]} -> ${losses.at(-1)} did not fall enough`);
  assert.equal(vectors.dim, 8);
  assert.equal(vectors.vectors.length, 16 * 8);

  let within = 0;
  let withinPairs = 0;
  let across = 0;
  let acrossPairs = 0;
  for (const topic of [topicA, topicB]) {
    for (const a of topic)
      for (const b of topic)
        if (a < b) {
          within += cosine(vectors, a, b);
          withinPairs++;
        }
  }
  for (const a of topicA)
    for (const b of topicB) {
      across += cosine(vectors, a, b);
      acrossPairs++;
    }
  within /= withinPairs;
  across /= acrossPairs;
  assert.ok(within > across + 0.3, `mean cosine within topics ${within.toFixed(3)} vs across ${across.toFixed(3)}`);
  // Every word's nearest other word is from its own topic.
  for (const word of [...topicA, ...topicB]) {
    const own = topicA.includes(word) ? topicA : topicB;
    let best = '';
    let bestCos = -Infinity;
    for (const other of [...topicA, ...topicB]) {
      if (other === word) continue;
      const c = cosine(vectors, word, other);
      if (c > bestCos) {
        bestCos = c;
        best = other;
      }
    }
    assert.ok(own.includes(best), `nearest word to '${word}' is '${best}' from the other topic`);
  }
});

test('GloVe training is deterministic for a seed and differs across seeds', () => {
  const { docs } = topicCorpus();
  const cooc = cooccurrenceCounts(docs, { window: 3, minCount: 1 });
  const options = { ...smallOptions, epochs: 3 };
  const first = trainGloveOnCooccurrences(cooc, options);
  const again = trainGloveOnCooccurrences(cooc, options);
  const other = trainGloveOnCooccurrences(cooc, { ...options, seed: 8 });
  assert.deepEqual(first.vectors, again.vectors);
  assert.notDeepEqual(first.vectors, other.vectors);
});

test('GloVe fits a hand-made co-occurrence matrix: w_i·w̃_j + b_i + b̃_j approaches log X_ij', () => {
  const cooc = cooccurrenceCounts([['a', 'b', 'c', 'a', 'b', 'a']], { window: 2, minCount: 1 });
  let finalLoss = Infinity;
  trainGloveOnCooccurrences(cooc, {
    dim: 4,
    xMax: 1,
    alpha: 0.75,
    epochs: 400,
    learningRate: 0.1,
    seed: 1,
    onEpoch: (_e, loss) => (finalLoss = loss),
  });
  assert.ok(finalLoss < 1e-4, `loss ${finalLoss} on 9 cells with 4 dimensions and biases should be ~0`);
});

test('loadGloveText reads the Stanford text format, optionally keeping only a vocabulary', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'glove-test-'));
  try {
    const path = join(dir, 'tiny.txt');
    await writeFile(path, 'the 0.5 -1 2\nkopi 1e-2 0 3.25 \r\nthe 9 9 9\n. . . 1 2 3\n\n');
    const all = await loadGloveText(path);
    assert.equal(all.dim, 3);
    assert.deepEqual(all.words, ['the', 'kopi', '. . .']);
    assert.deepEqual([...all.vectors], [0.5, -1, 2, 0.01, 0, 3.25, 1, 2, 3].map(Math.fround));
    assert.equal(all.index.get('kopi'), 1);

    const some = await loadGloveText(path, { vocabulary: new Set(['kopi', 'absent']) });
    assert.deepEqual(some.words, ['kopi']);
    assert.deepEqual([...some.vectors], [0.01, 0, 3.25].map(Math.fround));
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('loadGloveText rejects malformed lines with file:line in a one-line message', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'glove-test-'));
  try {
    const short = join(dir, 'short.txt');
    await writeFile(short, 'the 0.5 -1 2\nkopi 1 2 3\nsusu 1 2\n');
    await assert.rejects(loadGloveText(short), (error: Error) => {
      assert.match(error.message, /short\.txt:3: expected a word followed by 3 numbers/);
      assert.ok(!error.message.includes('\n'));
      return true;
    });
    const notNumber = join(dir, 'nan.txt');
    await writeFile(notNumber, 'the 0.5 -1 2\nkopi 1 abc 3\n');
    await assert.rejects(loadGloveText(notNumber), /nan\.txt:2: field 3 \('abc'\) of word 'kopi' is not a finite number/);
    const header = join(dir, 'w2v.txt');
    await writeFile(header, '2 3\nthe 0.5 -1 2\n');
    await assert.rejects(loadGloveText(header), /w2v\.txt:1: .*word2vec header/);
    await assert.rejects(loadGloveText(join(dir, 'missing.txt')), /missing\.txt: cannot open GloVe vectors \(ENOENT\)/);
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('sentence vectors are the (weighted) mean of known word vectors, l2-normalised; no known word gives zeros', () => {
  const words = ['a', 'b', 'c'];
  const vectors: WordVectors = {
    words,
    index: new Map(words.map((w, i) => [w, i])),
    dim: 2,
    vectors: Float32Array.from([1, 0, 0, 1, 3, 4]),
  };
  const docs = [['a', 'b'], ['c', 'unknown'], ['unknown'], [], ['a', 'a', 'b']];
  const mean = sentenceVectors(docs, vectors);
  const close = (actual: Float32Array, expected: number[]) =>
    expected.forEach((value, k) => assert.ok(Math.abs(actual[k] - value) < 1e-6, `${[...actual]} vs ${expected}`));
  close(mean.subarray(0, 2), [Math.SQRT1_2, Math.SQRT1_2]);
  close(mean.subarray(2, 4), [0.6, 0.8]);
  close(mean.subarray(4, 8), [0, 0, 0, 0]);
  close(mean.subarray(8, 10), [2 / Math.sqrt(5), 1 / Math.sqrt(5)]); // repeated words count every time

  const idf = new Map([
    ['a', 3],
    ['b', 1],
    ['c', 0],
  ]);
  const weighted = sentenceVectors(docs, vectors, (token) => idf.get(token) ?? 1);
  close(weighted.subarray(0, 2), [3 / Math.sqrt(10), 1 / Math.sqrt(10)]);
  close(weighted.subarray(2, 4), [0, 0]); // the only known word has weight 0
  close(weighted.subarray(8, 10), [6 / Math.sqrt(37), 1 / Math.sqrt(37)]);
});
