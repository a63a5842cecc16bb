// Multi-threaded XNNPACK for @tensorflow/tfjs-backend-wasm 4.22 under Node.
//
// The package ships a pthreads build (tfjs-backend-wasm-threaded-simd.wasm) but never uses it in
// Node (WASM_HAS_MULTITHREAD_SUPPORT is hard-wired to false there, tfjs issue #3830): Emscripten
// starts its pthreads from `blob:` URLs, which Node's worker_threads cannot load, and the script
// the workers evaluate is the factory's source text, whose free variables (require$$0 = fs, ...)
// are bundle-scope names that do not exist inside a worker. While the backend initialises, this
// module therefore
//   * turns the flag on and sets the XNNPACK thread count,
//   * swaps the global Blob / URL.createObjectURL for ones that write each script to a temp file
//     and hand out its path (restored as soon as initialisation ends),
//   * prefixes the worker script with the bundle-scope names it needs, and
//   * reports `threads` CPUs to Emscripten while its static constructors run: the backend's C++
//     sizes its default thread pool from half of the logical core count, and
//   * unrefs Emscripten's pool workers, which would otherwise keep every process alive at its end.
// The threads share the wasm heap (a SharedArrayBuffer); kernels see no difference.
import * as tfc from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const WORKER_SCRIPT_START = '"use strict";var Module={}';

/** A stand-in for Blob that holds a script as a file (Node workers load files, not blob: URLs). */
class ScriptFile {
  readonly path: string;
  constructor(parts: unknown[], dir: string, index: number, workerPrefix: string) {
    const text = parts.map((p) => String(p)).join('');
    this.path = join(dir, `script-${index}.cjs`);
    writeFileSync(this.path, text.startsWith(WORKER_SCRIPT_START) ? workerPrefix + text : text);
  }
}

/**
 * Initialises the wasm backend with `threads` XNNPACK threads (call instead of
 * `tf.setBackend('wasm')`, before the backend was ever initialised). Returns the number of threads
 * the backend reports.
 */
export async function setWasmBackendWithThreads(threads: number): Promise<number> {
  // Emscripten pre-starts 8 workers; more would be started from blob: URLs after our patch is gone
  if (!Number.isInteger(threads) || threads < 1 || threads > 8) throw new Error(`wasm threads must be an integer in 1..8, got ${threads}`);
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // engine().registry holds initialised backends (findBackend would initialise it single-threaded)
  if (tfc.engine().registry.wasm) throw new Error('the wasm backend is already initialised; set its thread count before first use');
  const bundle = require.resolve('@tensorflow/tfjs-backend-wasm');
  const dir = mkdtempSync(join(os.tmpdir(), 'tfjs-wasm-threads-'));
  // Runs in each worker before Emscripten's worker script: the bundle-scope names the evaluated
  // factory refers to, and createObjectURL for the ScriptFile the main thread posts as the script.
  const workerPrefix = [
    "globalThis.require$$0=require('fs');globalThis.require$$1=require('path');",
    "globalThis.require$$3=require('perf_hooks');globalThis.require$$4=require('os');",
    `globalThis.commonjsGlobal=globalThis;globalThis._scriptDir=${JSON.stringify(bundle)};`,
    'URL.createObjectURL=(file)=>file.path;URL.revokeObjectURL=()=>{};\n',
  ].join('');
  // Emscripten takes Worker from require('worker_threads') when its factory runs
  const threadsModule = require('node:worker_threads') as typeof import('node:worker_threads');
  const saved = { Blob: globalThis.Blob, createObjectURL: URL.createObjectURL, cpus: os.cpus, Worker: threadsModule.Worker };
  const workers: InstanceType<typeof threadsModule.Worker>[] = [];
  threadsModule.Worker = class extends saved.Worker {
    constructor(...args: ConstructorParameters<typeof saved.Worker>) {
      super(...args);
      workers.push(this);
    }
  };
  let count = 0;
  (globalThis as { Blob: unknown }).Blob = class {
    constructor(parts: unknown[]) {
      // biome-ignore lint/correctness/noConstructorReturn: the patched Blob hands tfjs's worker loader a file on disk instead
      return new ScriptFile(parts, dir, count++, workerPrefix);
    }
  };
  // every Blob made while the patch is in place is a ScriptFile; anything else keeps Node's own URL
  URL.createObjectURL = (blob: Parameters<typeof URL.createObjectURL>[0]): string =>
    blob instanceof ScriptFile ? blob.path : saved.createObjectURL.call(URL, blob);
  os.cpus = () => Array.from({ length: 2 * threads }, () => saved.cpus()[0]);
  tfc.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  try {
    if (!(await tfc.setBackend('wasm'))) throw new Error('@tensorflow/tfjs-backend-wasm (threaded) did not initialise');
  } finally {
    globalThis.Blob = saved.Blob;
    URL.createObjectURL = saved.createObjectURL;
    os.cpus = saved.cpus;
    threadsModule.Worker = saved.Worker;
  }
  for (const worker of workers) worker.unref();
  // every worker has read its script by now (the backend is ready only after they all loaded)
  rmSync(dir, { recursive: true, force: true });
  return wasm.getThreadsCount();
}
