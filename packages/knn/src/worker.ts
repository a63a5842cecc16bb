import { Worker } from 'node:worker_threads';

/**
 * Starts `<name>.ts` (or the compiled `<name>.js`) of this folder as a worker thread. Under tsx (this
 * file is .ts) the worker registers tsx's loader before importing the module.
 */
export function startPackageWorker(name: string, workerData: unknown): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, here), { workerData });
  const workerUrl = new URL(`./${name}.ts`, here).href;
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(workerUrl)}); });`;
  return new Worker(boot, { eval: true, workerData });
}
