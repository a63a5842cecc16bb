import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sklearnTokenize } from './tokenize.ts';
import { idfWeights, tfidfVectors } from './tfidf.ts';
import type { CsrMatrix } from '@prodmatch/knn';

const TITLES = ['Double Tape 3M VHB 12 mm x 4,5 m ORIGINAL / DOUBLE FOAM TAPE', 'Crème Wardah_Instaperfect 14. Crème 13 g', 'tape foam 3M'];
const DOCS = TITLES.map(sklearnTokenize);

function denseRow(m: CsrMatrix, row: number): number[] {
  const out = new Array<number>(m.cols).fill(0);
  for (let p = m.indptr[row]; p < m.indptr[row + 1]; p++) out[m.indices[p]] = m.values[p];
  return out;
}

function assertClose(actual: ArrayLike<number>, expected: readonly number[], tolerance = 1e-5): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

// Expected numbers printed by scikit-learn 1.2.1: TfidfVectorizer(binary=True / default).fit_transform(TITLES).
test('vocabulary and smooth IDF match TfidfVectorizer', () => {
  const model = idfWeights(DOCS);
  assert.deepEqual(model.terms, [
    '12',
    '13',
    '14',
    '3m',
    'crème',
    'double',
    'foam',
    'mm',
    'original',
    'tape',
    'vhb',
    'wardah_instaperfect',
  ]);
  assertClose(
    model.idf,
    [1.693147, 1.693147, 1.693147, 1.287682, 1.693147, 1.693147, 1.287682, 1.693147, 1.693147, 1.287682, 1.693147, 1.693147],
  );
  assert.deepEqual(Array.from(model.df), [1, 1, 1, 2, 1, 1, 2, 1, 1, 2, 1, 1]);
  assert.equal(model.vocabulary.get('tape'), 9);
});

test('binary and count TF-IDF rows match TfidfVectorizer(binary=True) and TfidfVectorizer()', () => {
  const binary = tfidfVectors(DOCS, { weighting: 'binary' });
  assertClose(denseRow(binary, 2), [0, 0, 0, 0.57735, 0, 0, 0.57735, 0, 0, 0.57735, 0, 0]);
  const count = tfidfVectors(DOCS, { weighting: 'count' });
  assertClose(denseRow(count, 0), [0.295264, 0, 0, 0.224556, 0, 0.590528, 0.224556, 0.295264, 0.295264, 0.449112, 0.295264, 0]);
  assert.deepEqual(Array.from(binary.indptr), [0, 8, 12, 15]);
});

test('rows are unit length under l2 and columns ascend within a row', () => {
  for (const weighting of ['binary', 'count', 'sublinear', 'bm25'] as const) {
    const m = tfidfVectors(DOCS, { weighting });
    for (let r = 0; r < m.rows; r++) {
      let s = 0;
      for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) {
        s += m.values[p] ** 2;
        if (p > m.indptr[r]) assert.ok(m.indices[p] > m.indices[p - 1]);
      }
      assert.ok(Math.abs(s - 1) < 1e-6, `${weighting} row ${r} has squared norm ${s}`);
    }
  }
});

test('weightings differ only where a term repeats; sublinear is 1 + ln(count); idfPower 0 drops IDF', () => {
  const docs = [
    ['aa', 'aa', 'aa', 'bb'],
    ['bb', 'cc'],
  ];
  const raw = (weighting: 'binary' | 'count' | 'sublinear' | 'bm25', idfPower = 0) =>
    denseRow(tfidfVectors(docs, { weighting, norm: 'none', idfPower }), 0);
  assert.deepEqual(raw('binary'), [1, 1, 0]);
  assert.deepEqual(raw('count'), [3, 1, 0]);
  assertClose(raw('sublinear'), [1 + Math.log(3), 1, 0]);
  // BM25 with k1 = 1.2, b = 0.75, |doc| = 4, average length 3.
  const lengthFactor = 1 - 0.75 + (0.75 * 4) / 3;
  assertClose(raw('bm25'), [(3 * 2.2) / (3 + 1.2 * lengthFactor), (1 * 2.2) / (1 + 1.2 * lengthFactor), 0]);
  const withIdf = denseRow(tfidfVectors(docs, { weighting: 'binary', norm: 'none' }), 0);
  assertClose(withIdf, [Math.log(3 / 2) + 1, 1, 0]);
});

test('a fitted model is reused: unknown terms are ignored, minDf prunes rare terms, non-smooth IDF', () => {
  const model = idfWeights(DOCS, { minDf: 2 });
  assert.deepEqual(model.terms, ['3m', 'foam', 'tape']);
  const m = tfidfVectors([['tape', 'never-seen'], []], { weighting: 'binary', idf: model });
  assert.equal(m.cols, 3);
  assert.deepEqual(Array.from(m.indptr), [0, 1, 1]);
  assert.deepEqual(Array.from(m.values), [1]);
  assertClose(idfWeights([['a'], ['a', 'b']], { smooth: false }).idf, [1, Math.log(2) + 1]);
});
