// The benchmark network; identical to smallCnn() in packages/vision (kept here so @prodmatch/tf
// does not depend on @prodmatch/vision) and to small_cnn() in engine_reference.py.
import * as tfl from '@tensorflow/tfjs-layers';

export const BENCH_FILTERS = [32, 64, 128, 256];

export function smallCnnForBench(size: number, filters = BENCH_FILTERS): tfl.LayersModel {
  const input = tfl.input({ shape: [size, size, 3] });
  let x = input as tfl.SymbolicTensor;
  filters.forEach((f, i) => {
    x = tfl.layers.conv2d({ filters: f, kernelSize: 3, padding: 'same', useBias: false }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization({ epsilon: 1e-3, momentum: 0.99 }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.activation({ activation: 'relu' }).apply(x) as tfl.SymbolicTensor;
    if (i < filters.length - 1) x = tfl.layers.maxPooling2d({ poolSize: 2, strides: 2 }).apply(x) as tfl.SymbolicTensor;
  });
  return tfl.model({ inputs: input, outputs: tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor });
}

/** One 3x3 'same' stride-1 convolution of a training step: x [n, h, w, ci], filter 3x3 ci -> co. */
export interface ConvProblem {
  layer: number;
  op: 'forward' | 'backward_data' | 'backward_weights';
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
}

/**
 * Every convolution one training step of smallCnnForBench runs: a forward pass, the gradient of the
 * filter, and the gradient of the input for all but the first layer (its input is the image).
 */
export function trainingConvs(batch: number, size: number, filters = BENCH_FILTERS): ConvProblem[] {
  const problems: ConvProblem[] = [];
  let ci = 3;
  let s = size;
  filters.forEach((co, i) => {
    const shape = { layer: i + 1, n: batch, h: s, w: s, ci, co };
    problems.push({ ...shape, op: 'forward' });
    if (i > 0) problems.push({ ...shape, op: 'backward_data' });
    problems.push({ ...shape, op: 'backward_weights' });
    ci = co;
    if (i < filters.length - 1) s /= 2;
  });
  return problems;
}

/** Multiply-adds x 2 of a ConvProblem (the same for all three ops). */
export const convFlops = (p: ConvProblem): number => 2 * p.n * p.h * p.w * p.ci * p.co * 9;
