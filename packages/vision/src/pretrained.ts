// --weights: a saved tfjs LayersModel (model.json + weight shards) from a folder, a file or a URL.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import * as tfc from '@tensorflow/tfjs-core';

function fromDisk(source: string): tfc.io.IOHandler {
  const modelJson = existsSync(source) && statSync(source).isDirectory() ? join(source, 'model.json') : source;
  if (!existsSync(modelJson)) throw new Error(`${modelJson}: not found; --weights takes a tfjs model folder, its model.json, or an http(s) URL`);
  return {
    async load() {
      let artifacts: tfc.io.ModelJSON;
      try {
        artifacts = JSON.parse(readFileSync(modelJson, 'utf8')) as tfc.io.ModelJSON;
      } catch (error) {
        throw new Error(`${modelJson}: not a tfjs model.json (${(error as Error).message})`);
      }
      if (!artifacts.modelTopology || !artifacts.weightsManifest) throw new Error(`${modelJson}: has no modelTopology/weightsManifest; save the model with LayersModel.save()`);
      const specs = artifacts.weightsManifest.flatMap((group) => group.weights);
      const buffers = artifacts.weightsManifest.flatMap((group) =>
        group.paths.map((p) => {
          const file = join(dirname(modelJson), p);
          if (!existsSync(file)) throw new Error(`${file}: weight shard listed in ${modelJson} is missing`);
          const b = readFileSync(file);
          return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
        }),
      );
      return { modelTopology: artifacts.modelTopology, weightSpecs: specs, weightData: tfc.io.concatenateArrayBuffers(buffers), format: artifacts.format, generatedBy: artifacts.generatedBy, convertedBy: artifacts.convertedBy };
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
  if (shape.length !== 4 || shape[3] !== 3 || (shape[1] !== null && shape[1] !== imageSize) || (shape[2] !== null && shape[2] !== imageSize)) {
    throw new Error(`${source}: the model's input is [${shape.join(', ')}], expected [batch, ${imageSize}, ${imageSize}, 3]; pass --img-size to match it`);
  }
  return model;
}

/** Saves a LayersModel as model.json + weights.bin in `dir` (what --weights reads back). */
export async function saveModel(model: LayersModel, dir: string): Promise<void> {
  await model.save(
    tfc.io.withSaveHandler(async (artifacts) => {
      mkdirSync(dir, { recursive: true });
      const data = artifacts.weightData;
      const bytes = data === undefined ? Buffer.alloc(0) : Array.isArray(data) ? Buffer.concat(data.map((b) => Buffer.from(b))) : Buffer.from(data);
      writeFileSync(join(dir, 'weights.bin'), bytes);
      const json = { modelTopology: artifacts.modelTopology, format: artifacts.format, generatedBy: artifacts.generatedBy, convertedBy: artifacts.convertedBy, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }] };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}
