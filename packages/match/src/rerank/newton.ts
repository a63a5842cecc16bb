export interface WeightedLogisticData {
  /** Row-major inputs, rows x dim. */
  x: Float32Array;
  dim: number;
  y: Uint8Array;
  weights: Float32Array;
}

export interface NewtonOptions {
  /** L2 penalty on the weights (not the bias), per unit of total sample weight. */
  l2: number;
  /** Newton steps at most. Default 30. */
  maxIterations?: number;
  /** Stop when the largest gradient component is below this. Default 1e-7. */
  gradientTolerance?: number;
  /**
   * Build the Hessian from every n-th row so that about this many rows are used (the gradient always uses
   * every row, so the fit still converges to the exact optimum; only the step is approximate). The
   * Hessian is the costly part: dim^2 / 2 multiply-adds per row. Default 60,000.
   */
  hessianRows?: number;
}

export interface NewtonResult {
  /** dim weights, then the bias. */
  w: Float64Array;
  loss: number;
  iterations: number;
  converged: boolean;
}

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
const softplus = (z: number): number => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));

/** Weighted mean log-loss plus l2/2 |w|^2 (bias unpenalised). */
function objective(data: WeightedLogisticData, w: Float64Array, l2: number, total: number): number {
  const { x, dim, y, weights } = data;
  let loss = 0;
  for (let c = 0, at = 0; c < y.length; c++, at += dim) {
    let z = w[dim];
    for (let d = 0; d < dim; d++) z += x[at + d] * w[d];
    loss += weights[c] * (softplus(z) - y[c] * z);
  }
  let penalty = 0;
  for (let d = 0; d < dim; d++) penalty += w[d] * w[d];
  return loss / total + (l2 / 2) * penalty;
}

/** Solves A v = b in place for a symmetric positive definite A (n x n, row-major) by Cholesky. */
export function choleskySolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (!(s > 0)) throw new Error('choleskySolve: the matrix is not positive definite');
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j];
    }
  }
  const v = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    let s = v[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * v[k];
    v[i] = s / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = v[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * v[k];
    v[i] = s / l[i * n + i];
  }
  return v;
}

/**
 * L2-regularised weighted logistic regression by Newton's method (iteratively reweighted least squares)
 * with step halving: each step builds the (dim + 1)^2 Hessian in one pass over the data and solves it by
 * Cholesky. With ~80 standardised inputs it converges in under ten steps, far fewer passes than
 * first-order or quasi-Newton methods need on these correlated features.
 */
export function newtonLogistic(data: WeightedLogisticData, options: NewtonOptions): NewtonResult {
  const { x, dim, y, weights } = data;
  const n = dim + 1;
  const maxIterations = options.maxIterations ?? 30;
  const tolerance = options.gradientTolerance ?? 1e-7;
  const l2 = options.l2;
  const stride = Math.max(1, Math.floor(y.length / (options.hessianRows ?? 60_000)));
  let total = 0;
  for (let c = 0; c < y.length; c++) total += weights[c];
  let w = new Float64Array(n);
  let loss = objective(data, w, l2, total);
  const gradient = new Float64Array(n);
  const hessian = new Float64Array(n * n);
  const row = new Float64Array(n);
  row[dim] = 1;
  let iterations = 0;
  let converged = false;
  for (; iterations < maxIterations; iterations++) {
    gradient.fill(0);
    hessian.fill(0);
    let hessianTotal = 0;
    for (let c = 0, at = 0; c < y.length; c++, at += dim) {
      let z = w[dim];
      for (let d = 0; d < dim; d++) {
        row[d] = x[at + d];
        z += row[d] * w[d];
      }
      const p = sigmoid(z);
      const r = weights[c] * (p - y[c]);
      for (let i = 0; i < n; i++) gradient[i] += r * row[i];
      if (c % stride !== 0) continue;
      hessianTotal += weights[c];
      const h = weights[c] * p * (1 - p);
      for (let i = 0; i < n; i++) {
        const hx = h * row[i];
        const base = i * n;
        for (let j = 0; j <= i; j++) hessian[base + j] += hx * row[j];
      }
    }
    let gmax = 0;
    for (let i = 0; i < n; i++) {
      gradient[i] /= total;
      if (i < dim) gradient[i] += l2 * w[i];
      gmax = Math.max(gmax, Math.abs(gradient[i]));
    }
    if (gmax < tolerance) {
      converged = true;
      break;
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        const v = hessian[i * n + j] / hessianTotal + (i === j ? (i < dim ? l2 : 1e-10) : 0);
        hessian[i * n + j] = v;
        hessian[j * n + i] = v;
      }
    }
    const step = choleskySolve(hessian, gradient, n);
    let size = 1;
    let next = w;
    let nextLoss = Infinity;
    for (let tries = 0; tries < 30; tries++, size /= 2) {
      next = Float64Array.from(w, (v, i) => v - size * step[i]);
      nextLoss = objective(data, next, l2, total);
      if (nextLoss <= loss) break;
    }
    if (!(nextLoss <= loss)) break;
    const decrease = loss - nextLoss;
    w = next;
    loss = nextLoss;
    if (decrease < 1e-12) {
      converged = true;
      iterations++;
      break;
    }
  }
  return { w, loss, iterations, converged };
}
