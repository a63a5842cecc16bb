import { hash64FromHex } from '@prodmatch/knn';
import type { FeatureExtractor } from '../features.ts';

/** The dataset's image_phash column as 64-bit hashes; distances are Hamming bits. */
export function phashFeatures(): FeatureExtractor {
  return {
    params: { features: 'image_phash', distance: 'Hamming bits' },
    distance: 'Hamming bits',
    async extract(postings) {
      return { kind: 'hash64', matrix: hash64FromHex(postings.map((p) => p.imagePhash)) };
    },
  };
}
