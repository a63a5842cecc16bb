// Geometry shared by the convolution gradient kernels (Conv2DBackprop*, DepthwiseConv2dNativeBackprop*):
// the forward convolution each one inverts, and the windows of dy or x that its correlation reads.
import * as tfc from '@tensorflow/tfjs-core';
import type { NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { padAttr, pairAttr, roundingModeAttr, optionalStringAttr, shape4, type ExplicitPadding, type KernelScope } from './shared.ts';

export type ConvInfo = tfc.backend_util.Conv2DInfo;

/** Whether a conv gradient's dataFormat attribute (absent, 'NHWC' or 'channelsLast') means NHWC. */
export function isChannelsLast(attrs: NamedAttrMap | undefined, kernelName: string): boolean {
  const dataFormat = optionalStringAttr(attrs, kernelName, 'dataFormat');
  return dataFormat == null || dataFormat === 'NHWC' || dataFormat === 'channelsLast';
}

/**
 * The forward convolution's geometry (NHWC) that a gradient kernel inverts, from the attributes
 * tfjs-core gives the conv gradient kernels: strides, pad, dimRoundingMode and (depthwise kernels
 * only; the Conv2D gradients have none, so dilation 1) dilations.
 */
export function forwardGeometry(
  attrs: NamedAttrMap | undefined,
  kernelName: string,
  xShape: readonly number[],
  filterShape: readonly number[],
  depthwise: boolean,
): ConvInfo {
  const dilations = attrs?.dilations == null ? 1 : pairAttr(attrs, kernelName, 'dilations');
  return tfc.backend_util.computeConv2DInfo(
    shape4(xShape, kernelName, 'the input'),
    shape4(filterShape, kernelName, 'the filter'),
    pairAttr(attrs, kernelName, 'strides'),
    dilations,
    padAttr(attrs, kernelName),
    roundingModeAttr(attrs, kernelName),
    depthwise,
    'channelsLast',
  );
}

/**
 * Rows/cols of a zero-dilated gradient (length `len`) that a stride-1 correlation with a filter of
 * effective size `k` must see so that its output has length `outLen` and starts `before` pixels
 * before the first gradient element. Returns a crop [begin, size) and the non-negative padding.
 */
function fullCorrelationWindow(len: number, outLen: number, k: number, padBefore: number) {
  const left = k - 1 - padBefore;
  const right = outLen + k - 1 - left - len;
  const begin = Math.max(0, -left);
  const end = Math.min(len, len + right);
  return { begin, size: end - begin, padBefore: Math.max(0, left), padAfter: Math.max(0, right) };
}

/**
 * x rows used by a strided correlation: output o, tap k reads row o*stride + k*dil - padBefore.
 * Returns the crop of x and the zero padding so that exactly rows -padBefore .. (o-1)*s + (k-1)*dil
 * - padBefore are present.
 */
function correlationInputWindow(len: number, outLen: number, kEff: number, stride: number, padBefore: number) {
  const first = -padBefore;
  const last = (outLen - 1) * stride + kEff - 1 - padBefore; // inclusive
  const begin = Math.max(0, first);
  const end = Math.min(len - 1, last);
  return { begin, size: end - begin + 1, padBefore: begin - first, padAfter: last - end };
}

/** A tensor cropped to the window a correlation reads, and the zero padding the correlation adds around it. */
export interface Windowed {
  x: TensorInfo;
  pad: ExplicitPadding;
}

const explicitPadding = (rows: { padBefore: number; padAfter: number }, cols: { padBefore: number; padAfter: number }): ExplicitPadding => [
  [0, 0],
  [rows.padBefore, rows.padAfter],
  [cols.padBefore, cols.padAfter],
  [0, 0],
];

/**
 * The input-gradient correlation's operand: dy zero-dilated by the stride, cropped (and padded) so
 * that a stride-1 correlation with the flipped filter yields exactly the input's rows and columns.
 */
export function dilatedGradientWindow(s: KernelScope, dy: TensorInfo, info: ConvInfo): Windowed {
  const dyd = s.dilate(dy, info.strideHeight, info.strideWidth);
  const rows = fullCorrelationWindow(dyd.shape[1], info.inHeight, info.effectiveFilterHeight, info.padInfo.top);
  const cols = fullCorrelationWindow(dyd.shape[2], info.inWidth, info.effectiveFilterWidth, info.padInfo.left);
  const x = s.slice(dyd, [0, rows.begin, cols.begin, 0], [dyd.shape[0], rows.size, cols.size, dyd.shape[3]]);
  return { x, pad: explicitPadding(rows, cols) };
}

/** The filter-gradient correlation's operand: x cropped to the rows/cols the strided forward conv reads. */
export function readInputWindow(s: KernelScope, x: TensorInfo, info: ConvInfo): Windowed {
  const rows = correlationInputWindow(info.inHeight, info.outHeight, info.effectiveFilterHeight, info.strideHeight, info.padInfo.top);
  const cols = correlationInputWindow(info.inWidth, info.outWidth, info.effectiveFilterWidth, info.strideWidth, info.padInfo.left);
  const cropped = s.slice(x, [0, rows.begin, cols.begin, 0], [x.shape[0], rows.size, cols.size, x.shape[3]]);
  return { x: cropped, pad: explicitPadding(rows, cols) };
}
