// DepthwiseConv2dNativeBackpropInput, which the stock wasm backend lacks: a depthwise conv of the
// zero-dilated dy with the spatially flipped filter (a channel multiplier > 1 is summed afterwards).
import { DepthwiseConv2dNativeBackpropInput, type KernelConfig } from '@tensorflow/tfjs-core';
import { dilatedGradientWindow, forwardGeometry } from './conv_util.ts';
import { shape4Attr, tensorInput, withScope } from './shared.ts';

export const depthwiseConv2dNativeBackpropInputConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const dy = tensorInput(inputs, DepthwiseConv2dNativeBackpropInput, 'dy');
    const filter = tensorInput(inputs, DepthwiseConv2dNativeBackpropInput, 'filter');
    const inputShape = shape4Attr(attrs, DepthwiseConv2dNativeBackpropInput, 'inputShape');
    const info = forwardGeometry(attrs, DepthwiseConv2dNativeBackpropInput, inputShape, filter.shape, true);
    return withScope(backend, DepthwiseConv2dNativeBackpropInput, (s) => {
      const [n, h, w, c] = inputShape;
      const [kh, kw, , mult] = filter.shape;
      const window = dilatedGradientWindow(s, dy, info);
      let flipped = s.flipTaps(filter);
      if (mult !== 1) flipped = s.reshape(flipped, [kh, kw, c * mult, 1]);
      const out = s.run(
        'DepthwiseConv2dNative',
        { x: window.x, filter: flipped },
        { strides: [1, 1], pad: window.pad, dilations: [info.dilationHeight, info.dilationWidth] },
      );
      if (mult === 1) return out;
      return s.run('Sum', { x: s.reshape(out, [n, h, w, c, mult]) }, { axis: [4], keepDims: false });
    });
  },
};
