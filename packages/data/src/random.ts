// One seeded generator for the whole project (splits, sampling, GloVe, the synthetic set), so a
// seed means the same stream everywhere.

/** mulberry32: tiny, fast, and identical on every platform, which is what reproducible splits need. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
