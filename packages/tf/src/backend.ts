import * as tfc from '@tensorflow/tfjs-core';

export type Tf = typeof tfc;
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface TfRuntime {
  tf: Tf;
  backend: { name: BackendName; version: string };
}

// Preliminary selection (to be extended with GPU detection and wasm training kernels).
export async function initTf(options: { backend?: BackendName } = {}): Promise<TfRuntime> {
  const forced = options.backend ?? (process.env.PRODMATCH_BACKEND as BackendName | undefined);
  const order: BackendName[] = forced ? [forced] : ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];
  for (const name of order) {
    try {
      if (name === 'tensorflow-gpu') await import('@tensorflow/tfjs-node-gpu');
      else if (name === 'tensorflow') await import('@tensorflow/tfjs-node');
      else if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
      else await import('@tensorflow/tfjs-backend-cpu');
      const registered = name === 'tensorflow-gpu' ? 'tensorflow' : name;
      if (await tfc.setBackend(registered)) {
        await tfc.ready();
        return { tf: tfc, backend: { name, version: tfc.version_core } };
      }
    } catch (error) {
      if (forced) throw new Error(`backend '${forced}' is not available: ${(error as Error).message}`);
    }
  }
  throw new Error('no tfjs backend could be initialised');
}
