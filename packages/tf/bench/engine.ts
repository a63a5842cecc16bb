// `pnpm bench:engine`: training throughput (images/s) of the small CNN (64x64x3, batch 32, Adam,
// 10-way softmax head) on every available tfjs backend, beside the same network in PyTorch CPU
// (packages/tf/bench/engine_reference.py, run with /usr/bin/python3) in the same run.
// Each backend runs in its own child process (tfjs-node cannot be unloaded; wasm kernels are global).
// Writes results/bench/engine.json.
//
//   pnpm bench:engine [--steps 10] [--warmup 3] [--skip-cpu] [--skip-stock] [--torch-threads 2]
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initTf, probeBackend, type BackendName } from '../src/backend.ts';
import { smallCnnForBench } from './small-cnn.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const BATCH = 32;
const SIZE = 64;

type Mode = BackendName | 'wasm-stock';
interface Figure {
  mode: Mode; backend?: string; version?: string; images_per_s?: number; step_ms?: number;
  steps?: number; error?: string; note?: string;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Registers the cpu backend's JS kernels on wasm for kernels stock wasm lacks (the "stock" baseline). */
async function registerJsFallbacks(names: string[]): Promise<void> {
  await import('@tensorflow/tfjs-backend-cpu');
  const cpu = tfc.findBackend('cpu') as unknown as {
    write(v: unknown, s: number[], d: string): object; readSync(id: object): unknown; disposeData(id: object): void;
  };
  for (const name of names) {
    if (tfc.getKernel(name, 'wasm')) continue;
    const cpuKernel = tfc.getKernel(name, 'cpu');
    if (!cpuKernel) continue;
    tfc.registerKernel({
      kernelName: name, backendName: 'wasm',
      kernelFunc: ({ inputs, attrs, backend }) => {
        const wasm = backend as unknown as { readSync(id: object): Float32Array; makeOutput(s: number[], d: string, o?: number, v?: unknown): tfc.TensorInfo };
        const cpuInputs: Record<string, tfc.TensorInfo> = {};
        for (const [k, t] of Object.entries(inputs)) {
          const info = t as tfc.TensorInfo;
          cpuInputs[k] = { dataId: cpu.write(wasm.readSync(info.dataId), info.shape, info.dtype) as never, shape: info.shape, dtype: info.dtype };
        }
        const out = cpuKernel.kernelFunc({ inputs: cpuInputs, attrs, backend: cpu as never }) as tfc.TensorInfo;
        const result = wasm.makeOutput(out.shape, out.dtype, undefined, cpu.readSync(out.dataId));
        cpu.disposeData(out.dataId);
        Object.values(cpuInputs).forEach((t) => cpu.disposeData(t.dataId));
        return result;
      },
    });
  }
}

async function child(mode: Mode, steps: number, warmup: number): Promise<Figure> {
  let tf: typeof tfc;
  let backend: { name: string; version: string };
  if (mode === 'wasm-stock') {
    await import('@tensorflow/tfjs-backend-wasm');
    await tfc.setBackend('wasm');
    await tfc.ready();
    await registerJsFallbacks(['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput']);
    tf = tfc;
    backend = { name: 'wasm (stock kernels; missing backprops run as cpu-backend JS)', version: '4.22.0' };
  } else {
    ({ tf, backend } = await initTf({ backend: mode }));
  }
  const net = smallCnnForBench(SIZE);
  const head = tfl.layers.dense({ units: 10, activation: 'softmax' }).apply(net.outputs[0]) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: net.inputs, outputs: head });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const x = tf.randomNormal([BATCH, SIZE, SIZE, 3]);
  const y = tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32') as tfc.Tensor1D, 10);
  for (let i = 0; i < warmup; i++) await model.trainOnBatch(x, y);
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await model.trainOnBatch(x, y);
  const seconds = (performance.now() - t0) / 1000;
  return { mode, backend: backend.name, version: backend.version, steps, step_ms: (seconds * 1000) / steps, images_per_s: (BATCH * steps) / seconds };
}

function runChild(mode: Mode, steps: number, warmup: number, timeoutMs: number): Figure {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', mode, '--steps', String(steps), '--warmup', String(warmup)],
    { encoding: 'utf8', timeout: timeoutMs, cwd: root, maxBuffer: 64 << 20 });
  const line = r.stdout?.split('\n').find((l) => l.startsWith('{"mode"'));
  if (line) return JSON.parse(line) as Figure;
  const why = r.error ? r.error.message : (r.stderr || '').split('\n').filter((l) => /Error/.test(l)).slice(0, 2).join(' | ');
  return { mode, error: why || `exit ${r.status}` };
}

function runTorch(threads: number, steps: number, warmup: number): Figure & { threads: number } {
  const r = spawnSync('/usr/bin/python3', [join(here, 'engine_reference.py'), '--threads', String(threads), '--steps', String(steps), '--warmup', String(warmup)],
    { encoding: 'utf8', timeout: 600_000 });
  const line = r.stdout?.split('\n').find((l) => l.startsWith('{'));
  if (!line) return { mode: 'cpu', threads, error: (r.error?.message ?? r.stderr?.trim().split('\n').pop()) || 'no output' };
  const j = JSON.parse(line) as { version: string; images_per_s: number; seconds: number };
  return { mode: 'cpu', backend: 'pytorch-cpu', version: j.version, threads, images_per_s: j.images_per_s, step_ms: (j.seconds * 1000) / steps, steps };
}

async function main() {
  const ci = process.argv.indexOf('--child');
  const steps = arg('steps', 10);
  const warmup = arg('warmup', 3);
  if (ci >= 0) {
    const fig = await child(process.argv[ci + 1] as Mode, steps, warmup);
    console.log(JSON.stringify(fig));
    return;
  }
  const torchThreads = arg('torch-threads', 2);
  const modes: Mode[] = ['tensorflow-gpu', 'tensorflow', 'wasm'];
  if (!process.argv.includes('--skip-stock')) modes.push('wasm-stock');
  if (!process.argv.includes('--skip-cpu')) modes.push('cpu');
  const figures: Figure[] = [];
  for (const mode of modes) {
    const probe = probeBackend(mode === 'wasm-stock' ? 'wasm' : mode);
    if (!probe.available) {
      figures.push({ mode, error: `unavailable: ${probe.reason}` });
      console.log(`${mode.padEnd(15)} unavailable (${probe.reason})`);
      continue;
    }
    // the pure-JS cpu backend and stock wasm are slow: fewer steps so the run stays short
    const slow = mode === 'cpu' || mode === 'wasm-stock';
    const fig = runChild(mode, slow ? 1 : steps, slow ? 1 : warmup, slow ? 900_000 : 600_000);
    figures.push(fig);
    console.log(`${mode.padEnd(15)} ${fig.images_per_s ? `${fig.images_per_s.toFixed(1)} img/s (${fig.step_ms!.toFixed(0)} ms/step)` : fig.error}`);
  }
  const torch = runTorch(torchThreads, steps, warmup);
  const torch1 = torchThreads === 1 ? torch : runTorch(1, steps, warmup);
  console.log(`pytorch x${torchThreads}     ${torch.images_per_s?.toFixed(1) ?? torch.error} img/s`);
  if (torch1 !== torch) console.log(`pytorch x1      ${torch1.images_per_s?.toFixed(1) ?? torch1.error} img/s`);
  const ref = torch.images_per_s;
  console.log(`\nratio to PyTorch CPU (${torchThreads} threads, same run):`);
  for (const f of figures) {
    if (f.images_per_s && ref) console.log(`  ${f.mode.padEnd(15)} ${(f.images_per_s / ref).toFixed(3)}x`);
  }
  const out = {
    benchmark: 'small CNN training, 64x64x3, batch 32, Adam',
    date: new Date().toISOString(),
    host: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavg: os.loadavg(), node: process.version },
    tfjs: figures,
    pytorch: [torch, ...(torch1 !== torch ? [torch1] : [])],
    ratios_vs_pytorch: Object.fromEntries(figures.filter((f) => f.images_per_s && ref).map((f) => [f.mode, f.images_per_s! / ref!])),
  };
  const file = join(root, 'results/bench/engine.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log(`\nwrote ${file}`);
}

await main();
