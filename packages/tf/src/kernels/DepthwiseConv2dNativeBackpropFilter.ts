// DepthwiseConv2dNativeBackpropFilter, which the stock wasm backend lacks: the Conv2DBackpropFilter
// trick with (n, c) pairs as the channels of one depthwise conv and dy as its filter, then a sum
// over n.
import { DepthwiseConv2dNativeBackpropFilter, type KernelConfig } from '@tensorflow/tfjs-core';
import { forwardGeometry, readInputWindow } from './conv_util.ts';
import { shape4Attr, tensorInput, withScope } from './shared.ts';

export const depthwiseConv2dNativeBackpropFilterConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const x = tensorInput(inputs, DepthwiseConv2dNativeBackpropFilter, 'x');
    const dy = tensorInput(inputs, DepthwiseConv2dNativeBackpropFilter, 'dy');
    const filterShape = shape4Attr(attrs, DepthwiseConv2dNativeBackpropFilter, 'filterShape');
    const info = forwardGeometry(attrs, DepthwiseConv2dNativeBackpropFilter, x.shape, filterShape, true);
    return withScope(backend, DepthwiseConv2dNativeBackpropFilter, (s) => {
      const [n, , , c] = x.shape;
      const [kh, kw, , mult] = filterShape;
      const { strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow, dilationHeight: dh, dilationWidth: dw } = info;
      if ((dh !== 1 || dw !== 1) && (sh !== 1 || sw !== 1)) {
        throw new Error('DepthwiseConv2dNativeBackpropFilter (wasm): dilation and stride cannot both exceed 1');
      }
      // Taps are dilated by `dil`; outputs by `stride`. Swap roles: dy is the filter with
      // dilation = stride and the result's "stride" is the filter dilation.
      const window = readInputWindow(s, x, info);
      const xpad = s.pad(window.x, window.pad);
      const hp = xpad.shape[1];
      const wp = xpad.shape[2];
      const xt = s.reshape(s.transpose(xpad, [1, 2, 0, 3]), [1, hp, wp, n * c]); // channels (n, c)
      const ft = s.reshape(s.transpose(dy, [1, 2, 0, 3]), [oh, ow, n * c, mult]); // [OH, OW, (n,c), m]
      const out = s.run('DepthwiseConv2dNative', { x: xt, filter: ft }, { strides: [dh, dw], pad: 'valid', dilations: [sh, sw] }); // [1, KH, KW, n*c*m]
      if (out.shape[1] !== kh || out.shape[2] !== kw) {
        throw new Error(`DepthwiseConv2dNativeBackpropFilter (wasm): internal shape mismatch ${out.shape} vs ${filterShape}`);
      }
      const summed = n === 1 ? out : s.run('Sum', { x: s.reshape(out, [kh * kw, n, c * mult]) }, { axis: [1], keepDims: false });
      return s.reshape(summed, [kh, kw, c, mult]);
    });
  },
};
