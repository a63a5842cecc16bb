import type { PairTable } from './table.ts';

/**
 * Standardisation for the linear and neural models: each feature x becomes (x - mean) / sd, and, with
 * `log1p`, also a second input sign(x) log(1 + |x|), standardised the same way, so a linear model can
 * use ranks and counts on a log scale too. Means and sds are weighted, from the fit set only.
 */
export interface Standardiser {
  /** Inputs per pair: features, or twice that with log1p copies. */
  dim: number;
  log1p: boolean;
  mean: Float64Array;
  scale: Float64Array;
  /** Input names: feature names, then `log1p(name)`. */
  names: string[];
}

const signedLog = (x: number): number => (x < 0 ? -Math.log1p(-x) : Math.log1p(x));

export function fitStandardiser(table: PairTable, rows: Int32Array, weights: Float32Array, log1p: boolean): Standardiser {
  const features = table.columns.length;
  const dim = log1p ? 2 * features : features;
  const mean = new Float64Array(dim);
  const scale = new Float64Array(dim);
  let total = 0;
  for (let c = 0; c < rows.length; c++) total += weights[c];
  for (let d = 0; d < dim; d++) {
    const column = table.columns[d % features];
    const logged = d >= features;
    let s = 0;
    let s2 = 0;
    for (let c = 0; c < rows.length; c++) {
      const x = logged ? signedLog(column[rows[c]]) : column[rows[c]];
      s += weights[c] * x;
      s2 += weights[c] * x * x;
    }
    const m = s / total;
    const variance = Math.max(0, s2 / total - m * m);
    mean[d] = m;
    // A constant input stays 0 instead of dividing by zero.
    scale[d] = variance > 1e-12 ? 1 / Math.sqrt(variance) : 0;
  }
  const names = table.features.map((f) => f.name);
  return { dim, log1p, mean, scale, names: log1p ? [...names, ...names.map((n) => `log1p(${n})`)] : names };
}

/** The standardised inputs of `rows`, row-major (rows.length x dim). */
export function standardise(s: Standardiser, table: PairTable, rows: Int32Array): Float32Array {
  const features = table.columns.length;
  if (s.dim !== (s.log1p ? 2 : 1) * features)
    throw new Error(`standardise: fitted on ${s.dim} inputs, the table gives ${features} features`);
  const out = new Float32Array(rows.length * s.dim);
  const { columns } = table;
  const { mean, scale, log1p } = s;
  // Row by row, so the output is written in order (a column-by-column pass strides it by dim).
  for (let c = 0, at = 0; c < rows.length; c++, at += s.dim) {
    const row = rows[c];
    for (let f = 0; f < features; f++) {
      const x = columns[f][row];
      out[at + f] = (x - mean[f]) * scale[f];
      if (log1p) out[at + features + f] = ((x < 0 ? -Math.log1p(-x) : Math.log1p(x)) - mean[features + f]) * scale[features + f];
    }
  }
  return out;
}
