// Dropout whose masks are a function of the experiment seed and the training step, so that two runs
// with the same --seed train the same weights, and a resumed run draws the masks the uninterrupted
// one would have.
//
// tfjs-layers' Dropout cannot do this: without `seed` it draws every mask from Math.random; with one
// it hands the same seed to tf.randomUniform on every call, which (in tfjs-core's JS, whatever the
// backend) restarts the same alea stream, so every step gets the identical mask.
import { dropout, serialization, tidy, type Tensor } from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** The call argument that carries the mask seed; model.apply hands call arguments to every layer. */
const MASK_SEED = 'dropoutMaskSeed';

/** murmur3's 32-bit finaliser: a bijection that spreads every input bit over the whole word. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Call arguments for a training pass of a model with SeededDropout layers: the masks of step `step`
 * of 0-based `epoch` under `seed`. Every (seed, epoch, step) gets its own masks.
 */
export function seededTrainingArgs(seed: number, epoch: number, step: number): { training: true; [MASK_SEED]: number } {
  return { training: true, [MASK_SEED]: mix32((mix32((mix32(seed >>> 0) + epoch) >>> 0) + step) >>> 0) };
}

export interface SeededDropoutArgs {
  /** Fraction of the inputs zeroed in training, in [0, 1). */
  rate: number;
  name?: string;
}

/**
 * Inverted dropout (kept inputs are scaled by 1 / (1 - rate)), identity in inference. A training call
 * must come with seededTrainingArgs(); each layer mixes its name into the seed, so two such layers in
 * one model draw different masks.
 */
export class SeededDropout extends tfl.layers.Layer {
  static readonly className = 'SeededDropout';
  readonly rate: number;

  constructor(args: SeededDropoutArgs) {
    super(args);
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`SeededDropout: rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
    this.supportsMasking = true;
  }

  override call(inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor {
    return tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (kwargs.training !== true || this.rate === 0) return x;
      const seed = kwargs[MASK_SEED];
      // No silent fallback to Math.random: an unseeded mask is exactly what this layer exists to prevent.
      if (typeof seed !== 'number')
        throw new Error(`${this.name}: a training call needs seededTrainingArgs(seed, epoch, step) as its call arguments`);
      return dropout(x, this.rate, undefined, mix32((seed ^ hashString(this.name)) >>> 0));
    });
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate };
  }
}

// Lets tfl.loadLayersModel read back a saved model that contains the layer.
serialization.registerClass(SeededDropout);
