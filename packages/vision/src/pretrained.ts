// Pretrained backbones: a saved tfjs LayersModel (model.json + weight shards) from a folder, a file or
// a URL; Keras .h5 weights (keras.applications' EfficientNet files or our own) loaded into our
// EfficientNet by layer name; and the download of Keras's ImageNet EfficientNet weights.
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import * as tfc from '@tensorflow/tfjs-core';
import type { EfficientNetVariant } from './backbones.ts';
import { readKerasH5, writeKerasH5, type KerasWeight } from './h5.ts';

function fromDisk(source: string): tfc.io.IOHandler {
  const modelJson = existsSync(source) && statSync(source).isDirectory() ? join(source, 'model.json') : source;
  if (!existsSync(modelJson))
    throw new Error(`${modelJson}: not found; --weights takes a tfjs model folder, its model.json, or an http(s) URL`);
  return {
    async load() {
      let artifacts: tfc.io.ModelJSON;
      try {
        artifacts = JSON.parse(readFileSync(modelJson, 'utf8')) as tfc.io.ModelJSON;
      } catch (error) {
        throw new Error(`${modelJson}: not a tfjs model.json (${(error as Error).message})`);
      }
      if (!artifacts.modelTopology || !artifacts.weightsManifest)
        throw new Error(`${modelJson}: has no modelTopology/weightsManifest; save the model with LayersModel.save()`);
      const specs = artifacts.weightsManifest.flatMap((group) => group.weights);
      const buffers = artifacts.weightsManifest.flatMap((group) =>
        group.paths.map((p) => {
          const file = join(dirname(modelJson), p);
          if (!existsSync(file)) throw new Error(`${file}: weight shard listed in ${modelJson} is missing`);
          const b = readFileSync(file);
          return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
        }),
      );
      return {
        modelTopology: artifacts.modelTopology,
        weightSpecs: specs,
        weightData: tfc.io.concatenateArrayBuffers(buffers),
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
      };
    },
  };
}

/**
 * Loads a pretrained LayersModel to use as a backbone. Its input must be square images of
 * `imageSize` (or of unspecified size); its output a feature vector or a feature map.
 */
export async function loadPretrainedModel(source: string, imageSize: number): Promise<LayersModel> {
  const model = /^https?:\/\//.test(source) ? await tfl.loadLayersModel(source) : await tfl.loadLayersModel(fromDisk(source));
  const shape = model.inputs[0].shape;
  if (
    shape.length !== 4 ||
    shape[3] !== 3 ||
    (shape[1] !== null && shape[1] !== imageSize) ||
    (shape[2] !== null && shape[2] !== imageSize)
  ) {
    throw new Error(
      `${source}: the model's input is [${shape.join(', ')}], expected [batch, ${imageSize}, ${imageSize}, 3]; pass --img-size to match it`,
    );
  }
  return model;
}

/** Saves a LayersModel as model.json + weights.bin in `dir` (what --weights reads back). */
export async function saveModel(model: LayersModel, dir: string): Promise<void> {
  await model.save(
    tfc.io.withSaveHandler(async (artifacts) => {
      mkdirSync(dir, { recursive: true });
      const data = artifacts.weightData;
      const bytes =
        data === undefined ? Buffer.alloc(0) : Array.isArray(data) ? Buffer.concat(data.map((b) => Buffer.from(b))) : Buffer.from(data);
      writeFileSync(join(dir, 'weights.bin'), bytes);
      const json = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

/** A Keras weight's short name from a tfjs variable name: 'block1a_bn/moving_mean_3' -> 'moving_mean'. */
function shortWeightName(variableName: string): string {
  return variableName.slice(variableName.lastIndexOf('/') + 1).replace(/_\d+$/, '');
}

const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/** The Keras .h5 layout `model` reads and writes: every layer, in model order, with its weights' short names and shapes. */
export function kerasLayout(model: LayersModel): { layer: string; weights: { name: string; shape: number[] }[] }[] {
  return model.layers.map((layer) => ({
    layer: layer.name,
    weights: layer.weights.map((w) => ({ name: shortWeightName(w.name), shape: [...(w.shape as number[])] })),
  }));
}

/** Writes `model`'s weights as a Keras .h5 weights file (the layout keras.Model.load_weights reads). */
export async function saveKerasWeights(model: LayersModel, path: string): Promise<void> {
  const layers = model.layers.map((layer) => {
    const values = layer.getWeights();
    return {
      layer: layer.name,
      weights: layer.weights.map((w, i) => ({
        name: shortWeightName(w.name),
        shape: [...(w.shape as number[])],
        data: values[i].dataSync() as Float32Array,
      })),
    };
  });
  await writeKerasH5(path, layers);
}

/** Keras names its input Normalization layer automatically (normalization, normalization_1, ...); it is found by its weights. */
const isNormalization = (weights: readonly KerasWeight[]): boolean =>
  weights.length > 0 && weights[0].name === 'mean' && weights.some((w) => w.name === 'variance');

/**
 * Loads a Keras .h5 weights file into `model` by layer name (Keras's own layer names, which our
 * EfficientNet uses), checking every shape. A missing layer, a missing weight, a shape mismatch or a
 * weighted layer the model lacks (an .h5 of another variant) is a one-line error naming the layer and
 * the shapes. A top classifier ('predictions', from an include_top file) is ignored.
 */
export async function loadKerasWeights(model: LayersModel, path: string): Promise<void> {
  const file = await readKerasH5(path);
  const byName = new Map(file.map((l) => [l.layer, l.weights]));
  const normalization = file.find((l) => isNormalization(l.weights));
  const ours = new Set(model.layers.map((l) => l.name));
  const hint = `is it the *_notop.h5 of ${model.name}?`;
  for (const { layer, weights } of file) {
    if (weights.length === 0 || ours.has(layer) || layer === 'predictions' || (normalization && layer === normalization.layer)) continue;
    throw new Error(
      `${path}: has weights for layer '${layer}' (${weights.map((w) => `${w.name} ${shapeText(w.shape)}`).join(', ')}), which ${model.name} does not have; ${hint}`,
    );
  }
  const assignments: { layer: (typeof model.layers)[number]; values: Float32Array[]; shapes: number[][] }[] = [];
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const saved = layer.name === 'normalization' && !byName.has('normalization') ? normalization?.weights : byName.get(layer.name);
    const expected = layer.weights.map((w) => `${shortWeightName(w.name)} ${shapeText(w.shape as number[])}`).join(', ');
    if (!saved) throw new Error(`${path}: no weights for layer '${layer.name}' (${model.name} expects ${expected}); ${hint}`);
    const values: Float32Array[] = [];
    const shapes: number[][] = [];
    for (const w of layer.weights) {
      const name = shortWeightName(w.name);
      const found = saved.find((s) => s.name === name);
      const shape = w.shape as number[];
      if (!found)
        throw new Error(
          `${path}: layer '${layer.name}' has no weight '${name}' (has ${saved.map((s) => s.name).join(', ') || 'none'}; ${model.name} expects ${expected}); ${hint}`,
        );
      const size = shape.reduce((a, b) => a * b, 1);
      if (found.shape.length !== shape.length || found.shape.some((d, i) => d !== shape[i]) || found.data.length !== size) {
        throw new Error(
          `${path}: layer '${layer.name}' weight '${name}' is ${shapeText(found.shape)} in the file, ${shapeText(shape)} in ${model.name}; ${hint}`,
        );
      }
      values.push(found.data);
      shapes.push(shape);
    }
    assignments.push({ layer, values, shapes });
  }
  // Assigned only once every layer has checked out, so a bad file leaves the model as it was.
  for (const { layer, values, shapes } of assignments) {
    const tensors = values.map((v, i) => tfc.tensor(v, shapes[i], layer.weights[i].dtype));
    layer.setWeights(tensors);
    tfc.dispose(tensors);
  }
}

/** Where keras.applications downloads its EfficientNet weights from (BASE_WEIGHTS_PATH). */
export const KERAS_WEIGHTS_URL = 'https://storage.googleapis.com/keras-applications/';

/**
 * Hashes of the efficientnetb{0..3}_notop.h5 files: the second of each pair in WEIGHTS_HASHES of
 * keras/src/applications/efficientnet.py. They are md5 digests: Keras's get_file(hash_algorithm='auto')
 * takes a 64-digit hash for sha256 and anything else for md5, and these have 32 digits.
 */
export const EFFICIENTNET_NOTOP_MD5: Record<EfficientNetVariant, string> = {
  b0: '50bc09e76180e00e4465e1a485ddc09d',
  b1: '74c4e6b3e1f6a1eea24c589628592432',
  b2: '111f8e2ac8aa800a7a99e3239f7bfb39',
  b3: 'af6d107764bb5b1abb91932881670226',
};

export const efficientNetWeightsFile = (variant: EfficientNetVariant): string => `efficientnet${variant}_notop.h5`;

function md5File(path: string): string {
  return createHash('md5').update(readFileSync(path)).digest('hex');
}

export interface DownloadOptions {
  /** Folder the file is kept in (the runner passes $PRODMATCH_CACHE or .cache/weights). */
  cacheDir: string;
  /** Replaces KERAS_WEIGHTS_URL (a mirror, or a local server in tests). */
  baseUrl?: string;
  /** Replaces Keras's md5, for a mirror that serves other bytes (our own fixture, in tests). */
  md5?: string;
  log?: (message: string) => void;
}

/**
 * The path of Keras's ImageNet efficientnet<variant>_notop.h5 in `cacheDir`, downloaded on first use
 * and checked against Keras's md5 every time, as keras.utils.get_file does. The download goes to a
 * temporary file renamed into place once its hash matches, so the cache never holds a partial file.
 */
export async function imagenetWeights(variant: EfficientNetVariant, o: DownloadOptions): Promise<string> {
  const name = efficientNetWeightsFile(variant);
  const expected = o.md5 ?? EFFICIENTNET_NOTOP_MD5[variant];
  const path = join(o.cacheDir, name);
  const offline = `pass --weights FILE.h5 with a copy of ${name} (md5 ${expected})`;
  if (existsSync(path)) {
    const actual = md5File(path);
    if (actual === expected) return path;
    o.log?.(`${path}: md5 ${actual}, expected ${expected}; downloading it again`);
  }
  const url = `${o.baseUrl ?? KERAS_WEIGHTS_URL}${name}`;
  o.log?.(`downloading ImageNet weights ${url} -> ${path}`);
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot reach ${url} (${cause?.code ?? cause?.message ?? (error as Error).message}); without internet, ${offline}`);
  }
  if (!response.ok || !response.body) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}; ${offline}`);
  mkdirSync(o.cacheDir, { recursive: true });
  const temporary = `${path}.${process.pid}.download`;
  try {
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>), createWriteStream(temporary));
    const actual = md5File(temporary);
    if (actual !== expected)
      throw new Error(
        `${url}: downloaded file has md5 ${actual}, expected ${expected} (a truncated or altered download); try again or ${offline}`,
      );
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    if ((error as Error).message.startsWith(url)) throw error;
    throw new Error(`${url}: download failed (${(error as Error).message}); try again or ${offline}`);
  }
  return path;
}
