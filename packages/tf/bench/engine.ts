// `pnpm bench:engine`: training throughput (images/s) of the small CNN (64x64x3, batch 32, Adam,
// 10-way softmax head) on every available tfjs backend, beside the same network in PyTorch CPU
// (packages/tf/bench/engine_reference.py, run with /usr/bin/python3) in the same run.
// Each backend runs in its own child process (tfjs-node cannot be unloaded; wasm kernels are global).
// Every mode is time-boxed: after one warm-up step it trains until --steps steps or --budget-s
// seconds, whichever comes first (at least one timed step), so slow modes (pure-JS cpu, stock wasm)
// always finish. Writes results/bench/engine.json.
//
// The pure-JS cpu backend and stock wasm take minutes per step: they time one step without warm-up
// and give up after --slow-limit-s (default 170), reporting an upper bound on their throughput.
//
// wasm-x2 is wasm with 2 XNNPACK threads (src/wasm-threads.ts); its 'vs wasm' column is the
// two-thread speedup, measured here so the decision not to train with it can be revisited.
//
// The ceiling section times every convolution of a training step (trainingConvs) alone, on the
// fastest wasm primitive for it (XNNPACK's conv2d, or its matMul for the filter gradient, without
// building the patches), with 1 and 2 threads, and the same convolutions in PyTorch. Their sum is
// what a step would cost if nothing but the convolutions took time: an upper bound on what any set
// of kernels built from those primitives can reach, set beside the goal (0.5x PyTorch).
//
//   pnpm bench:engine [--steps 10] [--budget-s 40] [--slow-limit-s 170] [--skip-cpu] [--skip-stock] [--skip-ceiling]
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initTf, probeBackend, type BackendName } from '../src/backend.ts';
import { setWasmBackendWithThreads } from '../src/wasm-threads.ts';
import { convCeiling } from './conv-ceiling.ts';
import { convFlops, smallCnnForBench, trainingConvs, type ConvProblem } from './small-cnn.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const BATCH = 32;
const SIZE = 64;

/** wasm-x2: wasm with our kernels on 2 XNNPACK threads (the backend's pthreads build). */
type Mode = BackendName | 'wasm-stock' | 'wasm-x2';
interface Figure {
  mode: Mode;
  backend?: string;
  version?: string;
  images_per_s?: number;
  step_ms?: number;
  steps?: number;
  error?: string;
  note?: string;
  /** The one step did not finish within the time limit: images_per_s is an upper bound. */
  upper_bound?: boolean;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Registers the cpu backend's JS kernels on wasm for kernels stock wasm lacks (the "stock" baseline). */
async function registerJsFallbacks(names: string[]): Promise<void> {
  await import('@tensorflow/tfjs-backend-cpu');
  const cpu = tfc.findBackend('cpu') as unknown as {
    write(v: unknown, s: number[], d: string): object;
    readSync(id: object): unknown;
    disposeData(id: object): void;
  };
  for (const name of names) {
    if (tfc.getKernel(name, 'wasm')) continue;
    const cpuKernel = tfc.getKernel(name, 'cpu');
    if (!cpuKernel) continue;
    tfc.registerKernel({
      kernelName: name,
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs, backend }) => {
        const wasm = backend as unknown as {
          readSync(id: object): Float32Array;
          makeOutput(s: number[], d: string, o?: number, v?: unknown): tfc.TensorInfo;
        };
        const cpuInputs: Record<string, tfc.TensorInfo> = {};
        for (const [k, t] of Object.entries(inputs)) {
          const info = t as tfc.TensorInfo;
          cpuInputs[k] = {
            dataId: cpu.write(wasm.readSync(info.dataId), info.shape, info.dtype) as never,
            shape: info.shape,
            dtype: info.dtype,
          };
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

/** Runs `step` once to warm up, then until `maxSteps` steps or `budgetS` seconds; returns the timing. */
async function timeSteps(step: () => Promise<unknown>, maxSteps: number, budgetS: number): Promise<{ steps: number; seconds: number }> {
  if (maxSteps > 1) await step(); // slow modes (maxSteps 1) time their first step: a warm-up would double their run
  let steps = 0;
  const t0 = performance.now();
  while (steps < maxSteps && (steps === 0 || performance.now() - t0 < budgetS * 1000)) {
    await step();
    steps++;
  }
  return { steps, seconds: (performance.now() - t0) / 1000 };
}

async function child(mode: Mode, maxSteps: number, budgetS: number): Promise<Figure> {
  let tf: typeof tfc;
  let backend: { name: string; version: string };
  if (mode === 'wasm-stock') {
    await import('@tensorflow/tfjs-backend-wasm');
    await tfc.setBackend('wasm');
    await tfc.ready();
    await registerJsFallbacks(['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput']);
    tf = tfc;
    backend = { name: 'wasm (stock kernels; missing backprops run as cpu-backend JS)', version: '4.22.0' };
  } else if (mode === 'wasm-x2') {
    await setWasmBackendWithThreads(2);
    ({ tf, backend } = await initTf({ backend: 'wasm' }));
  } else {
    ({ tf, backend } = await initTf({ backend: mode }));
  }
  const x = tf.randomNormal([BATCH, SIZE, SIZE, 3]);
  const y = tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32') as tfc.Tensor1D, 10);
  const net = smallCnnForBench(SIZE);
  const head = tfl.layers.dense({ units: 10, activation: 'softmax' }).apply(net.outputs[0]) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: net.inputs, outputs: head });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const timing = await timeSteps(() => model.trainOnBatch(x, y), maxSteps, budgetS);
  const { steps, seconds } = timing;
  return {
    mode,
    backend: backend.name,
    version: backend.version,
    steps,
    step_ms: (seconds * 1000) / steps,
    images_per_s: (BATCH * steps) / seconds,
  };
}

/**
 * Runs a child process and parses the first stdout line that starts with `prefix` (its JSON result),
 * or says why there is none: the spawn error (ETIMEDOUT when over `timeoutMs`), else the child's
 * error lines or last stderr line.
 */
function runForJson<T>(command: string, args: string[], prefix: string, timeoutMs: number): { value: T } | { error: string } {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: timeoutMs, cwd: root, maxBuffer: 64 << 20 });
  const line = r.stdout?.split('\n').find((l) => l.startsWith(prefix));
  if (line) return { value: JSON.parse(line) as T };
  const stderr = (r.stderr || '').trim().split('\n');
  const errorLines = stderr
    .filter((l) => /Error/.test(l))
    .slice(0, 2)
    .join(' | ');
  return { error: r.error?.message ?? (errorLines || stderr.pop() || `exit ${r.status}`) };
}

const thisScript = (...args: string[]): string[] => ['--import', 'tsx', fileURLToPath(import.meta.url), ...args];
const reference = (...args: string[]): string[] => [join(here, 'engine_reference.py'), ...args];

function runChild(mode: Mode, maxSteps: number, budgetS: number, timeoutMs: number): Figure {
  const r = runForJson<Figure>(
    process.execPath,
    thisScript('--child', mode, '--steps', String(maxSteps), '--budget-s', String(budgetS)),
    '{"mode"',
    timeoutMs,
  );
  return 'value' in r ? r.value : { mode, error: r.error };
}

function runTorch(threads: number, steps: number, warmup: number): Figure & { threads: number } {
  const r = runForJson<{ version: string; images_per_s: number; seconds: number }>(
    '/usr/bin/python3',
    reference('--threads', String(threads), '--steps', String(steps), '--warmup', String(warmup)),
    '{',
    600_000,
  );
  if (!('value' in r)) return { mode: 'cpu', threads, error: r.error };
  const j = r.value;
  return {
    mode: 'cpu',
    backend: 'pytorch-cpu',
    version: j.version,
    threads,
    images_per_s: j.images_per_s,
    step_ms: (j.seconds * 1000) / steps,
    steps,
  };
}

function runCeiling(threads: number): number[] | string {
  const r = runForJson<{ conv_ms: number[] }>(
    process.execPath,
    thisScript('--child', threads > 1 ? 'ceiling-x2' : 'ceiling'),
    '{"ceiling"',
    300_000,
  );
  return 'value' in r ? r.value.conv_ms : r.error;
}

function runTorchConvs(problems: ConvProblem[], threads: number): number[] | string {
  const r = runForJson<{ conv_ms: number[] }>(
    '/usr/bin/python3',
    reference('--threads', String(threads), '--steps', '5', '--warmup', '2', '--conv-rates', JSON.stringify(problems)),
    '{',
    300_000,
  );
  return 'value' in r ? r.value.conv_ms : r.error;
}

/**
 * The conv-only ceiling: each convolution of a step timed alone on wasm (1 and 2 threads) and in
 * PyTorch (2 threads), printed per convolution as GFLOP/s and summed into images/s.
 */
function convCeilingSection(goalImagesPerS: number | undefined) {
  const problems = trainingConvs(BATCH, SIZE);
  const columns = { wasm_x1: runCeiling(1), wasm_x2: runCeiling(2), pytorch_x2: runTorchConvs(problems, 2) };
  const gflops = (p: ConvProblem, ms: number) => convFlops(p) / ms / 1e6;
  console.log(`\nconv-only ceiling: each convolution of a step alone, GFLOP/s`);
  console.log(
    `${'layer op'.padEnd(22)} ${'GFLOP'.padStart(6)} ${'wasm x1'.padStart(8)} ${'wasm x2'.padStart(8)} ${'torch x2'.padStart(9)}`,
  );
  problems.forEach((p, i) => {
    const cell = (c: number[] | string, width: number) => (typeof c === 'string' ? '-' : gflops(p, c[i]).toFixed(1)).padStart(width);
    console.log(
      `${`${p.layer} ${p.op}`.padEnd(22)} ${(convFlops(p) / 1e9).toFixed(2).padStart(6)} ${cell(columns.wasm_x1, 8)} ${cell(columns.wasm_x2, 8)} ${cell(columns.pytorch_x2, 9)}`,
    );
  });
  const summary = Object.fromEntries(
    Object.entries(columns).map(([name, c]) => {
      if (typeof c === 'string') {
        console.log(`${name}: ${c}`);
        return [name, { error: c }];
      }
      const ms = c.reduce((a, b) => a + b, 0);
      const imagesPerS = (BATCH * 1000) / ms;
      return [
        name,
        { conv_ms: c, step_conv_ms: ms, images_per_s: imagesPerS, vs_goal: goalImagesPerS ? imagesPerS / goalImagesPerS : undefined },
      ];
    }),
  );
  const flops = problems.reduce((a, p) => a + convFlops(p), 0);
  console.log(`\nconvolutions per step: ${(flops / 1e9).toFixed(2)} GFLOP. If nothing else took time, a step would take:`);
  for (const [name, v] of Object.entries(summary) as [string, { step_conv_ms?: number; images_per_s?: number; vs_goal?: number }][]) {
    if (v.step_conv_ms === undefined) continue;
    const goal = v.vs_goal === undefined ? '' : `  = ${v.vs_goal.toFixed(2)}x the goal (${goalImagesPerS!.toFixed(1)} img/s)`;
    console.log(
      `  ${name.padEnd(11)} ${v.step_conv_ms.toFixed(1).padStart(7)} ms -> at most ${v.images_per_s!.toFixed(1).padStart(6)} img/s${goal}`,
    );
  }
  return { problems, flops_per_step: flops, goal_images_per_s: goalImagesPerS, ...summary };
}

const loadavg = () => os.loadavg().map((l) => Number(l.toFixed(2)));

async function main() {
  const ci = process.argv.indexOf('--child');
  const steps = arg('steps', 10);
  const budgetS = arg('budget-s', 40);
  const slowLimitS = arg('slow-limit-s', 170);
  if (ci >= 0 && process.argv[ci + 1].startsWith('ceiling')) {
    const threads = process.argv[ci + 1] === 'ceiling-x2' ? 2 : 1;
    console.log(JSON.stringify({ ceiling: threads, conv_ms: await convCeiling(BATCH, SIZE, threads, 5) }));
    return;
  }
  if (ci >= 0) {
    const fig = await child(process.argv[ci + 1] as Mode, steps, budgetS);
    console.log(JSON.stringify(fig));
    return;
  }
  const started = performance.now();
  const loadBefore = loadavg();
  console.log(`small CNN training, ${SIZE}x${SIZE}x3, batch ${BATCH}, Adam; loadavg ${loadBefore.join(' ')} on ${os.cpus().length} cpus\n`);
  // PyTorch first and last around the tfjs modes, so load drift during the run shows in the reference
  const torch2 = runTorch(2, steps, 3);
  const torch1 = runTorch(1, steps, 3);
  console.log(`pytorch x2 threads  ${torch2.images_per_s?.toFixed(1) ?? torch2.error} img/s`);
  console.log(`pytorch x1 thread   ${torch1.images_per_s?.toFixed(1) ?? torch1.error} img/s`);
  const modes: Mode[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'wasm-x2'];
  if (!process.argv.includes('--skip-stock')) modes.push('wasm-stock');
  if (!process.argv.includes('--skip-cpu')) modes.push('cpu');
  const figures: Figure[] = [];
  for (const mode of modes) {
    const probe = probeBackend(mode === 'wasm-stock' || mode === 'wasm-x2' ? 'wasm' : mode);
    if (!probe.available) {
      figures.push({ mode, error: `unavailable: ${probe.reason}` });
      console.log(`${mode.padEnd(19)} unavailable (${probe.reason})`);
      continue;
    }
    const slow = mode === 'cpu' || mode === 'wasm-stock';
    let fig = runChild(mode, slow ? 1 : steps, budgetS, (slow ? slowLimitS : 300) * 1000);
    if (slow && fig.error?.includes('ETIMEDOUT')) {
      fig = {
        mode,
        images_per_s: BATCH / slowLimitS,
        step_ms: slowLimitS * 1000,
        steps: 0,
        upper_bound: true,
        note: `one step did not finish in ${slowLimitS} s (setup included)`,
      };
    }
    figures.push(fig);
    const bound = fig.upper_bound ? '< ' : '';
    console.log(
      `${mode.padEnd(19)} ${fig.images_per_s ? `${bound}${fig.images_per_s.toFixed(2)} img/s (${bound ? '> ' : ''}${fig.step_ms!.toFixed(0)} ms/step, ${fig.steps} steps)` : fig.error}`,
    );
  }
  const torch2After = runTorch(2, steps, 3);
  console.log(`pytorch x2 (again)  ${torch2After.images_per_s?.toFixed(1) ?? torch2After.error} img/s`);
  const mean = (a?: number, b?: number) => (a && b ? (a + b) / 2 : (a ?? b));
  const ref2 = mean(torch2.images_per_s, torch2After.images_per_s);
  const ref1 = torch1.images_per_s;
  const wasm = figures.find((f) => f.mode === 'wasm')?.images_per_s;
  const ratio = (v: number | undefined, r: number | undefined) => (v && r ? v / r : undefined);
  const rows = figures
    .filter((f) => f.images_per_s)
    .map((f) => ({
      mode: f.mode,
      images_per_s: f.images_per_s!,
      upper_bound: f.upper_bound ?? false,
      vs_pytorch_2_threads: ratio(f.images_per_s, ref2),
      vs_pytorch_1_thread: ratio(f.images_per_s, ref1),
      vs_wasm: ratio(f.images_per_s, wasm),
    }));
  console.log(
    `\n${'mode'.padEnd(19)} ${'img/s'.padStart(8)} ${'vs torch x2'.padStart(12)} ${'vs torch x1'.padStart(12)} ${'vs wasm'.padStart(8)}`,
  );
  for (const r of rows) {
    const b = r.upper_bound ? '<' : '';
    const fmt = (v?: number) => (v === undefined ? '-' : `${b}${v.toFixed(3)}x`);
    console.log(
      `${r.mode.padEnd(19)} ${(b + r.images_per_s.toFixed(2)).padStart(8)} ${fmt(r.vs_pytorch_2_threads).padStart(12)} ${fmt(r.vs_pytorch_1_thread).padStart(12)} ${fmt(r.vs_wasm).padStart(8)}`,
    );
  }
  const ceiling = process.argv.includes('--skip-ceiling') ? undefined : convCeilingSection(ref2 ? ref2 / 2 : undefined);
  const loadAfter = loadavg();
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `\nPyTorch x2 reference = mean of the runs before and after (${ref2?.toFixed(1)} img/s); loadavg at end ${loadAfter.join(' ')}; ${seconds.toFixed(0)} s`,
  );
  const out = {
    benchmark: `small CNN training, ${SIZE}x${SIZE}x3, batch ${BATCH}, Adam`,
    command: `pnpm bench:engine ${process.argv.slice(2).join(' ')}`.trim(),
    date: new Date().toISOString(),
    seconds,
    host: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavg_start: loadBefore, loadavg_end: loadAfter, node: process.version },
    tfjs: figures,
    pytorch: [torch2, torch1, torch2After],
    table: rows,
    ceiling,
  };
  const file = join(root, 'results/bench/engine.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`wrote ${file}`);
}

await main();
