// A generated gallery where a thresholded union is known to fail (tests of the rerank core and the
// rerank combiner share it): look-alike products that differ only in a number.
import { seededRandom } from '@prodmatch/data';
import { hammingTopK, hash64FromHex, sparseCosineTopK } from '@prodmatch/knn';
import { charTfidfVectors, tfidfVectors, tokenizeTitle } from '@prodmatch/text';
import type { RerankChannel } from './types.ts';

/**
 * Look-alike products: each family (brand + product) is sold in several sizes, and each size is its own
 * product (label group). Listings of one product vary in filler words; the sizes share their photo and
 * all their words but the number. Distances cannot tell 100 ml from 200 ml, so a thresholded union
 * either merges the sizes or misses the listings; the numbers tell them apart.
 */
export function lookAlikes(seed: number): { titles: string[]; hashes: string[]; labels: string[] } {
  const random = seededRandom(seed);
  const brands = ['wardah', 'emina', 'pixy', 'garnier', 'pantene', 'sunsilk', 'dove', 'nivea', 'biore', 'ponds', 'lux', 'citra'];
  const goods = ['shampoo', 'lotion', 'sabun cair', 'toner', 'serum', 'body wash'];
  const fillers = [
    'promo',
    'original',
    'murah',
    'ready',
    'bpom',
    'grosir',
    'termurah',
    'asli',
    'new',
    'best seller',
    'diskon',
    'free bubble',
  ];
  const sizes = ['50', '100', '200', '250', '400', '500'];
  const hex = (): string => Array.from({ length: 16 }, () => Math.floor(random() * 16).toString(16)).join('');
  const titles: string[] = [];
  const hashes: string[] = [];
  const labels: string[] = [];
  for (let family = 0; family < 30; family++) {
    const name = `${brands[Math.floor(random() * brands.length)]} ${goods[Math.floor(random() * goods.length)]}`;
    const photo = hex();
    const familySizes = sizes.filter(() => random() < 0.6).slice(0, 4);
    for (const size of familySizes.length >= 2 ? familySizes : sizes.slice(0, 2)) {
      const listings = 2 + Math.floor(random() * 3);
      for (let l = 0; l < listings; l++) {
        const extra = fillers.filter(() => random() < 0.35).join(' ');
        titles.push(`${name} ${size}ml ${extra}`.trim());
        // The family's photo with a few digits changed, or now and then a different photo.
        const digits = photo.split('');
        for (let f = Math.floor(random() * 3); f > 0; f--) digits[Math.floor(random() * 16)] = Math.floor(random() * 16).toString(16);
        hashes.push(random() < 0.15 ? hex() : digits.join(''));
        labels.push(`${seed}-${family}-${size}`);
      }
    }
  }
  return { titles, hashes, labels };
}

/** Word and char TF-IDF and phash channels, top-20 each. */
export function channelsOf(g: { titles: string[]; hashes: string[] }): RerankChannel[] {
  const word = tfidfVectors(
    g.titles.map((t) => tokenizeTitle(t, { keepGlued: true })),
    { weighting: 'binary', norm: 'l2' },
  );
  const char = charTfidfVectors(g.titles);
  const phash = hash64FromHex(g.hashes);
  return [
    { name: 'word', features: { kind: 'sparse', matrix: word }, lists: sparseCosineTopK(word, word, 20) },
    { name: 'char', features: { kind: 'sparse', matrix: char }, lists: sparseCosineTopK(char, char, 20) },
    { name: 'phash', features: { kind: 'hash64', matrix: phash }, lists: hammingTopK(phash, phash, 20, { sameSet: true }) },
  ];
}
