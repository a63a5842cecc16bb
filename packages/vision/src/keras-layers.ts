// The three layers keras.applications.efficientnet uses that tfjs-layers lacks or computes otherwise:
// its input Normalization (weights mean / variance / count, read from the .h5 file), a per-channel
// Rescaling (tfjs-layers' takes one scalar), and BatchNormalization that, as in Keras, runs in
// inference mode once its layer is frozen.
import { div, maximum, mul, serialization, sqrt, sub, tensor1d, tidy, type Tensor } from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

const one = (inputs: Tensor | Tensor[]): Tensor => (Array.isArray(inputs) ? inputs[0] : inputs);

/** Keras's backend.epsilon(), the floor Normalization puts under sqrt(variance). */
const KERAS_EPSILON = 1e-7;

export interface KerasNormalizationArgs {
  /** Initial per-channel mean and variance (a loaded .h5 file overwrites them). */
  mean: number[];
  variance: number[];
  name?: string;
}

/** keras.layers.Normalization(axis=-1): (x - mean) / max(sqrt(variance), 1e-7), statistics not trained. */
export class KerasNormalization extends tfl.layers.Layer {
  static readonly className = 'KerasNormalization';
  private readonly initialMean: number[];
  private readonly initialVariance: number[];
  private mean: tfl.LayerVariable | null = null;
  private variance: tfl.LayerVariable | null = null;

  constructor(args: KerasNormalizationArgs) {
    super({ name: args.name, trainable: false });
    this.initialMean = [...args.mean];
    this.initialVariance = [...args.variance];
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const channels = shape[shape.length - 1] as number;
    if (channels !== this.initialMean.length)
      throw new Error(`${this.name}: input has ${channels} channels, mean has ${this.initialMean.length}`);
    this.mean = this.addWeight('mean', [channels], 'float32', tfl.initializers.constant({ value: 0 }), undefined, false);
    this.variance = this.addWeight('variance', [channels], 'float32', tfl.initializers.constant({ value: 1 }), undefined, false);
    // Keras keeps how many samples adapt() saw; unused at inference, present so the layouts match.
    this.addWeight('count', [], 'float32', tfl.initializers.zeros(), undefined, false);
    this.mean.write(tensor1d(this.initialMean));
    this.variance.write(tensor1d(this.initialVariance));
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => {
      const mean = (this.mean as tfl.LayerVariable).read();
      const variance = (this.variance as tfl.LayerVariable).read();
      return div(sub(one(inputs), mean), maximum(sqrt(variance), KERAS_EPSILON));
    });
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), mean: this.initialMean, variance: this.initialVariance };
  }
}

export interface ChannelRescalingArgs {
  scale: number[];
  name?: string;
}

/** keras.layers.Rescaling with one factor per channel (Keras's ImageNet variance fix). */
export class ChannelRescaling extends tfl.layers.Layer {
  static readonly className = 'ChannelRescaling';
  readonly scale: number[];

  constructor(args: ChannelRescalingArgs) {
    super({ name: args.name });
    this.scale = [...args.scale];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => mul(one(inputs), tensor1d(this.scale)));
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), scale: this.scale };
  }
}

type BatchNormalizationArgs = NonNullable<Parameters<typeof tfl.layers.batchNormalization>[0]>;
type BatchNormalizationLayer = ReturnType<typeof tfl.layers.batchNormalization>;
// tfjs-layers exports the factory but not the class, so the class comes from an instance.
// Its static fromConfig (inherited from Serializable) is part of the type registerClass asks for.
const BatchNormalizationBase = Object.getPrototypeOf(tfl.layers.batchNormalization({ name: 'keras_layers_probe_bn' })).constructor as (new (
  args: BatchNormalizationArgs,
) => BatchNormalizationLayer) &
  Pick<typeof tfl.layers.Layer, 'fromConfig'>;

/**
 * BatchNormalization that ignores `training` while its layer is frozen (trainable = false), as Keras's
 * does since TF 2.0. tfjs-layers' version keeps normalising by batch statistics and overwriting its
 * moving averages in a training call whatever `trainable` says, so a frozen block would drift.
 */
export class KerasBatchNormalization extends BatchNormalizationBase {
  static readonly className = 'KerasBatchNormalization';

  override call(inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor | Tensor[] {
    return super.call(inputs, { ...kwargs, training: kwargs.training === true && this.trainable });
  }
}

// Lets tfl.loadLayersModel read back saved backbones that contain these layers.
serialization.registerClass(KerasNormalization);
serialization.registerClass(ChannelRescaling);
serialization.registerClass(KerasBatchNormalization);

/** Adds Keras's defaults for an EfficientNet batch norm (epsilon 1e-3, momentum 0.99). */
export function kerasBatchNorm(name: string): KerasBatchNormalization {
  return new KerasBatchNormalization({ epsilon: 1e-3, momentum: 0.99, name });
}
