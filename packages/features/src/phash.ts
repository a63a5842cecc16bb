import { hash64FromHex } from '@prodmatch/knn';
import { z } from 'zod';
import { defineFeature } from './feature.ts';

/** The dataset's image_phash column as 64-bit hashes; distances are Hamming bits. */
export const phash = defineFeature('phash', z.strictObject({}), () => ({
  distance: 'Hamming bits',
  async extract(postings) {
    return { kind: 'hash64', matrix: hash64FromHex(postings.map((p) => p.imagePhash)) };
  },
}));
