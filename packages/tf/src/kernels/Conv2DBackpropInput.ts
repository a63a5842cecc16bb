// Conv2DBackpropInput (replaces the stock kernel, a naive loop ~10x slower than a forward conv):
// dx = conv2d(zero-dilated dy, spatially flipped filter with in/out swapped), stride 1, explicit
// padding (K-1-padBefore, ...). NCHW data stays on the stock kernel.
import { Conv2DBackpropInput, type KernelConfig } from '@tensorflow/tfjs-core';
import { forwardGeometry, isChannelsLast, dilatedGradientWindow } from './conv_util.ts';
import { runStockKernel, shape4Attr, tensorInput, withScope } from './shared.ts';

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: (args) => {
    const { inputs, attrs, backend } = args;
    if (!isChannelsLast(attrs, Conv2DBackpropInput)) return runStockKernel(Conv2DBackpropInput, args);
    const dy = tensorInput(inputs, Conv2DBackpropInput, 'dy');
    const filter = tensorInput(inputs, Conv2DBackpropInput, 'filter');
    const info = forwardGeometry(attrs, Conv2DBackpropInput, shape4Attr(attrs, Conv2DBackpropInput, 'inputShape'), filter.shape, false);
    return withScope(backend, Conv2DBackpropInput, (s) => {
      const window = dilatedGradientWindow(s, dy, info);
      // flip spatially and swap in/out channels: [KH, KW, Ci, Co] -> [KH, KW, Co, Ci]
      const flipped = s.transpose(s.flipTaps(filter), [0, 1, 3, 2]);
      return s.run('Conv2D', { x: window.x, filter: flipped }, { strides: [1, 1], pad: window.pad, dilations: [1, 1], dataFormat: 'NHWC' });
    });
  },
};
