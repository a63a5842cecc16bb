export type SamplerKind = 'uniform' | 'weighted';

/** Per-row weight 1 / (size of the row's group): every group gets the same total weight. */
export function inverseGroupSizeWeights(labels: ArrayLike<number>): Float64Array {
  const counts = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) counts.set(labels[i], (counts.get(labels[i]) ?? 0) + 1);
  return Float64Array.from({ length: labels.length }, (_, i) => 1 / (counts.get(labels[i]) as number));
}

/**
 * `count` row indices drawn with replacement with probability proportional to `weights`, as
 * PyTorch's WeightedRandomSampler(weights, num_samples=count, replacement=True) does.
 */
export function weightedSample(weights: ArrayLike<number>, count: number, random: () => number): Int32Array {
  const cumulative = new Float64Array(weights.length);
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    if (!(weights[i] >= 0)) throw new Error(`weightedSample: weight ${i} is ${weights[i]}; weights must be non-negative numbers`);
    total += weights[i];
    cumulative[i] = total;
  }
  if (!(total > 0)) throw new Error('weightedSample: weights sum to zero');
  const out = new Int32Array(count);
  for (let s = 0; s < count; s++) {
    const r = random() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > r) hi = mid;
      else lo = mid + 1;
    }
    out[s] = lo;
  }
  return out;
}

/** A random permutation of 0..n-1 (Fisher-Yates), PyTorch's shuffle=True. */
export function shuffledRows(n: number, random: () => number): Int32Array {
  const out = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** One epoch's visiting order: a shuffle, or len(rows) weighted draws by 1 / group size. */
export function epochOrder(kind: SamplerKind, labels: ArrayLike<number>, random: () => number): Int32Array {
  return kind === 'weighted' ? weightedSample(inverseGroupSizeWeights(labels), labels.length, random) : shuffledRows(labels.length, random);
}
