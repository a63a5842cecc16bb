import type { CsrMatrix } from '@prodmatch/knn';

/** Document frequencies and IDF over a tokenized corpus. Column j of every vector built from it is `terms[j]`. */
export interface IdfModel {
  vocabulary: Map<string, number>;
  terms: string[];
  idf: Float32Array;
  df: Int32Array;
  documents: number;
}

export interface IdfOptions {
  /** scikit-learn's `smooth_idf`: idf = ln((1 + n) / (1 + df)) + 1, else ln(n / df) + 1. Default true. */
  smooth?: boolean;
  /** Drop terms in fewer documents than this (scikit-learn's integer `min_df`). Default 1. */
  minDf?: number;
}

/** Fit the vocabulary (terms sorted, as scikit-learn orders columns) and IDF weights. */
export function idfWeights(docs: readonly (readonly string[])[], opts: IdfOptions = {}): IdfModel {
  const smooth = opts.smooth ?? true;
  const minDf = opts.minDf ?? 1;
  const counts = new Map<string, number>();
  for (const doc of docs) {
    for (const term of new Set(doc)) counts.set(term, (counts.get(term) ?? 0) + 1);
  }
  const terms = [...counts.keys()].filter((t) => counts.get(t)! >= minDf).sort();
  const n = docs.length;
  const vocabulary = new Map<string, number>();
  const df = new Int32Array(terms.length);
  const idf = new Float32Array(terms.length);
  terms.forEach((term, j) => {
    vocabulary.set(term, j);
    df[j] = counts.get(term)!;
    idf[j] = smooth ? Math.log((1 + n) / (1 + df[j])) + 1 : Math.log(n / df[j]) + 1;
  });
  return { vocabulary, terms, idf, df, documents: n };
}

/** How a term's occurrences in one document become its weight before IDF:
 *  binary = 1; count = occurrences; sublinear = 1 + ln(count); bm25 = saturated count with length normalisation. */
export type TermWeighting = 'binary' | 'count' | 'sublinear' | 'bm25';

export interface TfidfOptions {
  weighting: TermWeighting;
  /** A model fitted elsewhere (e.g. on a training split); fitted on `docs` with `idfOptions` when absent.
   *  Terms outside its vocabulary are ignored. */
  idf?: IdfModel;
  idfOptions?: IdfOptions;
  /** Raise IDF to this power: < 1 flattens rare-term dominance, 0 drops IDF. Default 1. */
  idfPower?: number;
  /** 'l2' makes dot products cosine similarities. Default 'l2'. */
  norm?: 'l2' | 'none';
  /** BM25 saturation k1 and length normalisation b (only for weighting 'bm25'). Defaults 1.2 and 0.75. */
  bm25?: { k1?: number; b?: number };
}

/** Sparse TF-IDF vectors, one CSR row per document, columns in the model's vocabulary order. */
export function tfidfVectors(docs: readonly (readonly string[])[], opts: TfidfOptions): CsrMatrix {
  const model = opts.idf ?? idfWeights(docs, opts.idfOptions);
  const power = opts.idfPower ?? 1;
  const norm = opts.norm ?? 'l2';
  const k1 = opts.bm25?.k1 ?? 1.2;
  const b = opts.bm25?.b ?? 0.75;
  const idf = power === 1 ? model.idf : model.idf.map((w) => w ** power);

  let averageLength = 0;
  if (opts.weighting === 'bm25') {
    for (const doc of docs) averageLength += doc.length;
    averageLength = averageLength / Math.max(1, docs.length) || 1;
  }

  const indptr = new Int32Array(docs.length + 1);
  const indices: number[] = [];
  const values: number[] = [];
  const termCounts = new Map<number, number>();
  for (let i = 0; i < docs.length; i++) {
    const doc = docs[i];
    termCounts.clear();
    for (const term of doc) {
      const j = model.vocabulary.get(term);
      if (j !== undefined) termCounts.set(j, (termCounts.get(j) ?? 0) + 1);
    }
    const columns = [...termCounts.keys()].sort((x, y) => x - y);
    const start = values.length;
    let squares = 0;
    for (const j of columns) {
      const count = termCounts.get(j)!;
      let tf: number;
      switch (opts.weighting) {
        case 'binary':
          tf = 1;
          break;
        case 'count':
          tf = count;
          break;
        case 'sublinear':
          tf = 1 + Math.log(count);
          break;
        case 'bm25':
          tf = (count * (k1 + 1)) / (count + k1 * (1 - b + (b * doc.length) / averageLength));
          break;
        default:
          throw new Error(`tfidfVectors: unknown weighting '${String(opts.weighting)}' (binary, count, sublinear or bm25)`);
      }
      const w = tf * idf[j];
      indices.push(j);
      values.push(w);
      squares += w * w;
    }
    if (norm === 'l2' && squares > 0) {
      const scale = 1 / Math.sqrt(squares);
      for (let p = start; p < values.length; p++) values[p] *= scale;
    }
    indptr[i + 1] = values.length;
  }
  return {
    rows: docs.length,
    cols: model.terms.length,
    indptr,
    indices: Int32Array.from(indices),
    values: Float32Array.from(values),
  };
}
