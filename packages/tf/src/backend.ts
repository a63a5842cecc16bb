// Backend selection: one call returns a ready tfjs on the best backend available here.
//
//   tensorflow-gpu  @tensorflow/tfjs-node-gpu, when its native binding loads and TF sees a GPU
//   tensorflow      @tensorflow/tfjs-node (libtensorflow on CPU)
//   wasm            @tensorflow/tfjs-backend-wasm + our training kernels (./kernels/)
//   cpu             @tensorflow/tfjs-backend-cpu (pure JS; far too slow for CNN training)
//
// The tfjs-node packages are optionalDependencies whose install script downloads libtensorflow.
// Where that download failed, importing them throws *after* registering half their kernels, which
// leaves noisy "already registered" warnings and a broken registry. So availability is probed first:
// the package must resolve, its native binding file must exist, and the binding must load.
import * as tfc from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
// tfjs-core's node bundle registers no gradient functions; the tfjs-layers bundle registers all of
// them (into the registry shared by every tfjs-core copy), so it is loaded for its side effect.
import '@tensorflow/tfjs-layers';
import { registerWasmTrainingKernels } from './kernels/index.ts';

export type Tf = typeof tfc;
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface TfRuntime {
  tf: Tf;
  backend: { name: BackendName; version: string };
}

export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

export interface InitOptions {
  /** Force a backend; otherwise $PRODMATCH_BACKEND, otherwise the best available. */
  backend?: BackendName;
  /** Where the one-line choice is written (default: stderr, once per process and choice). */
  log?: (line: string) => void;
  /** Replaces probeBackend (tests simulate hosts with it). */
  probe?: (name: BackendName) => BackendProbe;
  /** Replaces the check for an NVIDIA device node (tests simulate a GPU host with it). */
  gpuVisible?: () => boolean;
}

export interface BackendProbe {
  name: BackendName;
  available: boolean;
  /** Package version when the package resolves. */
  version?: string;
  /** Why it is unavailable (or a note when available). */
  reason?: string;
}

const require = createRequire(import.meta.url);

const PACKAGE: Record<BackendName, string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

function packageJsonPath(pkg: string): string | undefined {
  try {
    return require.resolve(`${pkg}/package.json`);
  } catch {
    return undefined;
  }
}

function packageVersion(pkg: string): string | undefined {
  const path = packageJsonPath(pkg);
  if (!path) return undefined;
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

/** lib/napi-v<N>/tfjs_binding.node of a tfjs-node package, highest N first. */
export function nativeBindingFiles(pkg: string): string[] {
  const path = packageJsonPath(pkg);
  if (!path) return [];
  const lib = join(dirname(path), 'lib');
  if (!existsSync(lib)) return [];
  return readdirSync(lib)
    .filter((d) => /^napi-v\d+$/.test(d))
    .sort((a, b) => Number(b.slice(6)) - Number(a.slice(6)))
    .map((d) => join(lib, d, 'tfjs_binding.node'))
    .filter((f) => existsSync(f));
}

interface TfBinding {
  isUsingGpuDevice?: () => boolean;
  TF_Version?: string;
}

const loadedBindings = new Map<string, TfBinding | Error>();

function loadBinding(pkg: string): TfBinding | Error {
  const cached = loadedBindings.get(pkg);
  if (cached) return cached;
  let result: TfBinding | Error;
  const files = nativeBindingFiles(pkg);
  if (!packageJsonPath(pkg)) result = new Error(`${pkg} is not installed`);
  else if (files.length === 0) {
    result = new Error(
      `${pkg} is installed but its native binding (lib/napi-v*/tfjs_binding.node) is missing: ` +
        'its install script could not download libtensorflow',
    );
  } else {
    try {
      result = require(files[0]) as TfBinding;
    } catch (error) {
      result = new Error(`${pkg}: native binding ${files[0]} does not load: ${(error as Error).message}`);
    }
  }
  loadedBindings.set(pkg, result);
  return result;
}

/** A GPU device node or driver is present (checked before loading the CUDA binding at all). */
export function gpuDriverVisible(): boolean {
  if (process.env.CUDA_VISIBLE_DEVICES === '' || process.env.CUDA_VISIBLE_DEVICES === '-1') return false;
  return existsSync('/dev/nvidiactl') || existsSync('/dev/nvidia0') || existsSync('/dev/dxg');
}

/** Whether `name` can be used here, without importing any tfjs-node package. */
export function probeBackend(name: BackendName): BackendProbe {
  const pkg = PACKAGE[name];
  const version = packageVersion(pkg);
  if (!version) return { name, available: false, reason: `${pkg} is not installed` };
  if (name === 'wasm' || name === 'cpu') return { name, available: true, version };
  if (name === 'tensorflow-gpu' && !gpuDriverVisible()) {
    return { name, available: false, version, reason: 'no NVIDIA GPU device is visible' };
  }
  const gpuBinding = loadedBindings.get(PACKAGE['tensorflow-gpu']);
  if (name === 'tensorflow' && gpuBinding && !(gpuBinding instanceof Error)) {
    return { name, available: false, version, reason: 'tfjs-node-gpu is already loaded in this process' };
  }
  const binding = loadBinding(pkg);
  if (binding instanceof Error) return { name, available: false, version, reason: binding.message };
  if (name === 'tensorflow-gpu' && !(binding.isUsingGpuDevice?.() ?? false)) {
    return { name, available: false, version, reason: 'libtensorflow (GPU build) loaded but sees no GPU device' };
  }
  return { name, available: true, version, reason: binding.TF_Version ? `libtensorflow ${binding.TF_Version}` : undefined };
}

/** Probes every backend in preference order (loads native bindings, never imports tfjs-node). */
export function probeBackends(): BackendProbe[] {
  return BACKEND_NAMES.map((n) => probeBackend(n));
}

function parseBackend(value: string, source: string): BackendName {
  if ((BACKEND_NAMES as readonly string[]).includes(value)) return value as BackendName;
  throw new Error(`${source}='${value}' is not a backend; expected one of ${BACKEND_NAMES.join(', ')}`);
}

const ready = new Map<BackendName, Promise<TfRuntime>>();

async function activate(name: BackendName, version: string): Promise<TfRuntime> {
  if (name === 'tensorflow-gpu' || name === 'tensorflow') {
    await import(PACKAGE[name]); // registers the 'tensorflow' backend on the shared tfjs-core
    if (!(await tfc.setBackend('tensorflow'))) throw new Error(`${PACKAGE[name]} did not initialise`);
  } else if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tfc.setBackend('wasm'))) throw new Error('@tensorflow/tfjs-backend-wasm did not initialise');
    registerWasmTrainingKernels();
  } else {
    await import('@tensorflow/tfjs-backend-cpu');
    if (!(await tfc.setBackend('cpu'))) throw new Error('@tensorflow/tfjs-backend-cpu did not initialise');
  }
  await tfc.ready();
  return { tf: tfc, backend: { name, version } };
}

const loggedChoices = new Set<string>();

function stderrOnce(line: string): void {
  if (loggedChoices.has(line)) return;
  loggedChoices.add(line);
  process.stderr.write(`${line}\n`);
}

/**
 * The start-up line: which backend and why every one above it was skipped, so that a GPU user who
 * lands on wasm sees it before training, not in the result row at the end.
 */
export function backendChoiceLine(chosen: BackendProbe, skipped: readonly BackendProbe[], forcedBy?: string): string {
  const head = `tfjs backend: ${chosen.name} ${chosen.version ?? ''}`.trimEnd();
  if (forcedBy) return `${head} (forced by ${forcedBy})`;
  const why = skipped.map((p) => `${p.name} skipped: ${p.reason ?? 'unavailable'}`);
  return why.length > 0 ? `${head} (${why.join('; ')})` : head;
}

/**
 * Returns tfjs-core on the chosen backend, ready to use. `options.backend`, then $PRODMATCH_BACKEND,
 * force a backend (with an error saying why when it cannot be used); otherwise the first available of
 * tensorflow-gpu > tensorflow > wasm > cpu, except that a host with a visible NVIDIA device whose
 * tensorflow-gpu cannot be used is an error: training there on wasm would be ~100x slower, so the
 * user must fix CUDA or say which backend they accept. The choice is logged (one line, stderr).
 * On wasm our training kernels are registered. tfjs-layers shares this tfjs-core instance, so models
 * built with it run on the same backend.
 */
export async function initTf(options: InitOptions = {}): Promise<TfRuntime> {
  const env = process.env.PRODMATCH_BACKEND?.trim();
  const forced = options.backend ? parseBackend(options.backend, 'backend') : env ? parseBackend(env, 'PRODMATCH_BACKEND') : undefined;
  const forcedBy = options.backend ? '--backend' : env ? 'PRODMATCH_BACKEND' : undefined;
  const probe = options.probe ?? probeBackend;
  const log = options.log ?? stderrOnce;
  const order = forced ? [forced] : BACKEND_NAMES;
  const skipped: BackendProbe[] = [];
  for (const name of order) {
    const found = probe(name);
    if (!found.available) {
      if (forced) {
        throw new Error(
          `backend '${forced}' was requested${options.backend ? '' : ' by PRODMATCH_BACKEND'} but is not available: ` +
            `${found.reason}${name.startsWith('tensorflow') ? ' (see docs/backends.md)' : ''}`,
        );
      }
      if (name === 'tensorflow-gpu' && (options.gpuVisible ?? gpuDriverVisible)()) {
        throw new Error(
          `a GPU is visible but tensorflow-gpu cannot use it: ${found.reason}; fix the CUDA setup (docs/backends.md) ` +
            'or choose a backend with --backend / PRODMATCH_BACKEND (tensorflow, wasm, cpu)',
        );
      }
      skipped.push(found);
      continue;
    }
    let pending = ready.get(name);
    if (!pending) {
      pending = activate(name, found.version!);
      ready.set(name, pending);
      pending.catch(() => ready.delete(name));
    }
    try {
      const runtime = await pending;
      if (tfc.getBackend() !== (name.startsWith('tensorflow') ? 'tensorflow' : name)) {
        await tfc.setBackend(name.startsWith('tensorflow') ? 'tensorflow' : name);
      }
      log(backendChoiceLine({ ...found, version: runtime.backend.version }, skipped, forcedBy));
      return runtime;
    } catch (error) {
      if (forced) throw new Error(`backend '${forced}' failed to initialise: ${(error as Error).message}`);
      skipped.push({ ...found, available: false, reason: (error as Error).message });
    }
  }
  throw new Error(`no tfjs backend could be initialised (${skipped.map((p) => `${p.name}: ${p.reason}`).join('; ')})`);
}
