// The tfjs part of a training step: batch norm (and dropout) over the batch's bags, then the head and
// its cross-entropy, a chunk of titles at a time. tfjs' autodiff keeps every intermediate of a tape
// alive until its gradients are done, and the ArcFace head makes about 60 [titles, groups] tensors, so
// one tape over the whole batch of 256 held half a gigabyte of logits on the wasm heap for the real
// 8,858 groups. The mean loss is the chunks' losses weighted by their share of the batch, so the
// chunks' gradients add up to the whole batch's; batch norm's gradient is then taken once, for the
// whole batch, from the chunks' gradients of its output.
import type { NamedTensorMap, Scalar, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import type { Tf } from '@prodmatch/tf';
import { crossEntropy, type Head } from '@prodmatch/vision';

/** PyTorch's BatchNorm1d epsilon. */
export const BN_EPSILON = 1e-5;

export interface StepModel {
  gamma: Variable;
  beta: Variable;
  head: Head;
  dropout: number;
  /** Rows of the batch whose head and loss are taped together. */
  headChunk: number;
}

export interface StepResult {
  loss: Scalar;
  /** Gradients of gamma, beta and the head's variables, by variable name. */
  grads: NamedTensorMap;
  /** The loss's gradient for the bags, [titles, dim] row-major. */
  bagGradient: Float32Array;
  /** The batch's mean and (biased) variance, for the running statistics. */
  mean: Tensor1D;
  variance: Tensor1D;
}

/** Batch norm with the batch's statistics, then dropout drawn from `dropoutSeed`. */
function normalise(tf: Tf, bag: Tensor2D, m: StepModel, dropoutSeed: number): { x: Tensor2D; mean: Tensor1D; variance: Tensor1D } {
  const { mean, variance } = tf.moments(bag, 0);
  let x = tf.add(tf.mul(tf.div(tf.sub(bag, mean), tf.sqrt(tf.add(variance, BN_EPSILON))), m.gamma), m.beta) as Tensor2D;
  if (m.dropout > 0) x = tf.dropout(x, m.dropout, undefined, dropoutSeed) as Tensor2D;
  return { x, mean: mean as Tensor1D, variance: variance as Tensor1D };
}

/** The mean loss of a batch without gradients (the whole batch taped at once is fine without a tape). */
export function batchLoss(tf: Tf, bag: Tensor2D, labels: Tensor1D, m: StepModel, dropoutSeed: number): Scalar {
  return tf.tidy(() => crossEntropy(tf, m.head.logits(normalise(tf, bag, m, dropoutSeed).x, labels), labels));
}

/** One step's loss and gradients for `bags` ([titles, dim], row-major) labelled `labels`. Nothing is applied. */
export function stepGradients(tf: Tf, bags: Float32Array, dim: number, labels: Tensor1D, m: StepModel, dropoutSeed: number): StepResult {
  const titles = labels.shape[0];
  const bag = tf.tensor2d(bags, [titles, dim]);
  const forward = tf.tidy(() => {
    const { x, mean, variance } = normalise(tf, bag, m, dropoutSeed);
    return { x: tf.keep(x), mean: tf.keep(mean), variance: tf.keep(variance) };
  });
  const sums: NamedTensorMap = {};
  const xGradients: Tensor2D[] = [];
  let loss: Scalar = tf.scalar(0);
  try {
    for (let start = 0; start < titles; start += m.headChunk) {
      const size = Math.min(m.headChunk, titles - start);
      const x = tf.tidy(() => tf.variable(tf.slice(forward.x, [start, 0], [size, dim]), true));
      const y = tf.slice(labels, [start], [size]);
      const { value, grads } = tf.variableGrads(
        () => tf.mul(crossEntropy(tf, m.head.logits(x, y), y), size / titles) as Scalar,
        [...m.head.variables, x],
      );
      xGradients.push(grads[x.name] as Tensor2D);
      for (const v of m.head.variables) {
        const previous = sums[v.name];
        sums[v.name] = previous ? tf.add(previous, grads[v.name]) : grads[v.name];
        if (previous) tf.dispose([previous, grads[v.name]]);
      }
      const total = tf.add(loss, value) as Scalar;
      tf.dispose([loss, value, x, y]);
      loss = total;
    }
    // Batch norm's gradient: the gradient of sum(x * dx) is the chain rule's product with the chunks' dx.
    const dx = tf.concat(xGradients, 0);
    const bagVariable = tf.variable(bag, true);
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.mul(normalise(tf, bagVariable, m, dropoutSeed).x, dx)) as Scalar,
      [m.gamma, m.beta, bagVariable],
    );
    const bagGradient = grads[bagVariable.name].dataSync() as Float32Array;
    tf.dispose([value, dx, bagVariable, grads[bagVariable.name]]);
    // In the order of the model's variables (gamma, beta, head), as the optimizer first saw them.
    return {
      loss,
      grads: { [m.gamma.name]: grads[m.gamma.name], [m.beta.name]: grads[m.beta.name], ...sums },
      bagGradient,
      mean: forward.mean,
      variance: forward.variance,
    };
  } catch (error) {
    tf.dispose([loss, forward.mean, forward.variance, ...Object.values(sums)]);
    throw error;
  } finally {
    tf.dispose([bag, forward.x, ...xGradients]);
  }
}
