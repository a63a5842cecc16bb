// What a training step will ask of the device's memory, printed before training starts, so that a
// batch that cannot fit is noticed at the start and the flags that help (--batch-size with
// --accumulate, --img-size) are named before the out-of-memory error would.
import type { LayersModel } from '@tensorflow/tfjs-layers';

type Shape = (number | null)[];

interface LayerLike {
  name: string;
  outputShape: Shape | Shape[];
  layers?: LayerLike[];
  countParams(): number;
}

function values(shape: Shape): number {
  return shape.reduce<number>((p, d) => p * (d ?? 1), 1);
}

/** float32 values per example in every layer's output (nested models counted through their layers). */
function activationValues(layers: readonly LayerLike[]): number {
  let total = 0;
  for (const layer of layers) {
    if (layer.layers && layer.layers.length > 0) {
      total += activationValues(layer.layers);
      continue;
    }
    const shapes = Array.isArray(layer.outputShape[0]) ? (layer.outputShape as Shape[]) : [layer.outputShape as Shape];
    total += shapes.reduce((s, shape) => s + values(shape), 0);
  }
  return total;
}

export interface MemoryEstimate {
  /** Every layer's output for the batch, float32: what the forward pass keeps for the backward pass. */
  activationBytes: number;
  /** Weights plus Adam's two moments, float32. */
  parameterBytes: number;
}

export function estimateTrainingMemory(model: LayersModel, batchSize: number): MemoryEstimate {
  const layers: readonly LayerLike[] = model.layers;
  return {
    activationBytes: activationValues(layers) * batchSize * 4,
    parameterBytes: model.countParams() * 3 * 4,
  };
}

const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(bytes < 2 ** 30 ? 2 : 1)} GiB`;

/** The start-up line: the estimate for this backbone, image size and batch, and the flags that shrink it. */
export function memoryEstimateLine(
  model: LayersModel,
  o: { backbone: string; imageSize: number; batchSize: number; accumulate?: number },
): string {
  const { activationBytes, parameterBytes } = estimateTrainingMemory(model, o.batchSize);
  const effective =
    o.accumulate && o.accumulate > 1 ? ` (effective batch ${o.batchSize * o.accumulate} with --accumulate ${o.accumulate})` : '';
  return (
    `memory estimate: activations ${gib(activationBytes)} for ${o.backbone} at ${o.imageSize} px, batch ${o.batchSize}${effective}, ` +
    `plus ${gib(parameterBytes)} of weights and Adam state; the backward pass needs up to about twice the activations. ` +
    'if that exceeds the device memory: lower --batch-size and raise --accumulate, or lower --img-size'
  );
}
