import type { DenseMatrix } from './types.ts';

/** Throws unless `m.data` holds exactly `rows * dim` values; `what` names the matrix in the message. */
export function checkDense(m: DenseMatrix, what: string): void {
  if (!Number.isInteger(m.rows) || !Number.isInteger(m.dim) || m.rows < 0 || m.dim < 1) {
    throw new Error(`${what}: rows (${m.rows}) and dim (${m.dim}) must be non-negative integers with dim >= 1`);
  }
  if (m.data.length !== m.rows * m.dim) {
    throw new Error(`${what}: data has ${m.data.length} values but rows * dim = ${m.rows * m.dim}; fix the matrix shape`);
  }
}

/**
 * Scales every row to unit L2 norm so that a dot product is the cosine similarity.
 * All-zero rows stay zero (cosine distance 1 to everything), as scikit-learn's `normalize` does.
 */
export function l2Normalize(m: DenseMatrix): DenseMatrix {
  checkDense(m, 'l2Normalize');
  const { rows, dim, data } = m;
  const out = new Float32Array(data.length);
  for (let i = 0; i < rows; i++) {
    const base = i * dim;
    let sum = 0;
    for (let j = 0; j < dim; j++) {
      const x = data[base + j];
      if (!Number.isFinite(x)) {
        throw new Error(`row ${i} has a non-finite value (${x}) at column ${j}; drop or repair that row before the kNN search`);
      }
      sum += x * x;
    }
    if (sum === 0) continue;
    const scale = 1 / Math.sqrt(sum);
    for (let j = 0; j < dim; j++) out[base + j] = data[base + j] * scale;
  }
  return { rows, dim, data: out };
}
