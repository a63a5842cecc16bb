/** f(x) and its gradient, written into `gradient`. */
export type Objective = (x: Float64Array, gradient: Float64Array) => number;

export interface LbfgsOptions {
  /** Correction pairs kept. Default 10. */
  memory?: number;
  /** Iterations at most. Default 200. */
  maxIterations?: number;
  /** Stop when the largest gradient component is below this. Default 1e-6. */
  gradientTolerance?: number;
  /** Stop when an iteration lowers f by less than this, relative to |f|. Default 1e-10. */
  relativeTolerance?: number;
}

export interface LbfgsResult {
  x: Float64Array;
  value: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
}

const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/**
 * Limited-memory BFGS (two-loop recursion) with a backtracking Armijo line search, for smooth convex
 * objectives such as an L2-regularised logistic loss. Plain typed arrays: no tensors.
 */
export function lbfgs(objective: Objective, start: Float64Array, options: LbfgsOptions = {}): LbfgsResult {
  const m = options.memory ?? 10;
  const maxIterations = options.maxIterations ?? 200;
  const gtol = options.gradientTolerance ?? 1e-6;
  const ftol = options.relativeTolerance ?? 1e-10;
  const n = start.length;
  const x = Float64Array.from(start);
  const g = new Float64Array(n);
  let f = objective(x, g);
  let evaluations = 1;
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const rho: number[] = [];
  const direction = new Float64Array(n);
  const alpha = new Float64Array(m);
  const nextX = new Float64Array(n);
  const nextG = new Float64Array(n);
  let iterations = 0;
  let converged = false;
  for (; iterations < maxIterations; iterations++) {
    let gmax = 0;
    for (let i = 0; i < n; i++) gmax = Math.max(gmax, Math.abs(g[i]));
    if (gmax < gtol) {
      converged = true;
      break;
    }
    // Two-loop recursion: direction = -H g.
    for (let i = 0; i < n; i++) direction[i] = -g[i];
    for (let k = s.length - 1; k >= 0; k--) {
      alpha[k] = rho[k] * dot(s[k], direction);
      for (let i = 0; i < n; i++) direction[i] -= alpha[k] * y[k][i];
    }
    const gamma =
      s.length > 0 ? dot(s[s.length - 1], y[y.length - 1]) / dot(y[y.length - 1], y[y.length - 1]) : 1 / Math.max(1, Math.sqrt(dot(g, g)));
    for (let i = 0; i < n; i++) direction[i] *= gamma;
    for (let k = 0; k < s.length; k++) {
      const beta = rho[k] * dot(y[k], direction);
      for (let i = 0; i < n; i++) direction[i] += s[k][i] * (alpha[k] - beta);
    }
    let slope = dot(g, direction);
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      s.length = y.length = rho.length = 0;
      for (let i = 0; i < n; i++) direction[i] = -g[i];
      slope = dot(g, direction);
    }
    let step = 1;
    let nextF = Infinity;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < n; i++) nextX[i] = x[i] + step * direction[i];
      nextF = objective(nextX, nextG);
      evaluations++;
      if (nextF <= f + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(nextF <= f)) break;
    const sk = new Float64Array(n);
    const yk = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      sk[i] = nextX[i] - x[i];
      yk[i] = nextG[i] - g[i];
    }
    const sy = dot(sk, yk);
    if (sy > 1e-12) {
      if (s.length === m) {
        s.shift();
        y.shift();
        rho.shift();
      }
      s.push(sk);
      y.push(yk);
      rho.push(1 / sy);
    }
    const decrease = f - nextF;
    x.set(nextX);
    g.set(nextG);
    f = nextF;
    if (decrease <= ftol * Math.max(1, Math.abs(f))) {
      converged = true;
      iterations++;
      break;
    }
  }
  return { x, value: f, iterations, evaluations, converged };
}
