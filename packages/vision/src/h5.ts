// Keras .h5 weight files (the legacy HDF5 layout of model.save_weights and keras.applications'
// published weights) read and written through h5wasm: a root attribute `layer_names`, one group per
// layer with an attribute `weight_names`, and each weight's values in the dataset
// `<layer>/<weight name>`, the weight name itself being `<layer>/<weight>:0`.
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import h5wasm from 'h5wasm/node';

export interface KerasWeight {
  /** Short name, as Keras's layer builds it: kernel, bias, gamma, moving_mean, mean, count, ... */
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface KerasLayerWeights {
  layer: string;
  /** Empty for layers without weights (Keras lists those in layer_names too). */
  weights: KerasWeight[];
}

/**
 * h5wasm's module with HDF5's error stack turned into exceptions: by default HDF5 prints pages of
 * diagnostics to stderr and carries on, which would bury our one-line errors.
 */
async function hdf5(): Promise<void> {
  const module = await h5wasm.ready;
  module.activate_throwing_error_handler();
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** HDF5 puts its signature at byte 0, 512, 1024, 2048, ... (after a user block). */
function hasHdf5Signature(path: string): boolean {
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(8);
    for (let offset = 0; offset + 8 <= size; offset = offset === 0 ? 512 : offset * 2) {
      readSync(fd, buffer, 0, 8, offset);
      if (buffer.equals(HDF5_SIGNATURE)) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

function stringList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.map((v) => String(v));
  return [];
}

/** A typed array of numbers: an ArrayBufferView that is neither a DataView nor one of the bigint arrays. */
function isNumberArray(value: unknown): value is ArrayLike<number> {
  return (
    ArrayBuffer.isView(value) && !(value instanceof DataView) && !(value instanceof BigInt64Array) && !(value instanceof BigUint64Array)
  );
}

function toFloat32(value: unknown): Float32Array {
  if (value instanceof Float32Array) return value;
  if (value instanceof BigInt64Array || value instanceof BigUint64Array) return Float32Array.from(value, (v) => Number(v));
  if (isNumberArray(value)) return Float32Array.from(value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return Float32Array.of(Number(value));
  throw new Error(`unsupported value type ${typeof value}`);
}

/**
 * Every layer of a Keras .h5 weights file, in `layer_names` order, with its weights in `weight_names`
 * order. A full-model file (model.save) keeps them under /model_weights, which is read the same way.
 * Errors are one line that names the file and, where it applies, the layer.
 */
export async function readKerasH5(path: string): Promise<KerasLayerWeights[]> {
  if (!existsSync(path)) throw new Error(`${path}: not found; pass a Keras .h5 weights file (e.g. efficientnetb0_notop.h5)`);
  if (!hasHdf5Signature(path))
    throw new Error(
      `${path}: not an HDF5 file (no HDF5 signature); pass a Keras .h5 weights file (e.g. efficientnetb0_notop.h5), or delete it if it is a broken download`,
    );
  await hdf5();
  let file: InstanceType<typeof h5wasm.File>;
  try {
    file = new h5wasm.File(path, 'r');
  } catch {
    throw new Error(
      `${path}: the HDF5 library cannot open it, the file is truncated or corrupt; download it again or pass another --weights file`,
    );
  }
  try {
    const nested = file.get('model_weights');
    const root = file.attrs.layer_names === undefined && nested instanceof h5wasm.Group ? nested : file;
    const names = root.attrs.layer_names;
    if (names === undefined)
      throw new Error(`${path}: no 'layer_names' attribute; not a Keras weights file (save one with model.save_weights('name.h5'))`);
    return stringList(names.value).map((layer) => {
      const group = root.get(layer);
      if (!(group instanceof h5wasm.Group))
        throw new Error(`${path}: layer '${layer}' is listed in layer_names but has no group; the file is truncated or corrupt`);
      const weightNames = group.attrs.weight_names === undefined ? [] : stringList(group.attrs.weight_names.value);
      return {
        layer,
        weights: weightNames.map((weightName) => {
          const dataset = group.get(weightName);
          if (!(dataset instanceof h5wasm.Dataset))
            throw new Error(
              `${path}: layer '${layer}' lists weight '${weightName}' but has no such dataset; the file is truncated or corrupt`,
            );
          let data: Float32Array;
          try {
            data = toFloat32(dataset.value);
          } catch {
            throw new Error(
              `${path}: cannot read the values of '${layer}/${weightName}', the file is truncated or corrupt; download it again`,
            );
          }
          const short = weightName.slice(weightName.lastIndexOf('/') + 1).replace(/:\d+$/, '');
          return { name: short, shape: dataset.shape ?? [], data };
        }),
      };
    });
  } finally {
    file.close();
  }
}

/**
 * Writes `layers` in Keras's layout (what keras.Model.load_weights('x.h5') and readKerasH5 read), to
 * a temporary file renamed into place, so an interrupted write never leaves a partial file.
 */
export async function writeKerasH5(path: string, layers: readonly KerasLayerWeights[]): Promise<void> {
  await hdf5();
  mkdirSync(dirname(path), { recursive: true });
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const file = new h5wasm.File(temporary, 'w');
  try {
    // Fixed-length ASCII strings, as h5py stores the numpy bytes arrays Keras hands it.
    const fixed = (values: string[]) => `A${Math.max(1, ...values.map((v) => v.length))}`;
    const layerNames = layers.map((l) => l.layer);
    file.create_attribute('layer_names', layerNames, [layerNames.length], fixed(layerNames));
    file.create_attribute('backend', 'tensorflow');
    file.create_attribute('keras_version', '2.15.0');
    for (const { layer, weights } of layers) {
      const group = file.create_group(layer);
      const weightNames = weights.map((w) => `${layer}/${w.name}:0`);
      group.create_attribute('weight_names', weightNames, [weightNames.length], fixed(weightNames.length > 0 ? weightNames : ['']));
      // The '/' in a weight name is a path: its values live in the subgroup <layer>/<layer>.
      const inner = weights.length > 0 ? group.create_group(layer) : null;
      for (const w of weights) inner?.create_dataset({ name: `${w.name}:0`, data: w.data, shape: w.shape, dtype: '<f4' });
    }
  } finally {
    file.close();
  }
  try {
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
