import type { CsrMatrix } from '@prodmatch/knn';

export interface CharTfidfOptions {
  /** n-gram lengths, as scikit-learn's ngram_range. Default [2, 4]. */
  ngramRange?: [number, number];
  /** 'count' (scikit-learn's default tf) or 'sublinear' (1 + ln count). Default 'count'. */
  tf?: 'count' | 'sublinear';
  /** Drop n-grams seen in fewer documents than this. Default 1. */
  minDf?: number;
}

/** Python's str.split(): runs of whitespace (ASCII and Unicode) separate words. */
const WHITESPACE = /[\s\u001c-\u001f\u0085]+/u;

/**
 * TF-IDF of character n-grams within words, as scikit-learn's TfidfVectorizer(analyzer='char_wb')
 * computes it: lowercase, split on whitespace, each word padded with one space each side, n-grams of
 * every length in the range (a padded word shorter than n counts once, whole), count tf, smooth IDF,
 * l2 norm. N-grams are interned to integer columns as they are met (column order does not change any
 * cosine), which keeps 27k titles at ~3 M n-grams to a second or two.
 */
export function charTfidfVectors(titles: readonly string[], opts: CharTfidfOptions = {}): CsrMatrix {
  const [minN, maxN] = opts.ngramRange ?? [2, 4];
  if (!(Number.isInteger(minN) && minN >= 1 && Number.isInteger(maxN) && maxN >= minN))
    throw new Error(`charTfidfVectors: ngramRange must be integers 1 <= min <= max, got [${minN}, ${maxN}]`);
  const vocabulary = new Map<string, number>();
  const docColumns: Int32Array[] = [];
  const docCounts: Float32Array[] = [];
  let df = new Int32Array(1024);
  const counts = new Map<number, number>();
  for (const title of titles) {
    counts.clear();
    for (const word of title.toLowerCase().split(WHITESPACE)) {
      if (word === '') continue;
      const padded = ` ${word} `;
      // Code points, not UTF-16 units, as Python slices: only non-ASCII words pay for Array.from.
      const chars = /^[\x00-\x7f]*$/.test(padded) ? null : Array.from(padded);
      const length = chars ? chars.length : padded.length;
      for (let n = minN; n <= maxN; n++) {
        if (length <= n) {
          addTerm(padded);
          break;
        }
        for (let i = 0; i + n <= length; i++) addTerm(chars ? chars.slice(i, i + n).join('') : padded.slice(i, i + n));
      }
    }
    const columns = Int32Array.from(counts.keys()).sort();
    const values = Float32Array.from(columns, (c) => counts.get(c) as number);
    for (const c of columns) df[c]++;
    docColumns.push(columns);
    docCounts.push(values);
  }
  function addTerm(term: string): void {
    let column = vocabulary.get(term);
    if (column === undefined) {
      column = vocabulary.size;
      vocabulary.set(term, column);
      if (column >= df.length) {
        const grown = new Int32Array(df.length * 2);
        grown.set(df);
        df = grown;
      }
    }
    counts.set(column, (counts.get(column) ?? 0) + 1);
  }

  const n = titles.length;
  const minDf = opts.minDf ?? 1;
  const idf = new Float32Array(vocabulary.size);
  for (let c = 0; c < idf.length; c++) idf[c] = df[c] >= minDf ? Math.log((1 + n) / (1 + df[c])) + 1 : 0;
  const indptr = new Int32Array(n + 1);
  let nnz = 0;
  for (let i = 0; i < n; i++) nnz += docColumns[i].length;
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const start = at;
    let squares = 0;
    const columns = docColumns[i];
    for (let p = 0; p < columns.length; p++) {
      const c = columns[p];
      if (idf[c] === 0) continue;
      const count = docCounts[i][p];
      const w = (opts.tf === 'sublinear' ? 1 + Math.log(count) : count) * idf[c];
      indices[at] = c;
      values[at++] = w;
      squares += w * w;
    }
    const scale = squares > 0 ? 1 / Math.sqrt(squares) : 0;
    for (let p = start; p < at; p++) values[p] *= scale;
    indptr[i + 1] = at;
  }
  return { rows: n, cols: vocabulary.size, indptr, indices: indices.slice(0, at), values: values.slice(0, at) };
}
