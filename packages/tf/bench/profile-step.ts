// Per-kernel time of one training step of the bench network on wasm (with our kernels), for finding
// what to speed up next. Every wasm kernel is wrapped with a wall-clock timer (wasm kernels are
// synchronous, so wall time is their cost); kernels that our composite kernels call internally are
// counted inside their caller, not twice.
//
//   node --import tsx packages/tf/bench/profile-step.ts [--steps 3] [--threads 2]
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initTf } from '../src/backend.ts';
import { setWasmBackendWithThreads } from '../src/wasm-threads.ts';
import { smallCnnForBench } from './small-cnn.ts';

const steps = Number(process.argv[process.argv.indexOf('--steps') + 1] || 3) || 3;
const threadsArg = process.argv.indexOf('--threads');
if (threadsArg >= 0) await setWasmBackendWithThreads(Number(process.argv[threadsArg + 1]));
const { tf } = await initTf({ backend: 'wasm' });

const totals = new Map<string, { ms: number; calls: number }>();
let depth = 0;
for (const config of tfc.getKernelsForBackend('wasm')) {
  const inner = config.kernelFunc;
  tfc.unregisterKernel(config.kernelName, 'wasm');
  tfc.registerKernel({
    ...config,
    kernelFunc: (args) => {
      depth++;
      const t0 = performance.now();
      try {
        return inner(args);
      } finally {
        depth--;
        if (depth === 0) {
          const key = config.kernelName + shapeKey(args.inputs);
          const entry = totals.get(key) ?? { ms: 0, calls: 0 };
          entry.ms += performance.now() - t0;
          entry.calls++;
          totals.set(key, entry);
        }
      }
    },
  });
}

function shapeKey(inputs: tfc.NamedTensorInfoMap): string {
  const first = Object.values(inputs)[0] as tfc.TensorInfo | undefined;
  return first ? ` ${JSON.stringify(first.shape)}` : '';
}

const net = smallCnnForBench(64);
const head = tfl.layers.dense({ units: 10, activation: 'softmax' }).apply(net.outputs[0]) as tfl.SymbolicTensor;
const model = tfl.model({ inputs: net.inputs, outputs: head });
model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
const x = tf.randomNormal([32, 64, 64, 3]);
const y = tf.oneHot(tf.randomUniform([32], 0, 10, 'int32') as tfc.Tensor1D, 10);
await model.trainOnBatch(x, y);
totals.clear();
const t0 = performance.now();
for (let i = 0; i < steps; i++) await model.trainOnBatch(x, y);
const stepMs = (performance.now() - t0) / steps;
const rows = [...totals.entries()].map(([k, v]) => ({ kernel: k, ms: v.ms / steps, calls: v.calls / steps })).sort((a, b) => b.ms - a.ms);
const kernelMs = rows.reduce((s, r) => s + r.ms, 0);
console.log(
  `step ${stepMs.toFixed(0)} ms, of which kernels ${kernelMs.toFixed(0)} ms; loadavg ${(await import('node:os'))
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
for (const r of rows.slice(0, Number(process.env.ROWS ?? 30))) console.log(`${r.ms.toFixed(1).padStart(8)} ms  x${r.calls}  ${r.kernel}`);
