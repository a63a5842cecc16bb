// tfjs-layers image backbones: image [H, W, 3] -> pooled feature vector, as tf.LayersModel, so a
// head can be stacked on top (tf.model({ inputs: bb.inputs, outputs: head.apply(bb.outputs[0]) })).
//
// Call initTf() from @prodmatch/tf first: it selects the backend (and on wasm registers the training
// kernels these models need). tfjs-layers and @prodmatch/tf share one tfjs-core instance.
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import { SeededDropout } from './dropout.ts';

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
    x = tfl.layers.batchNormalization({ epsilon: 1e-3, momentum: 0.99, name: `${name}_bn${i}` }).apply(x) as SymbolicTensor;
    x = tfl.layers.activation({ activation: 'relu', name: `${name}_relu${i}` }).apply(x) as SymbolicTensor;
    if (i < filters.length - 1) x = tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `${name}_pool${i}` }).apply(x) as SymbolicTensor;
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
  channels?: number;
  /** Squeeze-excite ratio relative to the block's input filters (default 0.25). */
  seRatio?: number;
  /** Dropout before the pooled output (default 0: heads add their own); trains with seededTrainingArgs(). */
  dropout?: number;
  name?: string;
}

/**
 * EfficientNet B0-B3 (MBConv blocks: 1x1 expand -> depthwise kxk -> squeeze-excite -> 1x1 project,
 * swish activations, BN, identity skip when shape allows), stem conv 3x3/2 (32 filters before width
 * scaling) and head conv 1x1 (1280 before width scaling), then global average pooling.
 * Output: [batch, roundFilters(1280, width)] (1280 for b0/b1, 1408 for b2, 1536 for b3).
 */
export function efficientNet(variant: EfficientNetVariant, options: EfficientNetOptions = {}): LayersModel {
  const coeff = EFFICIENTNET_COEFFICIENTS[variant];
  if (!coeff) throw new Error(`efficientNet: unknown variant '${variant}'`);
  const { inputSize = coeff.resolution, channels = 3, seRatio = 0.25, dropout = 0, name = `efficientnet_${variant}` } = options;
  const input = tfl.input({ shape: [inputSize, inputSize, channels], name: `${name}_input` });
  const bn = (x: SymbolicTensor, id: string) =>
    tfl.layers.batchNormalization({ epsilon: 1e-3, momentum: 0.99, name: `${name}_${id}_bn` }).apply(x) as SymbolicTensor;
  const act = (x: SymbolicTensor, id: string) =>
    tfl.layers.activation({ activation: 'swish', name: `${name}_${id}_swish` }).apply(x) as SymbolicTensor;
  const conv = (x: SymbolicTensor, filters: number, kernel: number, stride: number, id: string) =>
    tfl.layers.conv2d({ filters, kernelSize: kernel, strides: stride, padding: 'same', useBias: false, name: `${name}_${id}` })
      .apply(x) as SymbolicTensor;

  let x = act(bn(conv(input, roundFilters(32, coeff.width), 3, 2, 'stem_conv'), 'stem'), 'stem');
  let inFilters = roundFilters(32, coeff.width);
  B0_STAGES.forEach((stage, s) => {
    const outFilters = roundFilters(stage.filters, coeff.width);
    const repeats = roundRepeats(stage.repeats, coeff.depth);
    for (let r = 0; r < repeats; r++) {
      const id = `block${s + 1}${String.fromCharCode(97 + r)}`;
      const stride = r === 0 ? stage.stride : 1;
      const blockIn = x;
      const expanded = inFilters * stage.expand;
      let h = x;
      if (stage.expand !== 1) h = act(bn(conv(h, expanded, 1, 1, `${id}_expand_conv`), `${id}_expand`), `${id}_expand`);
      h = tfl.layers.depthwiseConv2d({ kernelSize: stage.kernel, strides: stride, padding: 'same', useBias: false, name: `${name}_${id}_dwconv` })
        .apply(h) as SymbolicTensor;
      h = act(bn(h, `${id}_dw`), `${id}_dw`);
      if (seRatio > 0) {
        const squeezed = Math.max(1, Math.floor(inFilters * seRatio));
        let se = tfl.layers.globalAveragePooling2d({ name: `${name}_${id}_se_squeeze` }).apply(h) as SymbolicTensor;
        se = tfl.layers.reshape({ targetShape: [1, 1, expanded], name: `${name}_${id}_se_reshape` }).apply(se) as SymbolicTensor;
        se = tfl.layers.conv2d({ filters: squeezed, kernelSize: 1, activation: 'swish', name: `${name}_${id}_se_reduce` }).apply(se) as SymbolicTensor;
        se = tfl.layers.conv2d({ filters: expanded, kernelSize: 1, activation: 'sigmoid', name: `${name}_${id}_se_expand` }).apply(se) as SymbolicTensor;
        h = tfl.layers.multiply({ name: `${name}_${id}_se_excite` }).apply([h, se]) as SymbolicTensor;
      }
      h = bn(conv(h, outFilters, 1, 1, `${id}_project_conv`), `${id}_project`);
      if (stride === 1 && inFilters === outFilters) {
        h = tfl.layers.add({ name: `${name}_${id}_add` }).apply([h, blockIn]) as SymbolicTensor;
      }
      x = h;
      inFilters = outFilters;
    }
  });
  x = act(bn(conv(x, roundFilters(1280, coeff.width), 1, 1, 'top_conv'), 'top'), 'top');
  let pooled = tfl.layers.globalAveragePooling2d({ name: `${name}_avg_pool` }).apply(x) as SymbolicTensor;
  if (dropout > 0) pooled = new SeededDropout({ rate: dropout, name: `${name}_top_dropout` }).apply(pooled) as SymbolicTensor;
  return tfl.model({ inputs: input, outputs: pooled, name });
}
