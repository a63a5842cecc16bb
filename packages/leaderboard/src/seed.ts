// Seed paper's F1 per experiment (EfficientNet-B3 at 512 px on GPU, real Shopee data; ../shared/DESIGN.md).
// Experiments beyond the seed (phash, char n-grams, ...) have no entry and show "—".
export const SEED_F1: Record<string, number> = {
  cae: 0.51,
  'double-ae': 0.56,
  softmax: 0.59,
  'softmax-weighted': 0.62,
  arcface: 0.7,
  'arcface-weighted': 0.72,
  'text-idf': 0.661,
  'text-tfidf': 0.648,
  glove: 0.518,
  'glove-idf': 0.536,
  fused: 0.74,
};
