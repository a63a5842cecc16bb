import type { Rng } from './rng.ts';

// Postings per label_group in the real train.csv (27,402 rows, 8,858 groups), size -> number of groups.
// Made by: node --import tsx packages/data/src/synthetic/scripts/real-stats.ts ../shared/datasets/shopee
export const REAL_GROUP_SIZE_HISTOGRAM: Readonly<Record<number, number>> = {
  2: 5622,
  3: 1444,
  4: 697,
  5: 377,
  6: 228,
  7: 113,
  8: 89,
  9: 67,
  10: 40,
  11: 27,
  12: 28,
  13: 23,
  14: 16,
  15: 14,
  16: 11,
  17: 8,
  18: 3,
  19: 5,
  20: 3,
  21: 5,
  22: 5,
  23: 3,
  24: 2,
  25: 1,
  26: 1,
  27: 1,
  30: 1,
  31: 2,
  32: 3,
  33: 3,
  34: 3,
  35: 2,
  36: 1,
  41: 1,
  45: 1,
  46: 1,
  49: 1,
  51: 6,
};

const SIZES = Object.keys(REAL_GROUP_SIZE_HISTOGRAM).map(Number);
const WEIGHTS = SIZES.map((s) => REAL_GROUP_SIZE_HISTOGRAM[s]);

/**
 * Group sizes for `groups` products. Sizes are drawn by stratified sampling of the real histogram's
 * quantiles, so even a small dataset keeps its shape (63% pairs) and its long tail, without depending
 * on luck; the rng only decides which product gets which size.
 */
export function drawGroupSizes(groups: number, rng: Rng): number[] {
  const total = WEIGHTS.reduce((s, w) => s + w, 0);
  const cumulative: number[] = [];
  WEIGHTS.reduce((s, w, i) => (cumulative[i] = s + w), 0);
  const sizes: number[] = [];
  for (let g = 0; g < groups; g++) {
    const q = ((g + rng.next()) / groups) * total;
    const idx = cumulative.findIndex((c) => q < c);
    sizes.push(SIZES[idx === -1 ? SIZES.length - 1 : idx]);
  }
  return rng.shuffle(sizes);
}
