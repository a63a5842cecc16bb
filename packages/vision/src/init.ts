import { tensor } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { seededRandom } from '@prodmatch/data';

const KERNEL = /(^|\/)(depthwise_)?kernel(_\d+)?$/;

/**
 * Re-draws every conv / depthwise / dense kernel of `model` from Glorot-uniform (tfjs-layers' default
 * for these layers) with our seeded generator. tfjs-layers draws initial weights unseeded, so without
 * this two runs with the same --seed start from different weights and differ by noise alone.
 * Biases and batch-norm parameters already start at constants. Layers named in `keep` (a loaded
 * pretrained backbone) are left as they are.
 */
export function seedKernels(model: LayersModel, seed: number, keep: ReadonlySet<string> = new Set()): void {
  let stream = 0;
  for (const layer of model.layers) {
    if (keep.has(layer.name) || layer.weights.length === 0) continue;
    const current = layer.getWeights();
    const next = layer.weights.map((variable, i) => {
      if (!KERNEL.test(variable.name)) return current[i];
      const shape = variable.shape as number[];
      const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
      const limit = Math.sqrt(6 / ((shape[shape.length - 2] + shape[shape.length - 1]) * receptive));
      const random = seededRandom((Math.imul(seed, 0x9e3779b1) + stream++) >>> 0);
      const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
      for (let j = 0; j < values.length; j++) values[j] = (random() * 2 - 1) * limit;
      return tensor(values, shape);
    });
    layer.setWeights(next);
    // getWeights() hands out the variables' own tensors: only the fresh ones are ours to free.
    next.forEach((t, i) => t !== current[i] && t.dispose());
  }
}
