// The benchmark network; identical to smallCnn() in packages/vision (kept here so @prodmatch/tf
// does not depend on @prodmatch/vision) and to small_cnn() in engine_reference.py.
import * as tfl from '@tensorflow/tfjs-layers';

export function smallCnnForBench(size: number, filters = [32, 64, 128, 256]): tfl.LayersModel {
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
