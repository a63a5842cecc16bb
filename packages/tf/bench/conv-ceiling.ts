// The convolution ceiling of pnpm bench:engine: each training-step convolution of the small CNN timed
// alone on its fastest wasm primitive, the least a step's convolutions can take.
import type * as tfc from '@tensorflow/tfjs-core';
import { initTf } from '../src/backend.ts';
import { setWasmBackendWithThreads } from '../src/wasm-threads.ts';
import { trainingConvs } from './small-cnn.ts';

/** Best-of-`reps` milliseconds of a synchronous wasm op (after one warm-up run). */
function bestMs(tf: typeof tfc, run: () => tfc.Tensor, reps: number): number {
  tf.dispose(run());
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const out = run();
    best = Math.min(best, performance.now() - t0);
    out.dispose();
  }
  return best;
}

/**
 * Milliseconds of each training-step convolution alone on its fastest wasm primitive: conv2d for the
 * forward pass and the input gradient (our Conv2DBackpropInput is that conv with a flipped filter),
 * and for the filter gradient the faster of one matMul over all columns and chunks of
 * FILTER_GRAD_CHUNK columns (what our Conv2DBackpropFilter runs), with the patches already built.
 */
export async function convCeiling(batch: number, size: number, threads: number, reps: number): Promise<number[]> {
  if (threads > 1) await setWasmBackendWithThreads(threads);
  const { tf } = await initTf({ backend: 'wasm' });
  const chunk = 2048;
  return trainingConvs(batch, size).map((p) =>
    tf.tidy(() => {
      const { n, h, w, ci, co } = p;
      if (p.op !== 'backward_weights') {
        const [cin, cout] = p.op === 'forward' ? [ci, co] : [co, ci];
        const x = tf.randomNormal([n, h, w, cin]) as tfc.Tensor4D;
        const f = tf.randomNormal([3, 3, cin, cout]) as tfc.Tensor4D;
        return bestMs(tf, () => tf.conv2d(x, f, 1, 'same'), reps);
      }
      const columns = n * h * w;
      const patches = tf.randomNormal([9 * ci, columns]) as tfc.Tensor2D;
      const dy = tf.randomNormal([columns, co]) as tfc.Tensor2D;
      const whole = bestMs(tf, () => tf.matMul(patches, dy), reps);
      const parts: [tfc.Tensor2D, tfc.Tensor2D][] = [];
      for (let begin = 0; begin < columns; begin += chunk) {
        const width = Math.min(chunk, columns - begin);
        parts.push([tf.slice(patches, [0, begin], [9 * ci, width]), tf.slice(dy, [begin, 0], [width, co])]);
      }
      const chunked = bestMs(
        tf,
        () => {
          const outs = parts.map(([a, b]) => tf.matMul(a, b));
          tf.dispose(outs.slice(1));
          return outs[0];
        },
        reps,
      );
      return Math.min(whole, chunked);
    }),
  );
}
