// tfjs-layers image backbones: image [H, W, 3] -> pooled feature vector, as tf.LayersModel, so a
// head can be stacked on top (tf.model({ inputs: bb.inputs, outputs: head.apply(bb.outputs[0]) })).
//
// Call initTf() from @prodmatch/tf first: it selects the backend (and on wasm registers the training
// kernels these models need). tfjs-layers and @prodmatch/tf share one tfjs-core instance.
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import { SeededDropout } from './dropout.ts';
import { ChannelRescaling, KerasNormalization, kerasBatchNorm } from './keras-layers.ts';

export interface SmallCnnOptions {
  /** Square input side in pixels (default 64). */
  inputSize?: number;
  /** Input channels (default 3). */
  channels?: number;
  /** Filters of each conv/BN/ReLU block; a 2x2 max-pool follows every block but the last. */
  filters?: number[];
  /** Kernel size of every conv (default 3). */
  kernelSize?: number;
  name?: string;
}

/**
 * A fast CPU default: conv3x3 -> BN -> ReLU (-> maxpool 2x2) blocks, then global average pooling.
 * Default filters [32, 64, 128, 256] give a 256-d feature. The same network is the engine benchmark's
 * workload (packages/tf/bench/engine.ts; PyTorch twin in engine_reference.py).
 */
export function smallCnn(options: SmallCnnOptions = {}): LayersModel {
  const { inputSize = 64, channels = 3, filters = [32, 64, 128, 256], kernelSize = 3, name = 'small_cnn' } = options;
  if (filters.length === 0) throw new Error('smallCnn: filters must not be empty');
  const input = tfl.input({ shape: [inputSize, inputSize, channels], name: `${name}_input` });
  let x: SymbolicTensor = input;
  filters.forEach((f, i) => {
    x = tfl.layers.conv2d({ filters: f, kernelSize, padding: 'same', useBias: false, name: `${name}_conv${i}` }).apply(x) as SymbolicTensor;
    x = kerasBatchNorm(`${name}_bn${i}`).apply(x) as SymbolicTensor;
    x = tfl.layers.activation({ activation: 'relu', name: `${name}_relu${i}` }).apply(x) as SymbolicTensor;
    if (i < filters.length - 1)
      x = tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `${name}_pool${i}` }).apply(x) as SymbolicTensor;
  });
  const pooled = tfl.layers.globalAveragePooling2d({ name: `${name}_gap` }).apply(x) as SymbolicTensor;
  return tfl.model({ inputs: input, outputs: pooled, name });
}

export type EfficientNetVariant = 'b0' | 'b1' | 'b2' | 'b3';

/** Published (width, depth, resolution) coefficients (Tan & Le 2019, Table / reference code). */
export const EFFICIENTNET_COEFFICIENTS: Record<EfficientNetVariant, { width: number; depth: number; resolution: number }> = {
  b0: { width: 1.0, depth: 1.0, resolution: 224 },
  b1: { width: 1.0, depth: 1.1, resolution: 240 },
  b2: { width: 1.1, depth: 1.2, resolution: 260 },
  b3: { width: 1.2, depth: 1.4, resolution: 300 },
};

/** EfficientNet-B0 stages: MBConv expand ratio, kernel, stride, output filters, repeats. */
const B0_STAGES = [
  { expand: 1, kernel: 3, stride: 1, filters: 16, repeats: 1 },
  { expand: 6, kernel: 3, stride: 2, filters: 24, repeats: 2 },
  { expand: 6, kernel: 5, stride: 2, filters: 40, repeats: 2 },
  { expand: 6, kernel: 3, stride: 2, filters: 80, repeats: 3 },
  { expand: 6, kernel: 5, stride: 1, filters: 112, repeats: 3 },
  { expand: 6, kernel: 5, stride: 2, filters: 192, repeats: 4 },
  { expand: 6, kernel: 3, stride: 1, filters: 320, repeats: 1 },
];

/** Channel rounding of the reference implementation (multiples of 8, never below 90%). */
export function roundFilters(filters: number, width: number, divisor = 8): number {
  const scaled = filters * width;
  let rounded = Math.max(divisor, Math.floor((scaled + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * scaled) rounded += divisor;
  return rounded;
}

export function roundRepeats(repeats: number, depth: number): number {
  return Math.ceil(depth * repeats);
}

export interface EfficientNetOptions {
  /** Square input side in pixels (default: the variant's published resolution). */
  inputSize?: number;
  /** Squeeze-excite ratio relative to the block's input filters (default 0.25). */
  seRatio?: number;
  /** Dropout before the pooled output (default 0: heads add their own); trains with seededTrainingArgs(). */
  dropout?: number;
}

/** ImageNet RGB statistics; Keras's EfficientNet .h5 files store the standard deviations as "variance". */
const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STDDEV = [0.229, 0.224, 0.225];

/**
 * keras.applications' imagenet_utils.correct_pad: the zero padding in front of a stride-2 'valid'
 * convolution, k//2 on both sides of an odd input and one fewer at the top/left of an even one. For a
 * known input size that equals TF's 'same' at stride 2; it is not symmetric k//2 padding (PyTorch's),
 * which differs on even inputs. Built as explicit layers so that ours carry Keras's names and order.
 */
export function correctPad(inputSize: number, kernel: number): [[number, number], [number, number]] {
  const half = Math.floor(kernel / 2);
  const adjust = 1 - (inputSize % 2);
  return [
    [half - adjust, half],
    [half - adjust, half],
  ];
}

/** Spatial side after a stride-2 'valid' convolution of `kernel` on a correctPad-ed input. */
function afterStride2(size: number, kernel: number): number {
  const [[top, bottom]] = correctPad(size, kernel);
  return Math.floor((size + top + bottom - kernel) / 2) + 1;
}

/** Keras's layer name of EfficientNet block `repeat` (0-based) of stage `stage` (0-based): block1a, block2b, ... */
export function efficientNetBlockName(stage: number, repeat: number): string {
  return `block${stage + 1}${String.fromCharCode(97 + repeat)}`;
}

/**
 * keras.applications.efficientnet.EfficientNetB0..B3(include_top=False, pooling='avg',
 * weights='imagenet'), layer for layer and with its layer names, so that Keras's *_notop.h5 files load
 * by name: input pixels in [0, 255] -> Rescaling(1/255) -> Normalization (mean, variance from the
 * file) -> per-channel Rescaling(1/sqrt(stddev)) -> stem (ZeroPadding2D(correct_pad) + 3x3/2 'valid'
 * conv) -> MBConv blocks (1x1 expand, depthwise kxk: 'same' at stride 1, correct_pad + 'valid' at
 * stride 2; squeeze-excite with biases; 1x1 project; identity skip when shape allows) -> top 1x1 conv
 * -> global average pooling. Batch norms use Keras's epsilon 1e-3 and momentum 0.99; activations are
 * swish. Keras's stochastic depth (its blockNx_drop layers, identity at inference) is left out, as in
 * timm's default EfficientNets. Output: [batch, roundFilters(1280, width)] (1280 for b0/b1, 1408 for
 * b2, 1536 for b3).
 */
export function efficientNet(variant: EfficientNetVariant, options: EfficientNetOptions = {}): LayersModel {
  const coeff = EFFICIENTNET_COEFFICIENTS[variant];
  if (!coeff) throw new Error(`efficientNet: unknown variant '${variant}'`);
  const { inputSize = coeff.resolution, seRatio = 0.25, dropout = 0 } = options;
  const apply = (layer: { apply(x: SymbolicTensor | SymbolicTensor[]): unknown }, x: SymbolicTensor | SymbolicTensor[]) =>
    layer.apply(x) as SymbolicTensor;
  const act = (x: SymbolicTensor, name: string) => apply(tfl.layers.activation({ activation: 'swish', name }), x);
  const conv = (
    x: SymbolicTensor,
    filters: number,
    kernel: number,
    name: string,
    o: { stride?: number; padding?: 'same' | 'valid'; bias?: boolean; activation?: 'swish' | 'sigmoid' } = {},
  ) =>
    apply(
      tfl.layers.conv2d({
        filters,
        kernelSize: kernel,
        strides: o.stride ?? 1,
        padding: o.padding ?? 'same',
        useBias: o.bias ?? false,
        activation: o.activation,
        name,
      }),
      x,
    );
  const pad = (x: SymbolicTensor, size: number, kernel: number, name: string) =>
    apply(tfl.layers.zeroPadding2d({ padding: correctPad(size, kernel), name }), x);

  const input = tfl.input({ shape: [inputSize, inputSize, 3], name: 'input_layer' });
  let x = apply(tfl.layers.rescaling({ scale: 1 / 255, name: 'rescaling' }), input);
  x = apply(new KerasNormalization({ mean: IMAGENET_MEAN, variance: IMAGENET_STDDEV, name: 'normalization' }), x);
  x = apply(new ChannelRescaling({ scale: IMAGENET_STDDEV.map((s) => 1 / Math.sqrt(s)), name: 'rescaling_1' }), x);
  x = pad(x, inputSize, 3, 'stem_conv_pad');
  x = conv(x, roundFilters(32, coeff.width), 3, 'stem_conv', { stride: 2, padding: 'valid' });
  x = act(apply(kerasBatchNorm('stem_bn'), x), 'stem_activation');
  let size = afterStride2(inputSize, 3);
  let inFilters = roundFilters(32, coeff.width);
  B0_STAGES.forEach((stage, s) => {
    const outFilters = roundFilters(stage.filters, coeff.width);
    for (let r = 0; r < roundRepeats(stage.repeats, coeff.depth); r++) {
      const id = efficientNetBlockName(s, r);
      const stride = r === 0 ? stage.stride : 1;
      const expanded = inFilters * stage.expand;
      let h = x;
      if (stage.expand !== 1)
        h = act(apply(kerasBatchNorm(`${id}_expand_bn`), conv(h, expanded, 1, `${id}_expand_conv`)), `${id}_expand_activation`);
      if (stride === 2) {
        h = pad(h, size, stage.kernel, `${id}_dwconv_pad`);
        size = afterStride2(size, stage.kernel);
      }
      h = apply(
        tfl.layers.depthwiseConv2d({
          kernelSize: stage.kernel,
          strides: stride,
          padding: stride === 2 ? 'valid' : 'same',
          useBias: false,
          name: `${id}_dwconv`,
        }),
        h,
      );
      h = act(apply(kerasBatchNorm(`${id}_bn`), h), `${id}_activation`);
      if (seRatio > 0) {
        let se = apply(tfl.layers.globalAveragePooling2d({ name: `${id}_se_squeeze` }), h);
        se = apply(tfl.layers.reshape({ targetShape: [1, 1, expanded], name: `${id}_se_reshape` }), se);
        se = conv(se, Math.max(1, Math.floor(inFilters * seRatio)), 1, `${id}_se_reduce`, { bias: true, activation: 'swish' });
        se = conv(se, expanded, 1, `${id}_se_expand`, { bias: true, activation: 'sigmoid' });
        h = apply(tfl.layers.multiply({ name: `${id}_se_excite` }), [h, se]);
      }
      h = apply(kerasBatchNorm(`${id}_project_bn`), conv(h, outFilters, 1, `${id}_project_conv`));
      if (stride === 1 && inFilters === outFilters) h = apply(tfl.layers.add({ name: `${id}_add` }), [h, x]);
      x = h;
      inFilters = outFilters;
    }
  });
  x = act(apply(kerasBatchNorm('top_bn'), conv(x, roundFilters(1280, coeff.width), 1, 'top_conv')), 'top_activation');
  let pooled = apply(tfl.layers.globalAveragePooling2d({ name: 'avg_pool' }), x);
  if (dropout > 0) pooled = apply(new SeededDropout({ rate: dropout, name: 'top_dropout' }), pooled);
  return tfl.model({ inputs: input, outputs: pooled, name: `efficientnet${variant}` });
}

/** Whether `model` takes raw [0, 255] pixels (it starts with Keras's Rescaling) rather than ImageNet-normalised ones. */
export function takesRawPixels(model: LayersModel): boolean {
  return model.layers.some((layer) => layer.getClassName() === 'Rescaling' && layer.name === 'rescaling');
}
