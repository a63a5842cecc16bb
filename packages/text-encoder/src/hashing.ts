// Titles as hashed n-gram features: word n-grams and character n-grams of the title tokenizer's words,
// each hashed into 2^bits buckets. Hashing bounds the model's table whatever the vocabulary, and a
// bucket is a pure function of the n-gram, so training and inference (and every run) agree on it.
import { charNgrams, tokenizeTitle, type TitleTokenizerOptions } from '@prodmatch/text';

export interface HashedFeatureSpec {
  /** log2 of the number of buckets (the prototype used 18). */
  bits: number;
  /** Word n-gram orders, inclusive, e.g. [1, 2] for unigrams and bigrams. */
  wordNgrams: [number, number];
  /** Character n-grams of each space-padded word (scikit-learn's char_wb), inclusive; null for none. */
  charNgrams: [number, number] | null;
  title: TitleTokenizerOptions;
}

export const DEFAULT_FEATURES: HashedFeatureSpec = { bits: 18, wordNgrams: [1, 2], charNgrams: [3, 5], title: { keepGlued: true } };

/**
 * The n-gram strings of a title, each prefixed with its kind so that the word `abc` and the character
 * trigram `abc` never share a bucket by construction (only by a hash collision).
 */
export function titleFeatureStrings(title: string, spec: HashedFeatureSpec): string[] {
  const words = tokenizeTitle(title, spec.title);
  const out: string[] = [];
  const [minWord, maxWord] = spec.wordNgrams;
  for (let n = minWord; n <= maxWord; n++) {
    for (let i = 0; i + n <= words.length; i++) out.push(`w${n}\u0001${words.slice(i, i + n).join(' ')}`);
  }
  if (spec.charNgrams) for (const gram of charNgrams(words, spec.charNgrams[0], spec.charNgrams[1])) out.push(`c\u0001${gram}`);
  return out;
}

/**
 * The bucket of one feature string: 32-bit FNV-1a over its UTF-16 code units, then murmur3's finaliser
 * so that the low bits kept by the mask depend on every input bit. Fixed arithmetic, no seed: the same
 * string lands in the same bucket on every platform and in every run.
 */
export function hashBucket(feature: string, bits: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < feature.length; i++) h = Math.imul(h ^ feature.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) & ((1 << bits) - 1);
}

/** Each title's distinct buckets (ascending) and how often each occurs, as CSR rows. */
export interface HashedTitles {
  rows: number;
  indptr: Int32Array;
  buckets: Int32Array;
  counts: Float32Array;
}

export function hashTitles(titles: readonly string[], spec: HashedFeatureSpec): HashedTitles {
  if (!(Number.isInteger(spec.bits) && spec.bits >= 1 && spec.bits <= 30))
    throw new Error(`hashed features: bits must be an integer in 1..30, got ${spec.bits}`);
  const [minWord, maxWord] = spec.wordNgrams;
  if (!(Number.isInteger(minWord) && minWord >= 1 && maxWord >= minWord))
    throw new Error(`hashed features: word n-grams need 1 <= min <= max, got ${minWord}..${maxWord}`);
  const indptr = new Int32Array(titles.length + 1);
  const buckets: number[] = [];
  const counts: number[] = [];
  const seen = new Map<number, number>();
  titles.forEach((title, i) => {
    seen.clear();
    for (const feature of titleFeatureStrings(title, spec)) {
      const bucket = hashBucket(feature, spec.bits);
      seen.set(bucket, (seen.get(bucket) ?? 0) + 1);
    }
    for (const bucket of [...seen.keys()].sort((a, b) => a - b)) {
      buckets.push(bucket);
      counts.push(seen.get(bucket) as number);
    }
    indptr[i + 1] = buckets.length;
  });
  return { rows: titles.length, indptr, buckets: Int32Array.from(buckets), counts: Float32Array.from(counts) };
}
