// From hashed titles to the embedding bag's inputs: which table row each bucket has, and each row's
// weight in a title.
import type { HashedTitles } from './hashing.ts';

export interface BagVocabulary {
  bits: number;
  /** The table row of each bucket; -1 for a bucket seen in fewer than minDf training titles. */
  rowOfBucket: Int32Array;
  /** Smoothed IDF of each row's bucket over the training titles, ln((1 + n) / (1 + df)) + 1. */
  idf: Float32Array;
  rows: number;
  /** Training titles per bucket, and how many titles there were (the IDF of a bucket without a row). */
  bucketDf: Int32Array;
  documents: number;
}

/**
 * Table rows for the buckets of the training titles that occur in at least `minDf` of them. Rows exist
 * only for buckets training can move: a bucket never seen in training would keep its random start, and
 * a test title's unseen n-grams are dropped rather than added as noise.
 */
export function fitBagVocabulary(hashed: HashedTitles, bits: number, minDf: number): BagVocabulary {
  if (!(Number.isInteger(minDf) && minDf >= 1)) throw new Error(`min-df must be a positive integer, got ${minDf}`);
  const df = new Int32Array(2 ** bits);
  for (const bucket of hashed.buckets) {
    if (bucket >= df.length) throw new Error(`bucket ${bucket} is outside the ${bits}-bit table; hash the titles with the same bits`);
    df[bucket]++;
  }
  const rowOfBucket = new Int32Array(df.length).fill(-1);
  const idf: number[] = [];
  for (let bucket = 0; bucket < df.length; bucket++) {
    if (df[bucket] < minDf) continue;
    rowOfBucket[bucket] = idf.length;
    idf.push(Math.log((1 + hashed.rows) / (1 + df[bucket])) + 1);
  }
  return { bits, rowOfBucket, idf: Float32Array.from(idf), rows: idf.length, bucketDf: df, documents: hashed.rows };
}

/**
 * The vocabulary extended with a row after the table's for each bucket of `hashed` that has none (too
 * rare in training, or never seen there), in order of first occurrence; `extra` lists their buckets.
 */
export function withUnseenBuckets(vocabulary: BagVocabulary, hashed: HashedTitles): { vocabulary: BagVocabulary; extra: Int32Array } {
  const rowOfBucket = Int32Array.from(vocabulary.rowOfBucket);
  const idf = Array.from(vocabulary.idf);
  const extra: number[] = [];
  for (const bucket of hashed.buckets) {
    if (rowOfBucket[bucket] >= 0) continue;
    rowOfBucket[bucket] = idf.length;
    idf.push(Math.log((1 + vocabulary.documents) / (1 + vocabulary.bucketDf[bucket])) + 1);
    extra.push(bucket);
  }
  return { vocabulary: { ...vocabulary, rowOfBucket, idf: Float32Array.from(idf), rows: idf.length }, extra: Int32Array.from(extra) };
}

/** How a title's rows are weighted before the weights are L2-normalised: IDF (binary TF-IDF) or equally. */
export type InputWeighting = 'idf' | 'uniform';

/** Each title's table rows and weights, as CSR rows. */
export interface BagInputs {
  rows: number;
  indptr: Int32Array;
  ids: Int32Array;
  weights: Float32Array;
}

export function bagInputs(hashed: HashedTitles, vocabulary: BagVocabulary, weighting: InputWeighting): BagInputs {
  const indptr = new Int32Array(hashed.rows + 1);
  const ids: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < hashed.rows; i++) {
    const start = ids.length;
    let squares = 0;
    for (let p = hashed.indptr[i]; p < hashed.indptr[i + 1]; p++) {
      const row = vocabulary.rowOfBucket[hashed.buckets[p]];
      if (row < 0) continue;
      const w = weighting === 'idf' ? vocabulary.idf[row] : 1;
      ids.push(row);
      weights.push(w);
      squares += w * w;
    }
    const scale = squares > 0 ? 1 / Math.sqrt(squares) : 0;
    for (let p = start; p < weights.length; p++) weights[p] *= scale;
    indptr[i + 1] = ids.length;
  }
  return { rows: hashed.rows, indptr, ids: Int32Array.from(ids), weights: Float32Array.from(weights) };
}

/** The bag inputs of a batch of titles, in terms of the batch's own distinct table rows. */
export interface BagBatch {
  /** Distinct table rows the batch reads, ascending. */
  tableRows: Int32Array;
  /** Per entry: index into tableRows, weight, and which title of the batch (0-based) it belongs to. */
  local: Int32Array;
  weights: Float32Array;
  segments: Int32Array;
  titles: number;
}

export function bagBatch(inputs: BagInputs, titles: ArrayLike<number>): BagBatch {
  let entries = 0;
  for (let b = 0; b < titles.length; b++) entries += inputs.indptr[titles[b] + 1] - inputs.indptr[titles[b]];
  const local = new Int32Array(entries);
  const weights = new Float32Array(entries);
  const segments = new Int32Array(entries);
  const distinct = new Map<number, number>();
  let e = 0;
  for (let b = 0; b < titles.length; b++) {
    for (let p = inputs.indptr[titles[b]]; p < inputs.indptr[titles[b] + 1]; p++) {
      const row = inputs.ids[p];
      let slot = distinct.get(row);
      if (slot === undefined) distinct.set(row, (slot = distinct.size));
      local[e] = slot;
      weights[e] = inputs.weights[p];
      segments[e] = b;
      e++;
    }
  }
  // Ascending table rows make the table's reads and writes sequential; slots are renumbered to match.
  const tableRows = Int32Array.from(distinct.keys()).sort();
  const renumber = new Int32Array(tableRows.length);
  tableRows.forEach((row, i) => {
    renumber[distinct.get(row) as number] = i;
  });
  for (let i = 0; i < entries; i++) local[i] = renumber[local[i]];
  return { tableRows, local, weights, segments, titles: titles.length };
}
