import type { Posting } from '@prodmatch/data';
import { hammingWithin, hash64FromHex, sparseCosineTopK, type CsrMatrix, type NeighbourLists } from '@prodmatch/knn';
import { charTfidfVectors, tfidfVectors, tokenizeTitle } from '@prodmatch/text';
import { blendedFeatures, distancesFrom, rankCandidates } from '../src/index.ts';
import type { RerankChannel } from '../src/rerank/index.ts';

/** fused-text-nb's channels on one gallery, built from the lower-level packages as its experiment files do. */
export interface BenchGallery {
  postings: readonly Posting[];
  titles: string[];
  labels: string[];
  word: CsrMatrix;
  wordLists: NeighbourLists;
  char: CsrMatrix;
  charLists: NeighbourLists;
  phash: ReturnType<typeof hash64FromHex>;
  phashLists: NeighbourLists;
  blend: CsrMatrix;
  blendLists: NeighbourLists;
  seconds: number;
}

export const K = 50;
export const PHASH_MAX = 16;

/**
 * word: text-idf's features (tokenizeTitle keepGlued, binary tf, idf minDf 2), exact sparse top-50;
 * phash: Hamming within 16 bits (multi-index), top-50; char: char_wb 2-4 TF-IDF ranking the word and
 * phash candidates (fused-text's candidatesFrom); blend: the word vectors blended over neighbours within
 * cosine 0.3 (at most 8, fused-text-nb), searched again.
 */
export function benchGallery(postings: readonly Posting[]): BenchGallery {
  const t = process.hrtime.bigint();
  const titles = postings.map((p) => p.title);
  const word = tfidfVectors(
    titles.map((title) => tokenizeTitle(title, { keepGlued: true })),
    { weighting: 'binary', idfOptions: { minDf: 2 }, norm: 'l2' },
  );
  const wordLists = sparseCosineTopK(word, word, K);
  const phash = hash64FromHex(postings.map((p) => p.imagePhash));
  const phashLists = hammingWithin(phash, K, PHASH_MAX);
  const char = charTfidfVectors(titles, { ngramRange: [2, 4], tf: 'count' });
  const charLists = rankCandidates([wordLists, phashLists], distancesFrom({ kind: 'sparse', matrix: char }), K);
  const blended = blendedFeatures({ kind: 'sparse', matrix: word }, wordLists, 0.3, 8);
  if (blended.kind !== 'sparse') throw new Error('blend of sparse features must stay sparse');
  const blendLists = sparseCosineTopK(blended.matrix, blended.matrix, K);
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  return {
    postings,
    titles,
    labels: postings.map((p) => p.labelGroup as string),
    word,
    wordLists,
    char,
    charLists,
    phash,
    phashLists,
    blend: blended.matrix,
    blendLists,
    seconds,
  };
}

/** The gallery's channels as the rerank stage takes them. */
export function rerankChannels(g: BenchGallery): RerankChannel[] {
  return [
    { name: 'word', features: { kind: 'sparse', matrix: g.word }, lists: g.wordLists },
    { name: 'char', features: { kind: 'sparse', matrix: g.char }, lists: g.charLists },
    { name: 'phash', features: { kind: 'hash64', matrix: g.phash }, lists: g.phashLists, beyond: PHASH_MAX + 1 },
    { name: 'blend', features: { kind: 'sparse', matrix: g.blend }, lists: g.blendLists },
  ];
}
