// `tsx packages/text-encoder/bench/backend-memory.ts`: what a training step asks of the tfjs backend, the
// part of the title encoder's memory that lives on the wasm heap (the ArcFace head and one batch's
// activations; the table never goes there). Trains a few steps on made-up titles at several sizes
// (groups C, batch B, dim D) and prints, per size, tfjs' peak live tensor bytes (tf.profile) and the
// wasm heap it took; then the least-squares fit peak = a C D + b B C + c B D, the copies of each shape
// alive at the peak, which memory.ts's HEAD_COPIES, LOGIT_COPIES and BAG_COPIES come from.
import type { KernelBackend } from '@tensorflow/tfjs-core';
import { initTf } from '@prodmatch/tf';
import { DEFAULT_TITLE_ENCODER, trainTitleEncoder } from '../src/index.ts';

const SIZES: [number, number, number][] = [
  [1000, 128, 256],
  [2000, 128, 256],
  [1000, 256, 256],
  [1000, 128, 512],
  [2000, 256, 512],
  [4000, 256, 512],
];

async function main(): Promise<void> {
  const { tf } = await initTf({ backend: 'wasm' });
  const heap = (): number => (tf.backend() as KernelBackend & { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8.buffer.byteLength ?? 0;
  const rows: { C: number; B: number; D: number; peak: number }[] = [];
  for (const [C, B, D] of SIZES) {
    // A title per group: C / B steps, every shape of a step reached.
    const titles = Array.from({ length: C }, (_, i) => `item ${i} brand${i % 7} model${(i * 13) % 101}`);
    const labels = titles.map((t) => t.split(' ')[1]);
    // One head chunk per batch, so that the logits are [B, C].
    const config = {
      ...DEFAULT_TITLE_ENCODER,
      features: { ...DEFAULT_TITLE_ENCODER.features, bits: 14 },
      dim: D,
      batchSize: B,
      headChunk: B,
      epochs: 1,
    };
    const heapBefore = heap();
    const info = await tf.profile(async () => {
      await trainTitleEncoder(tf, titles, labels, config, { seed: 1 });
    });
    rows.push({ C, B, D, peak: info.peakBytes });
    console.log(
      `C ${C} B ${B} D ${D}: peak live tensors ${(info.peakBytes / 2 ** 20).toFixed(1)} MiB; wasm heap ${(heapBefore / 2 ** 20).toFixed(0)} -> ${(heap() / 2 ** 20).toFixed(0)} MiB`,
    );
  }
  // Least squares over the three shapes' float32 sizes (normal equations, 3x3).
  const x = rows.map((r) => [r.C * r.D * 4, r.B * r.C * 4, r.B * r.D * 4]);
  const A = [0, 1, 2].map((i) => [0, 1, 2].map((j) => x.reduce((s, v) => s + v[i] * v[j], 0)));
  const y = [0, 1, 2].map((i) => x.reduce((s, v, k) => s + v[i] * rows[k].peak, 0));
  for (let i = 0; i < 3; i++) {
    for (let k = i + 1; k < 3; k++) {
      const f = A[k][i] / A[i][i];
      for (let j = i; j < 3; j++) A[k][j] -= f * A[i][j];
      y[k] -= f * y[i];
    }
  }
  const c = [0, 0, 0];
  for (let i = 2; i >= 0; i--) c[i] = (y[i] - [0, 1, 2].filter((j) => j > i).reduce((s, j) => s + A[i][j] * c[j], 0)) / A[i][i];
  console.log(`copies alive at the peak: head [D, C] ${c[0].toFixed(2)}, logits [B, C] ${c[1].toFixed(2)}, bags [B, D] ${c[2].toFixed(2)}`);
}

main().catch((error: Error) => {
  console.error(`backend-memory: ${error.message}`);
  process.exit(1);
});
