// Classification heads over the train groups. They sit on top of the 512-d embedding during training
// only; at inference the embedding itself is the feature.
import type { Rank, Scalar, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import type { Tf } from '@prodmatch/tf';

export interface ArcFaceOptions {
  /** Additive angular margin m (seed 0.5). */
  margin: number;
  /** Logit scale s (seed 30). */
  scale: number;
  /** Seed: false, i.e. past theta > pi - m use cos(theta) - mm instead of cos(theta + m). */
  easyMargin: boolean;
  /** Label smoothing eps: the one-hot target becomes (1 - eps) * onehot + eps / classes. */
  labelSmoothing: number;
}

export const SEED_ARCFACE: ArcFaceOptions = { margin: 0.5, scale: 30, easyMargin: false, labelSmoothing: 0 };

/**
 * ArcMarginProduct of the seeds: cosine = normalize(x) . normalize(W)^T; phi = cos(theta + m);
 * phi replaced by cosine (easy margin, where cosine <= 0) or by cosine - mm (where cosine <= th,
 * th = cos(pi - m), mm = sin(pi - m) * m); logits = s * (target * phi + (1 - target) * cosine), with
 * target the (smoothed) one-hot of the labels. `weights` is [dim, classes].
 */
export function arcFaceLogits(tf: Tf, embeddings: Tensor2D, weights: Tensor2D, labels: Tensor1D, o: ArcFaceOptions): Tensor2D {
  return tf.tidy(() => {
    const classes = weights.shape[1];
    const cosine = tf.matMul(
      tf.div(embeddings, tf.maximum(tf.norm(embeddings, 2, 1, true), 1e-12)),
      tf.div(weights, tf.maximum(tf.norm(weights, 2, 0, true), 1e-12)),
    );
    // sqrt has an infinite slope at 0; clamping keeps gradients finite for a perfectly aligned row.
    const sine = tf.sqrt(tf.clipByValue(tf.sub(1, tf.square(cosine)), 1e-7, 1));
    const phi = tf.sub(tf.mul(cosine, Math.cos(o.margin)), tf.mul(sine, Math.sin(o.margin)));
    const th = Math.cos(Math.PI - o.margin);
    const mm = Math.sin(Math.PI - o.margin) * o.margin;
    // A 0/1 mask from tf.step (which has a gradient, unlike tf.greater) selects phi or the fallback.
    const [cut, fallback] = o.easyMargin ? [0, cosine] : [th, tf.sub(cosine, mm)];
    const mask = tf.step(tf.sub(cosine, cut));
    const adjusted = tf.add(tf.mul(mask, phi), tf.mul(tf.sub(1, mask), fallback));
    let target = tf.cast(tf.oneHot(tf.cast(labels, 'int32'), classes), 'float32');
    if (o.labelSmoothing > 0) target = tf.add(tf.mul(target, 1 - o.labelSmoothing), o.labelSmoothing / classes);
    const mixed = tf.add(tf.mul(target, adjusted), tf.mul(tf.sub(1, target), cosine));
    return tf.mul(mixed, o.scale) as Tensor2D;
  });
}

export type HeadKind = 'softmax' | 'arcface';

/** A trainable head: its variables and its logits for a batch of embeddings and labels. */
export interface Head {
  kind: HeadKind;
  variables: Variable[];
  logits(embeddings: Tensor2D, labels: Tensor1D): Tensor2D;
}

/** Glorot-uniform [fanIn, fanOut], the initialisation of nn.init.xavier_uniform_ and Keras Dense. */
function glorot(tf: Tf, fanIn: number, fanOut: number, seed: number): Variable<Rank.R2> {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  // tidy: a variable shares its initial value's buffer, but the initial tensor would stay counted.
  return tf.tidy(() => tf.variable(tf.randomUniform<Rank.R2>([fanIn, fanOut], -limit, limit, 'float32', seed), true));
}

/** Softmax classifier: a dense layer with bias; ArcFace: class centres compared by cosine with a margin. */
export function createHead(
  tf: Tf,
  kind: HeadKind,
  dim: number,
  classes: number,
  seed: number,
  arcface: ArcFaceOptions = SEED_ARCFACE,
): Head {
  const weights = glorot(tf, dim, classes, seed);
  if (kind === 'arcface') {
    return { kind, variables: [weights], logits: (x, labels) => arcFaceLogits(tf, x, weights, labels, arcface) };
  }
  const bias = tf.tidy(() => tf.variable(tf.zeros([classes]), true));
  return { kind, variables: [weights, bias], logits: (x) => tf.add(tf.matMul(x, weights), bias) as Tensor2D };
}

/** Mean cross-entropy of logits against (smoothed) one-hot labels. */
export function crossEntropy(tf: Tf, logits: Tensor2D, labels: Tensor1D, labelSmoothing = 0): Scalar {
  return tf.tidy(() => {
    const classes = logits.shape[1];
    let target = tf.cast(tf.oneHot(tf.cast(labels, 'int32'), classes), 'float32');
    if (labelSmoothing > 0) target = tf.add(tf.mul(target, 1 - labelSmoothing), labelSmoothing / classes);
    return tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(logits)), 1))) as Scalar;
  });
}
