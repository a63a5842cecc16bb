// Helpers shared by the wasm training kernels: the backend's heap, a scope that runs the backend's own
// kernels on TensorInfos and frees their intermediates, the stock kernels a replacement falls back
// to, and checked readers for the inputs and attributes tfjs-core passes a kernel.
import * as tfc from '@tensorflow/tfjs-core';
import type { Attribute, DataType, KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The argument tfjs-core passes a kernel function. */
export type KernelArgs = Parameters<KernelFunc>[0];
export type Shape4 = [number, number, number, number];
export type ExplicitPadding = tfc.backend_util.ExplicitPadding;
export type Padding = 'same' | 'valid' | number | ExplicitPadding;
export type RoundingMode = 'floor' | 'round' | 'ceil';

function isBackendWasm(backend: object): backend is BackendWasm {
  return (
    typeof backend === 'object' &&
    backend !== null &&
    'makeOutput' in backend &&
    typeof backend.makeOutput === 'function' &&
    'typedArrayFromHeap' in backend &&
    typeof backend.typedArrayFromHeap === 'function'
  );
}

/** The backend a kernel runs on, which must be tfjs-backend-wasm's (these kernels work on its heap). */
export function wasmBackend(backend: object, kernelName: string): BackendWasm {
  if (!isBackendWasm(backend)) throw new Error(`${kernelName} (wasm): not running on the wasm backend`);
  return backend;
}

// ---- the stock kernels that a training kernel replaced ----------------------------------------

const stockKernels = new Map<string, KernelConfig>();

/** Remembers the wasm backend's own kernel before a training kernel of the same name replaces it. */
export function keepStockKernel(stock: KernelConfig): void {
  stockKernels.set(stock.kernelName, stock);
}

/** Runs the stock kernel that `kernelName` replaced, for the cases the replacement leaves to it. */
export function runStockKernel(kernelName: string, args: KernelArgs): TensorInfo | TensorInfo[] {
  const stock = stockKernels.get(kernelName);
  if (!stock) throw new Error(`${kernelName} (wasm): this case needs tfjs-backend-wasm's own kernel, which is not registered`);
  return stock.kernelFunc(args);
}

// ---- running kernels on TensorInfos ------------------------------------------------------------

/** Runs wasm kernels on TensorInfos and frees every intermediate at the end. */
export class KernelScope {
  private readonly temps: TensorInfo[] = [];
  constructor(readonly backend: BackendWasm) {}

  adopt(info: TensorInfo): TensorInfo {
    this.temps.push(info);
    return info;
  }

  run(name: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    const kernel = tfc.getKernel(name, 'wasm');
    if (!kernel) throw new Error(`wasm kernel ${name} is not registered`);
    const out = kernel.kernelFunc({ inputs, attrs, backend: this.backend });
    const info = Array.isArray(out) ? out[0] : out;
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
  /** A float32 tensor holding `values`, freed with the scope. */
  constant(values: Float32Array, shape: number[]): TensorInfo {
    return this.adopt(this.backend.makeOutput(shape, 'float32', undefined, values));
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
    const padded = this.pad(x6, [
      [0, 0],
      [0, 0],
      [0, sh - 1],
      [0, 0],
      [0, sw - 1],
      [0, 0],
    ]);
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

/** Runs `f` in a KernelScope on the kernel's backend: its result survives, every other intermediate is freed. */
export function withScope(backend: object, kernelName: string, f: (s: KernelScope) => TensorInfo): TensorInfo {
  const scope = new KernelScope(wasmBackend(backend, kernelName));
  let out: TensorInfo;
  try {
    out = f(scope);
  } catch (error) {
    scope.abort();
    throw error;
  }
  return scope.finish(out);
}

/** x itself as the output, sharing its buffer (reference counted, as Reshape does); no kernel writes into its inputs. */
export function shareBuffer(backend: BackendWasm, x: TensorInfo): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

// ---- inputs and attributes ---------------------------------------------------------------------

export function tensorInput(inputs: NamedTensorInfoMap, kernelName: string, name: string): TensorInfo {
  const t = inputs[name];
  if (!t) throw new Error(`${kernelName} (wasm): input ${name} is missing`);
  return t;
}

/** The one gradient tensor of a single-output kernel. */
export function singleGradient(dy: tfc.Tensor | tfc.Tensor[], kernelName: string): tfc.Tensor {
  if (Array.isArray(dy)) throw new Error(`${kernelName} gradient: expected one output gradient, got ${dy.length}`);
  return dy;
}

type Attrs = NamedAttrMap | undefined;

function badAttr(kernelName: string, name: string, expected: string, value: Attribute | undefined): Error {
  return new Error(`${kernelName} (wasm): attribute ${name} should be ${expected}, got ${JSON.stringify(value)}`);
}

const isNumber = (v: unknown): v is number => typeof v === 'number';
const isNumbers = (v: unknown): v is number[] => Array.isArray(v) && v.every(isNumber);
const isPair = (v: unknown): v is [number, number] => isNumbers(v) && v.length === 2;
const isExplicitPadding = (v: unknown): v is ExplicitPadding => Array.isArray(v) && v.length === 4 && v.every(isPair);
const isPadding = (v: unknown): v is Padding => v === 'same' || v === 'valid' || isNumber(v) || isExplicitPadding(v);
const isRoundingMode = (v: unknown): v is RoundingMode => v === 'floor' || v === 'round' || v === 'ceil';

export function numberAttr(attrs: Attrs, kernelName: string, name: string): number {
  const v = attrs?.[name];
  if (!isNumber(v)) throw badAttr(kernelName, name, 'a number', v);
  return v;
}

/** A number, or undefined when the attribute is absent. */
export function optionalNumberAttr(attrs: Attrs, kernelName: string, name: string): number | undefined {
  return attrs?.[name] == null ? undefined : numberAttr(attrs, kernelName, name);
}

/** A boolean attribute; absent means false. */
export function flagAttr(attrs: Attrs, kernelName: string, name: string): boolean {
  const v = attrs?.[name];
  if (v == null) return false;
  if (typeof v !== 'boolean') throw badAttr(kernelName, name, 'a boolean', v);
  return v;
}

/** A string, or undefined when the attribute is absent. */
export function optionalStringAttr(attrs: Attrs, kernelName: string, name: string): string | undefined {
  const v = attrs?.[name];
  if (v == null) return undefined;
  if (typeof v !== 'string') throw badAttr(kernelName, name, 'a string', v);
  return v;
}

export function numbersAttr(attrs: Attrs, kernelName: string, name: string): number[] {
  const v = attrs?.[name];
  if (!isNumbers(v)) throw badAttr(kernelName, name, 'an array of numbers', v);
  return v;
}

export function shape4Attr(attrs: Attrs, kernelName: string, name: string): Shape4 {
  const v = attrs?.[name];
  if (!isNumbers(v) || v.length !== 4) throw badAttr(kernelName, name, 'a rank-4 shape', v);
  return shape4(v, kernelName, name);
}

/** A rank-4 shape as the tuple tfjs's conv/pool geometry takes. */
export function shape4(shape: readonly number[], kernelName: string, what: string): Shape4 {
  if (shape.length !== 4) throw new Error(`${kernelName} (wasm): ${what} should have rank 4, got shape [${shape}]`);
  return [shape[0], shape[1], shape[2], shape[3]];
}

/** A number or a [height, width] pair (strides, dilations, filter sizes). */
export function pairAttr(attrs: Attrs, kernelName: string, name: string): number | [number, number] {
  const v = attrs?.[name];
  if (!isNumber(v) && !isPair(v)) throw badAttr(kernelName, name, 'a number or a pair of numbers', v);
  return v;
}

export function padAttr(attrs: Attrs, kernelName: string, name = 'pad'): Padding {
  const v = attrs?.[name];
  if (isPadding(v)) return v;
  throw badAttr(kernelName, name, "'same', 'valid', a number or explicit [[0, 0], [t, b], [l, r], [0, 0]] padding", v);
}

export function roundingModeAttr(attrs: Attrs, kernelName: string, name = 'dimRoundingMode'): RoundingMode | undefined {
  const v = attrs?.[name];
  if (v == null) return undefined;
  if (isRoundingMode(v)) return v;
  throw badAttr(kernelName, name, "'floor', 'round' or 'ceil'", v);
}

/** Reduction axes as tfjs-core passes them: a number, an array, or null/absent for all axes. */
export function axisAttr(attrs: Attrs, kernelName: string, name = 'axis'): number | number[] | null {
  const v = attrs?.[name];
  if (v == null) return null;
  if (isNumber(v) || isNumbers(v)) return v;
  throw badAttr(kernelName, name, 'a number, an array of numbers or null', v);
}

/** The non-negative axes `axis` names in a tensor of `shape` (all of them for null), as tfjs's parseAxisParam gives them. */
export function reductionAxes(axis: number | number[] | null, shape: number[]): number[] {
  return axis == null ? shape.map((_, i) => i) : tfc.util.parseAxisParam(axis, shape);
}

export function isFloatOrInt(dtype: DataType): dtype is 'float32' | 'int32' {
  return dtype === 'float32' || dtype === 'int32';
}
