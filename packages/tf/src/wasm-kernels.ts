// Training kernels for @tensorflow/tfjs-backend-wasm 4.22.
//
// The stock wasm backend has no Conv2DBackpropFilter and no depthwise backprops, and its
// Conv2DBackpropInput is a naive loop ~10x slower than a forward convolution. Every kernel here is
// composed from the backend's own XNNPACK-backed kernels (Conv2D, DepthwiseConv2dNative, Transpose,
// PadV2, Sum, ...) called directly on TensorInfos, so the heavy work runs in wasm SIMD; JavaScript
// only moves contiguous blocks on the wasm heap (TypedArray.set, a memcpy), never single elements.
//
//  * Conv2DBackpropInput: dx = conv2d(zero-dilated dy, spatially flipped filter with in/out swapped),
//    stride 1, explicit padding (K-1-padBefore, ...).
//  * Conv2DBackpropFilter: dW is a correlation of x with dy over (batch, rows, cols). Transposing
//    x -> [Ci, H, W, N] and dy -> [OH, OW, N, Co] turns it into one forward conv2d with dy as the
//    filter and dilation = stride; its output [Ci, KH, KW, Co] is transposed to [KH, KW, Ci, Co].
//  * DepthwiseConv2dNativeBackpropInput: depthwise conv of zero-dilated dy with the flipped filter.
//  * DepthwiseConv2dNativeBackpropFilter: the same trick as Conv2DBackpropFilter with (n, c) pairs
//    as channels of one depthwise conv, then a sum over n.
import * as tfc from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';

const { backend_util } = tfc;
type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];
type Explicit = [[number, number], [number, number], [number, number], [number, number]];

/** Names of the kernels this module registers (or replaces) on the wasm backend. */
export const WASM_TRAINING_KERNELS = [
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'UnsortedSegmentSum',
] as const;

interface WasmBackendLike {
  disposeData(dataId: object, force?: boolean): boolean;
  incRef(dataId: object): void;
  makeOutput(shape: number[], dtype: 'float32' | 'int32', memoryOffset?: number, values?: Float32Array): TensorInfo;
  /** A view of the tensor's values on the wasm heap (valid until the next allocation); Int32Array for int32. */
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

/** Runs wasm kernels on TensorInfos and frees every intermediate at the end. */
class KernelScope {
  private readonly temps: TensorInfo[] = [];
  constructor(private readonly backend: WasmBackendLike) {}

  get backendRef(): WasmBackendLike {
    return this.backend;
  }
  adopt(info: TensorInfo): TensorInfo {
    this.temps.push(info);
    return info;
  }

  run(name: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    const kernel = tfc.getKernel(name, 'wasm');
    if (!kernel) throw new Error(`wasm kernel ${name} is not registered`);
    const out = kernel.kernelFunc({ inputs, attrs, backend: this.backend as never });
    const info = (Array.isArray(out) ? out[0] : out) as TensorInfo;
    this.temps.push(info);
    return info;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }
  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }
  pad(x: TensorInfo, paddings: Array<[number, number]>): TensorInfo {
    if (paddings.every(([a, b]) => a === 0 && b === 0)) return x;
    return this.run('PadV2', { x }, { paddings, constantValue: 0 });
  }
  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    if (begin.every((b) => b === 0) && size.every((s, i) => s === x.shape[i])) return x;
    return this.run('Slice', { x }, { begin, size });
  }

  /**
   * A [KH, KW, ...] filter with its taps in reverse order (a 180-degree spatial rotation): one block
   * copy per tap. The stock Reverse kernel moves the filter element by element.
   */
  flipTaps(filter: TensorInfo): TensorInfo {
    const [kh, kw] = filter.shape;
    const block = filter.shape.slice(2).reduce((p, d) => p * d, 1);
    const out = this.adopt(this.backend.makeOutput([...filter.shape], 'float32'));
    const to = this.backend.typedArrayFromHeap(out);
    const from = this.backend.typedArrayFromHeap(filter);
    const taps = kh * kw;
    for (let t = 0; t < taps; t++) to.set(from.subarray(t * block, (t + 1) * block), (taps - 1 - t) * block);
    return out;
  }

  /** Inserts (stride-1) zeros between rows/cols of an NHWC tensor; trailing zeros are kept. */
  dilate(x: TensorInfo, sh: number, sw: number): TensorInfo {
    if (sh === 1 && sw === 1) return x;
    const [n, h, w, c] = x.shape;
    const x6 = this.reshape(x, [n, h, 1, w, 1, c]);
    const padded = this.pad(x6, [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
    return this.reshape(padded, [n, h * sh, w * sw, c]);
  }

  /** Returns `keep` (which must be one of the temporaries) and frees all other temporaries. */
  finish(keep: TensorInfo): TensorInfo {
    for (const t of this.temps) if (t !== keep) this.backend.disposeData(t.dataId);
    return keep;
  }

  abort(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
  }
}

function withScope(backend: unknown, f: (s: KernelScope) => TensorInfo): TensorInfo {
  const scope = new KernelScope(backend as WasmBackendLike);
  let out: TensorInfo;
  try {
    out = f(scope);
  } catch (error) {
    scope.abort();
    throw error;
  }
  return scope.finish(out);
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

function isChannelsLast(dataFormat: unknown): boolean {
  return dataFormat == null || dataFormat === 'NHWC' || dataFormat === 'channelsLast';
}

type Shape4 = [number, number, number, number];
type ConvInfo = ReturnType<typeof backend_util.computeConv2DInfo>;

/** The attributes tfjs-core gives the conv gradient kernels (Conv2DBackprop*, DepthwiseConv2dNativeBackprop*). */
interface ConvGradAttrs {
  strides: [number, number] | number;
  /** Depthwise kernels only; the Conv2D gradients have none (dilation 1). */
  dilations?: [number, number] | number;
  pad: Pad;
  dataFormat?: string;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  /** Conv2DBackpropInput / DepthwiseConv2dNativeBackpropInput. */
  inputShape: Shape4;
  /** Conv2DBackpropFilter / DepthwiseConv2dNativeBackpropFilter. */
  filterShape: Shape4;
}

/** The forward convolution's geometry (NHWC) that a gradient kernel inverts. */
function forwardGeometry(attrs: ConvGradAttrs, xShape: readonly number[], filterShape: readonly number[], depthwise: boolean): ConvInfo {
  return backend_util.computeConv2DInfo(xShape as Shape4, filterShape as Shape4, attrs.strides, attrs.dilations ?? 1,
    attrs.pad as never, attrs.dimRoundingMode, depthwise, 'channelsLast');
}

function conv2DBackpropInput(stock: KernelConfig | undefined): KernelConfig {
  return {
    kernelName: 'Conv2DBackpropInput',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
      const conv = attrs as unknown as ConvGradAttrs;
      if (!isChannelsLast(conv.dataFormat)) {
        if (!stock) throw new Error('Conv2DBackpropInput: only NHWC is supported');
        return stock.kernelFunc({ inputs, attrs, backend });
      }
      const info = forwardGeometry(conv, conv.inputShape, filter.shape, false);
      return withScope(backend, (s) => {
        const window = dilatedGradientWindow(s, dy, info);
        // flip spatially and swap in/out channels: [KH, KW, Ci, Co] -> [KH, KW, Co, Ci]
        const flipped = s.transpose(s.flipTaps(filter), [0, 1, 3, 2]);
        return s.run('Conv2D', { x: window.x, filter: flipped },
          { strides: [1, 1], pad: window.pad, dilations: [1, 1], dataFormat: 'NHWC' });
      });
    },
  };
}

function conv2DBackpropFilter(): KernelConfig {
  return {
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
      const conv = attrs as unknown as ConvGradAttrs;
      if (!isChannelsLast(conv.dataFormat)) throw new Error('Conv2DBackpropFilter (wasm): only NHWC is supported');
      const { filterShape } = conv;
      const info = forwardGeometry(conv, x.shape, filterShape, false);
      const grid = info.strideHeight === 1 && info.strideWidth === 1 ? sharedPaddingGrid(info) : null;
      if (grid) return withScope(backend, (s) => filterGradStride1(s, x, dy, info, grid));
      return withScope(backend, (s) => {
        const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
        const co = filterShape[3];
        const window = readInputWindow(s, x, info);
        const xt = s.transpose(window.x, [3, 1, 2, 0]); // [Ci, H', W', N]
        const ft = s.transpose(dy, [1, 2, 0, 3]); // [OH, OW, N, Co]
        const out = s.run('Conv2D', { x: xt, filter: ft },
          { strides: [1, 1], pad: window.pad, dilations: [sh, sw], dataFormat: 'NHWC' }); // [Ci, KH, KW, Co]
        if (out.shape[1] !== kh || out.shape[2] !== kw || out.shape[3] !== co) {
          throw new Error(`Conv2DBackpropFilter (wasm): internal shape mismatch ${out.shape} vs ${filterShape}`);
        }
        return s.transpose(out, [1, 2, 0, 3]);
      });
    },
  };
}

/**
 * Stride-1 Conv2DBackpropFilter as one matMul (XNNPACK's GEMM runs ~3x faster than its convolution
 * on these shapes). The images are stacked on one zero grid of row length BW = Gc + W with
 * G = max(padTop, padBottom) zero rows above each image and Gc = max(padLeft, padRight) zero columns
 * left of each row: the bottom/right padding of one image or row is the top/left padding of the
 * next, so the grid has (G+H)*(Gc+W) positions per image (81 for an 8x8 image and 3x3 'same',
 * against 100 with separate padding). Flattened over (n, row, col), the input pixel under tap
 * (kh, kw) of the output at grid position f is at f + kh*BW + kw: every tap is a contiguous shift of
 * the flat axis. With dy placed on the same grid (zeros elsewhere contribute nothing),
 *   dW[kh, kw, ci, co] = sum_f xT[ci, f + kh*BW + kw] * dy[f, co]
 * = (patches [KH*KW*Ci, F] . dy [F, Co]), each patch row a contiguous run of xT copied with one memcpy.
 */
const FILTER_GRAD_CHUNK = 2048;

interface SharedPaddingGrid { g: number; gc: number; bh: number; bw: number }

/** The grid of filterGradStride1, or null where padding of a filter's size or more leaves output rows without input. */
function sharedPaddingGrid(info: ConvInfo): SharedPaddingGrid | null {
  const { inHeight: h, inWidth: w, filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow } = info;
  const { top, bottom, left, right } = info.padInfo;
  if (bottom >= kh || right >= kw || oh !== h + top + bottom - kh + 1 || ow !== w + left + right - kw + 1) return null;
  const g = Math.max(top, bottom);
  const gc = Math.max(left, right);
  return { g, gc, bh: g + h, bw: gc + w };
}

function filterGradStride1(s: KernelScope, x: TensorInfo, dy: TensorInfo, info: ConvInfo, grid: SharedPaddingGrid): TensorInfo {
  const [n, , , ci] = x.shape;
  const { filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow, outChannels: co } = info;
  const { top, left } = info.padInfo;
  const { g, gc, bh, bw } = grid;
  const gridLength = n * bh * bw;
  // dy's first and last real positions on the grid; positions outside [first, end) are all zero
  const first = (g - top) * bw + (gc - left);
  const end = (n - 1) * bh * bw + (g - top + oh - 1) * bw + (gc - left + ow - 1) + 1;
  const maxShift = (kh - 1) * bw + (kw - 1);
  const xGrid = s.reshape(s.pad(x, [[0, 0], [g, 0], [gc, 0], [0, 0]]), [gridLength, ci]);
  const xLength = Math.max(gridLength, end + maxShift);
  const xt = s.transpose(s.pad(xGrid, [[0, xLength - gridLength], [0, 0]]), [1, 0]); // [Ci, xLength]
  const dyGrid = s.pad(dy, [[0, 0], [g - top, bh - oh - (g - top)], [gc - left, bw - ow - (gc - left)], [0, 0]]);
  const dyFlat = s.reshape(dyGrid, [gridLength, co]);
  // XNNPACK's GEMM does not block the reduction axis; chunks of ~2k columns keep its packed panels
  // in cache (measured ~1.5x faster on the 32x32x32 layer than one matMul over all 37k columns).
  let dw: TensorInfo | undefined;
  for (let begin = first; begin < end; begin += FILTER_GRAD_CHUNK) {
    const width = Math.min(FILTER_GRAD_CHUNK, end - begin);
    const patches = s.adopt(s.backendRef.makeOutput([kh * kw * ci, width], 'float32'));
    const to = s.backendRef.typedArrayFromHeap(patches);
    const from = s.backendRef.typedArrayFromHeap(xt);
    for (let r = 0; r < kh; r++) {
      for (let c = 0; c < kw; c++) {
        const shift = begin + r * bw + c;
        const block = (r * kw + c) * ci;
        for (let ch = 0; ch < ci; ch++) {
          const start = ch * xLength + shift;
          to.set(from.subarray(start, start + width), (block + ch) * width);
        }
      }
    }
    // not the Slice kernel: it copies its whole input off the heap (readSync) on every call
    const dyChunk = s.adopt(s.backendRef.makeOutput([width, co], 'float32'));
    s.backendRef.typedArrayFromHeap(dyChunk)
      .set(s.backendRef.typedArrayFromHeap(dyFlat).subarray(begin * co, (begin + width) * co));
    const part = s.run('BatchMatMul', { a: patches, b: dyChunk }, { transposeA: false, transposeB: false });
    dw = dw ? s.run('Add', { a: dw, b: part }) : part;
  }
  return s.reshape(dw!, [kh, kw, ci, co]);
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
interface Windowed { x: TensorInfo; pad: Explicit }

const explicitPadding = (rows: { padBefore: number; padAfter: number }, cols: { padBefore: number; padAfter: number }): Explicit =>
  [[0, 0], [rows.padBefore, rows.padAfter], [cols.padBefore, cols.padAfter], [0, 0]];

/**
 * The input-gradient correlation's operand: dy zero-dilated by the stride, cropped (and padded) so
 * that a stride-1 correlation with the flipped filter yields exactly the input's rows and columns.
 */
function dilatedGradientWindow(s: KernelScope, dy: TensorInfo, info: ConvInfo): Windowed {
  const dyd = s.dilate(dy, info.strideHeight, info.strideWidth);
  const rows = fullCorrelationWindow(dyd.shape[1], info.inHeight, info.effectiveFilterHeight, info.padInfo.top);
  const cols = fullCorrelationWindow(dyd.shape[2], info.inWidth, info.effectiveFilterWidth, info.padInfo.left);
  const x = s.slice(dyd, [0, rows.begin, cols.begin, 0], [dyd.shape[0], rows.size, cols.size, dyd.shape[3]]);
  return { x, pad: explicitPadding(rows, cols) };
}

/** The filter-gradient correlation's operand: x cropped to the rows/cols the strided forward conv reads. */
function readInputWindow(s: KernelScope, x: TensorInfo, info: ConvInfo): Windowed {
  const rows = correlationInputWindow(info.inHeight, info.outHeight, info.effectiveFilterHeight, info.strideHeight, info.padInfo.top);
  const cols = correlationInputWindow(info.inWidth, info.outWidth, info.effectiveFilterWidth, info.strideWidth, info.padInfo.left);
  const cropped = s.slice(x, [0, rows.begin, cols.begin, 0], [x.shape[0], rows.size, cols.size, x.shape[3]]);
  return { x: cropped, pad: explicitPadding(rows, cols) };
}

function depthwiseBackpropInput(): KernelConfig {
  return {
    kernelName: 'DepthwiseConv2dNativeBackpropInput',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
      const conv = attrs as unknown as ConvGradAttrs;
      const { inputShape } = conv;
      const info = forwardGeometry(conv, inputShape, filter.shape, true);
      return withScope(backend, (s) => {
        const [n, h, w, c] = inputShape;
        const [kh, kw, , mult] = filter.shape;
        const window = dilatedGradientWindow(s, dy, info);
        let flipped = s.flipTaps(filter);
        if (mult !== 1) flipped = s.reshape(flipped, [kh, kw, c * mult, 1]);
        const out = s.run('DepthwiseConv2dNative', { x: window.x, filter: flipped },
          { strides: [1, 1], pad: window.pad, dilations: [info.dilationHeight, info.dilationWidth] });
        if (mult === 1) return out;
        return s.run('Sum', { x: s.reshape(out, [n, h, w, c, mult]) }, { axis: [4], keepDims: false });
      });
    },
  };
}

function depthwiseBackpropFilter(): KernelConfig {
  return {
    kernelName: 'DepthwiseConv2dNativeBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
      const conv = attrs as unknown as ConvGradAttrs;
      const { filterShape } = conv;
      const info = forwardGeometry(conv, x.shape, filterShape, true);
      return withScope(backend, (s) => {
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
        const out = s.run('DepthwiseConv2dNative', { x: xt, filter: ft },
          { strides: [dh, dw], pad: 'valid', dilations: [sh, sw] }); // [1, KH, KW, n*c*m]
        if (out.shape[1] !== kh || out.shape[2] !== kw) {
          throw new Error(`DepthwiseConv2dNativeBackpropFilter (wasm): internal shape mismatch ${out.shape} vs ${filterShape}`);
        }
        const summed = n === 1
          ? out
          : s.run('Sum', { x: s.reshape(out, [kh * kw, n, c * mult]) }, { axis: [1], keepDims: false });
        return s.reshape(summed, [kh, kw, c, mult]);
      });
    },
  };
}

/**
 * Sum/Mean over a contiguous block of axes that is followed by at least one kept axis (batch-norm
 * statistics over [0,1,2], global average pooling over [1,2]): the stock kernels transpose the
 * reduced axes innermost first, which costs more than the reduction. Here it is one XNNPACK average
 * pool over the whole reduced block viewed as a [a, b] window (times its size for Sum).
 */
function reduceViaMatMul(kernelName: 'Sum' | 'Mean', stock: KernelConfig): KernelConfig {
  return {
    kernelName,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { inputs, attrs, backend } = args;
      const x = inputs.x as TensorInfo;
      const { axis, keepDims } = attrs as unknown as { axis: number | number[]; keepDims: boolean };
      const axes = [...new Set(tfc.util.parseAxisParam(axis, x.shape))].sort((a, b) => a - b);
      const contiguous = axes.length > 0 && axes.every((a, i) => a === axes[0] + i);
      const last = axes[axes.length - 1];
      if (x.dtype !== 'float32' || !contiguous || last === x.shape.length - 1) return stock.kernelFunc(args);
      const size = (dims: number[]) => dims.reduce((p, d) => p * d, 1);
      const outer = size(x.shape.slice(0, axes[0]));
      const m = size(x.shape.slice(axes[0], last + 1));
      const inner = size(x.shape.slice(last + 1));
      if (m === 0 || outer * inner === 0) return stock.kernelFunc(args);
      const outShape = keepDims
        ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
        : x.shape.filter((_, i) => !axes.includes(i));
      // [outer, a, b, inner] with the reduced block split as a x b (b = last reduced axis)
      const b = x.shape[last];
      const a = m / b;
      return withScope(backend, (s) => {
        const x4 = s.reshape(x, [outer, a, b, inner]);
        const avg = s.run('AvgPool', { x: x4 }, { filterSize: [a, b], strides: [1, 1], pad: 'valid' });
        const scaled = kernelName === 'Mean' ? avg : s.run('Multiply', { a: avg, b: constant(s, new Float32Array([m]), []) });
        return s.reshape(scaled, outShape);
      });
    },
  };
}

/**
 * MaxPoolGrad for non-overlapping windows (pool == stride, no padding, sizes divisible): the
 * gradient goes to the first maximum of each window (the cpu backend's rule, which matters after
 * ReLU where whole windows are 0). Built from broadcasting Equal/Multiply and one MaxPool instead of
 * the stock per-element loop; other configurations use the stock kernel.
 */
function maxPoolGrad(stock: KernelConfig): KernelConfig {
  return {
    kernelName: 'MaxPoolGrad',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { inputs, attrs, backend } = args;
      const { dy, input: x, output: y } = inputs as { dy: TensorInfo; input: TensorInfo; output: TensorInfo };
      const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as {
        filterSize: [number, number] | number; strides: [number, number] | number; pad: Pad; dimRoundingMode?: 'floor' | 'round' | 'ceil';
      };
      const info = backend_util.computePool2DInfo(x.shape as [number, number, number, number], filterSize, strides, 1, pad as never, dimRoundingMode);
      const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
      const [n, h, w, c] = x.shape;
      const fast = x.dtype === 'float32' && kh === sh && kw === sw && h === oh * kh && w === ow * kw
        && info.padInfo.top === 0 && info.padInfo.left === 0;
      if (!fast) return stock.kernelFunc(args);
      return withScope(backend, (s) => {
        const win = [n, oh, kh, ow, kw, c];
        const cell = [n, oh, 1, ow, 1, c];
        // notMax = step(y - x) is 1 where x is below its window's max (broadcast over the window)
        const notMax = s.run('Step', { x: s.run('Sub', { a: s.reshape(y, cell), b: s.reshape(x, win) }) }, { alpha: 0 });
        // rank maxima so the first one (row-major in the window) gets the largest weight
        const order = new Float32Array(kh * kw).map((_, i) => kh * kw - i);
        const weights = s.reshape(constant(s, order, [kh * kw]), [1, 1, kh, 1, kw, 1]);
        const ranked = s.run('Sub', { a: weights, b: s.run('Multiply', { a: notMax, b: weights }) });
        const best = s.run('MaxPool', { x: s.reshape(ranked, [n, h, w, c]) },
          { filterSize: [kh, kw], strides: [kh, kw], pad: 'valid' });
        const threshold = s.run('Sub', { a: best, b: constant(s, new Float32Array([0.5]), []) });
        const first = s.run('Step', { x: s.run('Sub', { a: ranked, b: s.reshape(threshold, cell) }) }, { alpha: 0 });
        const dx = s.run('Multiply', { a: first, b: s.reshape(dy, cell) });
        return s.reshape(dx, [n, h, w, c]);
      });
    },
  };
}

/**
 * FusedBatchNorm with per-channel statistics (every parameter of size C = the last axis) as
 * x * a + b, a = scale / sqrt(variance + eps) and b = offset - mean * a computed on the C-vectors:
 * two broadcasting XNNPACK passes over x. The stock kernel's scalar loop took 17 ms on the bench
 * network's 32x64x64x32 activations. Other parameter shapes use the stock kernel.
 */
function batchNormAffine(stock: KernelConfig): KernelConfig {
  return {
    kernelName: 'FusedBatchNorm',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x, mean, variance, offset, scale } = args.inputs as Record<string, TensorInfo | undefined> & { x: TensorInfo; mean: TensorInfo; variance: TensorInfo };
      const { varianceEpsilon } = args.attrs as unknown as { varianceEpsilon: number };
      const channels = x.shape[x.shape.length - 1];
      const perChannel = (t: TensorInfo | undefined) => t == null || (t.dtype === 'float32' && tfc.util.sizeFromShape(t.shape) === channels);
      if (x.dtype !== 'float32' || x.shape.length < 2 || ![mean, variance, offset, scale].every(perChannel)) return stock.kernelFunc(args);
      return withScope(args.backend, (s) => {
        const vector = (t: TensorInfo) => s.reshape(t, [channels]);
        let a = s.run('Rsqrt', { x: s.run('Add', { a: vector(variance), b: constant(s, new Float32Array([varianceEpsilon]), []) }) });
        if (scale) a = s.run('Multiply', { a, b: vector(scale) });
        const meanTimesA = s.run('Multiply', { a: vector(mean), b: a });
        const b = offset ? s.run('Sub', { a: vector(offset), b: meanTimesA }) : s.run('Neg', { x: meanTimesA });
        return s.run('Add', { a: s.run('Multiply', { a: x, b: a }), b });
      });
    },
  };
}

/**
 * Identity, and Cast to the dtype a tensor already has (ReLU's gradient casts its float mask to
 * float), sharing the input's buffer (reference counted, like Reshape) instead of the stock kernels'
 * full copy: tfjs clones big activations ~10 times per training step, and no kernel writes into its
 * inputs.
 */
function sharedWhenUnchanged(kernelName: 'Identity' | 'Cast') {
  return (stock: KernelConfig): KernelConfig => ({
    kernelName,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs.x as TensorInfo;
      const dtype = kernelName === 'Cast' ? (args.attrs as unknown as { dtype: string }).dtype : x.dtype;
      if (x.dtype === 'string' || dtype !== x.dtype) return stock.kernelFunc(args);
      (args.backend as unknown as WasmBackendLike).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
}

/**
 * Tile by memcpy: each tiled axis (innermost first) repeats blocks that are contiguous in memory,
 * so the output is built in place by moving each block to its final offset and doubling it with
 * copyWithin. The stock kernel computes every output index in a scalar loop. Falls back to it
 * when the blocks are so small that there would be more than MAX_TILE_COPIES copies.
 */
const MAX_TILE_COPIES = 1 << 14;

function tileByCopy(stock: KernelConfig): KernelConfig {
  return {
    kernelName: 'Tile',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs.x as TensorInfo;
      const { reps } = args.attrs as unknown as { reps: number[] };
      if (x.dtype !== 'float32' && x.dtype !== 'int32') return stock.kernelFunc(args);
      const shape = [...x.shape];
      let copies = 0;
      for (let a = shape.length - 1; a >= 0; a--) {
        if (reps[a] === 1) continue;
        const outer = shape.slice(0, a).reduce((p, d) => p * d, 1);
        copies += outer * (1 + Math.ceil(Math.log2(reps[a])));
      }
      if (copies > MAX_TILE_COPIES) return stock.kernelFunc(args);
      const backend = args.backend as unknown as WasmBackendLike;
      const out = backend.makeOutput(x.shape.map((d, i) => d * reps[i]), x.dtype);
      const values = backend.typedArrayFromHeap(out);
      values.set(backend.typedArrayFromHeap(x));
      for (let a = shape.length - 1; a >= 0; a--) {
        const r = reps[a];
        if (r === 1) continue;
        const block = shape.slice(a).reduce((p, d) => p * d, 1);
        const outer = shape.slice(0, a).reduce((p, d) => p * d, 1);
        const total = block * r;
        for (let o = outer - 1; o >= 0; o--) {
          const dst = o * total;
          if (o > 0) values.copyWithin(dst, o * block, o * block + block);
          for (let filled = block; filled < total; filled *= 2) {
            values.copyWithin(dst + filled, dst, dst + Math.min(filled, total - filled));
          }
        }
        shape[a] *= r;
      }
      return out;
    },
  };
}

/**
 * Mean/Sum gradients as one Tile of the (small) reduced gradient instead of the stock
 * `mul(dy, ones(x.shape))` (a full-size Fill plus a broadcasting Multiply, and for Mean a full-size
 * RealDiv). The division by the reduced size happens on dy before tiling: the same values.
 */
function registerReductionGradients(): void {
  for (const kernelName of ['Mean', 'Sum'] as const) {
    tfc.registerGradient({
      kernelName,
      inputsToSave: ['x'],
      gradFunc: (dy, saved, attrs) => {
        const [x] = saved as tfc.Tensor[];
        const axes = tfc.util.parseAxisParam((attrs as unknown as { axis: number | number[] }).axis, x.shape);
        const expanded = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
        const reps = x.shape.map((d, i) => (axes.includes(i) ? d : 1));
        const size = axes.reduce((p, a) => p * x.shape[a], 1);
        return {
          x: () => {
            const g = tfc.reshape(dy as tfc.Tensor, expanded);
            return tfc.tile(kernelName === 'Mean' ? tfc.div(g, size) : g, reps);
          },
        };
      },
    });
  }
}

/**
 * UnsortedSegmentSum gradient as one gather of dy times a per-row 0/1 mask for the ids outside
 * [0, numSegments), which the forward pass dropped. The stock gradient masks at full size through a
 * bool ones tensor, LogicalAnd and Select: 6 s for an embedding bag's 15,500 x 512 rows on wasm.
 */
function registerSegmentSumGradient(): void {
  tfc.registerGradient({
    kernelName: 'UnsortedSegmentSum',
    inputsToSave: ['segmentIds'],
    gradFunc: (dy, saved, attrs) => {
      const [segmentIds] = saved as tfc.Tensor[];
      const { numSegments } = attrs as unknown as { numSegments: number };
      return {
        x: () => tfc.tidy(() => {
          const g = dy as tfc.Tensor;
          const clipped = tfc.clipByValue(segmentIds, 0, numSegments - 1);
          const inRange = tfc.cast(tfc.logicalAnd(tfc.greaterEqual(segmentIds, 0), tfc.less(segmentIds, numSegments)), g.dtype);
          return tfc.mul(tfc.gather(g, clipped), tfc.reshape(inRange, [segmentIds.size, ...g.shape.slice(1).map(() => 1)]));
        }),
      };
    },
  });
}

function constant(s: KernelScope, values: Float32Array, shape: number[]): TensorInfo {
  return s.adopt(s.backendRef.makeOutput(shape, 'float32', undefined, values));
}

/**
 * FusedBatchNorm gradient without the stock gradient's full-size tile of 1/sqrt(var): broadcasting
 * multiplies, and per-channel sums taken before scaling by per-channel factors. Same math.
 */
function registerBatchNormGradient(): void {
  tfc.registerGradient({
    kernelName: 'FusedBatchNorm',
    inputsToSave: ['x', 'mean', 'variance', 'scale'],
    gradFunc: (dy, saved, attrs) => {
      const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
      const [x, mean, variance, scale] = saved as tfc.Tensor[];
      const dyT = dy as tfc.Tensor;
      const reductionAxes = backend_util.getReductionAxes(mean.shape, x.shape);
      const reduce = (t: tfc.Tensor) => (reductionAxes.length > 0 ? tfc.sum(t, reductionAxes) : t);
      const rsqrtVar = tfc.rsqrt(tfc.add(variance, tfc.scalar(varianceEpsilon)));
      const scaleValue = scale == null ? tfc.scalar(1) : scale;
      const xMinusMean = () => tfc.sub(x, mean);
      return {
        x: () => tfc.reshape(tfc.mul(dyT, tfc.mul(rsqrtVar, scaleValue)), x.shape),
        mean: () => tfc.reshape(tfc.mul(reduce(dyT), tfc.mul(tfc.neg(rsqrtVar), scaleValue)), mean.shape),
        variance: () => {
          const minusHalfRCube = tfc.mul(tfc.mul(tfc.mul(rsqrtVar, rsqrtVar), rsqrtVar), tfc.scalar(-0.5));
          return tfc.reshape(tfc.mul(reduce(tfc.mul(dyT, xMinusMean())), tfc.mul(minusHalfRCube, scaleValue)), mean.shape);
        },
        scale: () => tfc.reshape(tfc.mul(reduce(tfc.mul(dyT, xMinusMean())), rsqrtVar), mean.shape),
        offset: () => tfc.reshape(reduce(dyT), mean.shape),
      };
    },
  });
}

/**
 * UnsortedSegmentSum, which the stock wasm backend lacks: tf.unsortedSegmentSum and the gradient of
 * tf.gather (an embedding bag's forward and backward pass) both need it. out[s] is the sum of the rows
 * of x whose segment id is s; ids outside [0, numSegments) are dropped, as TensorFlow does. One pass
 * of row-block adds on the wasm heap.
 */
const unsortedSegmentSum: KernelConfig = {
  kernelName: 'UnsortedSegmentSum',
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const heap = backend as unknown as WasmBackendLike;
    const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
    const { numSegments } = attrs as unknown as { numSegments: number };
    if (segmentIds.shape.length !== 1 || segmentIds.shape[0] !== x.shape[0]) {
      throw new Error(`UnsortedSegmentSum (wasm): segment ids must be one per row of x, got shape [${segmentIds.shape}] for x [${x.shape}]`);
    }
    const rows = x.shape[0];
    const width = x.shape.slice(1).reduce((a, b) => a * b, 1);
    const out = heap.makeOutput([numSegments, ...x.shape.slice(1)], x.dtype as 'float32' | 'int32');
    // Views after the allocation: makeOutput may grow (and so move) the heap.
    const target = heap.typedArrayFromHeap(out);
    const values = heap.typedArrayFromHeap(x);
    const ids = heap.typedArrayFromHeap(segmentIds);
    target.fill(0);
    for (let i = 0; i < rows; i++) {
      const segment = ids[i];
      if (!(segment >= 0 && segment < numSegments)) continue;
      const to = segment * width;
      const from = i * width;
      for (let j = 0; j < width; j++) target[to + j] += values[from + j];
    }
    return out;
  },
};

/**
 * GatherV2 along axis 0 (batchDims 0) as one row-block copy per index: the stock kernel computes
 * every element's source offset, and took about 1.7 s for the 15,500 x 512 rows an embedding bag
 * reads per batch. Other axes and dtypes use the stock kernel.
 */
function gatherRows(stock: KernelConfig): KernelConfig {
  return {
    kernelName: 'GatherV2',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x, indices } = args.inputs as { x: TensorInfo; indices: TensorInfo };
      const { axis, batchDims } = args.attrs as unknown as { axis: number; batchDims: number };
      if ((axis !== 0 && axis !== -x.shape.length) || batchDims !== 0 || (x.dtype !== 'float32' && x.dtype !== 'int32') || indices.dtype !== 'int32') {
        return stock.kernelFunc(args);
      }
      const backend = args.backend as unknown as WasmBackendLike;
      const rows = x.shape[0];
      const width = x.shape.slice(1).reduce((a, b) => a * b, 1);
      const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
      // Views after the allocation: makeOutput may grow (and so move) the heap.
      const target = backend.typedArrayFromHeap(out);
      const values = backend.typedArrayFromHeap(x);
      const ids = backend.typedArrayFromHeap(indices);
      for (let i = 0; i < ids.length; i++) {
        const row = ids[i];
        if (!(row >= 0 && row < rows)) throw new Error(`GatherV2 (wasm): index ${row} at position ${i} is outside [0, ${rows - 1}]`);
        target.set(values.subarray(row * width, (row + 1) * width), i * width);
      }
      return out;
    },
  };
}

/**
 * BatchMatMul with transposeA or transposeB as an explicit Transpose of that operand, then the stock
 * kernel without transposes. The stock kernel's transposed paths are 8x (B) and 15x (A) slower than
 * its plain one: a dense layer's or classifier head's backward pass (dy @ W^T and x^T @ dy) with
 * [128, 512] x [512, 5314] operands took 0.6 s and 1.1 s of CPU against 0.07 s forward.
 */
function matMulWithoutTransposes(stock: KernelConfig): KernelConfig {
  return {
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
      const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
      if (!transposeA && !transposeB) return stock.kernelFunc(args);
      const swapLast = (x: TensorInfo): number[] => x.shape.map((_, i) => (i < x.shape.length - 2 ? i : i === x.shape.length - 2 ? i + 1 : i - 1));
      return withScope(args.backend, (s) => {
        const left = transposeA ? s.transpose(a, swapLast(a)) : a;
        const right = transposeB ? s.transpose(b, swapLast(b)) : b;
        return s.run('BatchMatMul', { a: left, b: right }, { ...args.attrs, transposeA: false, transposeB: false });
      });
    },
  };
}

let registered = false;

/**
 * Registers the training kernels on the wasm backend (idempotent). The stock Conv2DBackpropInput is
 * replaced; it stays in use for NCHW data.
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  const stockInput = tfc.getKernel('Conv2DBackpropInput', 'wasm');
  for (const name of WASM_TRAINING_KERNELS) {
    if (tfc.getKernel(name, 'wasm')) tfc.unregisterKernel(name, 'wasm');
  }
  tfc.registerKernel(conv2DBackpropInput(stockInput));
  tfc.registerKernel(conv2DBackpropFilter());
  tfc.registerKernel(depthwiseBackpropInput());
  tfc.registerKernel(depthwiseBackpropFilter());
  for (const name of ['Sum', 'Mean'] as const) {
    const stock = tfc.getKernel(name, 'wasm');
    if (!stock) continue;
    tfc.unregisterKernel(name, 'wasm');
    tfc.registerKernel(reduceViaMatMul(name, stock));
  }
  const stockMaxPoolGrad = tfc.getKernel('MaxPoolGrad', 'wasm');
  if (stockMaxPoolGrad) {
    tfc.unregisterKernel('MaxPoolGrad', 'wasm');
    tfc.registerKernel(maxPoolGrad(stockMaxPoolGrad));
  }
  for (const [name, make] of [['Identity', sharedWhenUnchanged('Identity')], ['Cast', sharedWhenUnchanged('Cast')], ['Tile', tileByCopy],
    ['FusedBatchNorm', batchNormAffine], ['GatherV2', gatherRows], ['BatchMatMul', matMulWithoutTransposes]] as const) {
    const stock = tfc.getKernel(name, 'wasm');
    if (!stock) continue;
    tfc.unregisterKernel(name, 'wasm');
    tfc.registerKernel(make(stock));
  }
  tfc.registerKernel(unsortedSegmentSum);
  registerBatchNormGradient();
  registerReductionGradients();
  registerSegmentSumGradient();
  registered = true;
}
