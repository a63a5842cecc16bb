// `pnpm bench:input`: the training input pipeline (packages/vision/src/images.ts) on real JPEGs, the
// 25 of ../shared/datasets/shopee/train_images repeated to --images (default 512), at 512 and 128 px
// with the default augmentation, batch 32. For each size, in the same run:
//
//   decode-only ceiling   one sharp job per image (decode + resize, no augmentation), all queued at
//                         once: the most images/s the host's decode pool gives
//   sharp augmentation    the previous design's work per image (crop, flip and colour jitter in sharp),
//                         the host-side cost that worker threads would have had to carry
//   pipeline alone        pixelBatches with the default augmentation (drawn per image, applied by
//                         pixelsToTensor), consumed as fast as it comes: the host side of the pipeline
//   + tensors on wasm     the same, each batch also through pixelsToTensor on the bench's backend
//                         (wasm: unpack, crop/flip, colour matrix, normalise on the main thread)
//   beside a fake step    the host side with a synchronous 213 ms busy step per batch (what tfjs-node
//                         does to the main thread while a GPU step runs): the wait for data per step
//                         and its share of the step (the goal: <= 10% at 128 px on our 2 cores)
//   cache fill / read     --image-cache: the first epoch writes resized images, later ones read them;
//                         and the fake-step mode again with the cache filled (epochs 2+)
//
// It also prints the start-up activation-memory estimate for B3 at 512 px, batch 32 and 8.
//
// The fake step stands in for a GPU backend, where pixelsToTensor's ops are queued on the device and
// the host only wraps the packed buffer, so that mode leaves the wasm tensor work out; its cost per
// batch on wasm is reported on its own. Writes results/bench/input.json.
//
//   pnpm bench:input [--images 512] [--step-ms 213] [--sizes 512,128] [--backend wasm]
import sharp from 'sharp';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initTf, type BackendName } from '@prodmatch/tf';
import { seededRandom } from '@prodmatch/data';
import { efficientNet } from '../src/backbones.ts';
import { estimateTrainingMemory } from '../src/memory.ts';
import { DEFAULT_AUGMENTATION, decodeBatch, pixelBatches, pixelsToTensor, type Augmentation, type DecodeOptions } from '../src/images.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const BATCH = 32;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const imageCount = Number(arg('images', '512'));
const stepMs = Number(arg('step-ms', '213'));
const sizes = arg('sizes', '512,128').split(',').map(Number);
const backendName = arg('backend', 'wasm') as BackendName;
if (!(imageCount >= BATCH) || !(stepMs > 0) || sizes.some((s) => !(s > 0))) {
  throw new Error('bench:input: --images must be >= 32, --step-ms > 0 and --sizes positive integers (e.g. --sizes 512,128)');
}

const imageDir = resolve(root, '../shared/datasets/shopee/train_images');
if (!existsSync(imageDir))
  throw new Error(`bench:input: ${imageDir} is missing; the bench reads the real JPEGs from ../shared/datasets/shopee`);
const sources = readdirSync(imageDir)
  .filter((f) => /\.jpe?g$/i.test(f))
  .sort()
  .map((f) => join(imageDir, f));
if (sources.length === 0) throw new Error(`bench:input: no JPEGs in ${imageDir}`);
const paths = Array.from({ length: imageCount }, (_, i) => sources[i % sources.length]);
const order = paths.map((_, i) => i);

const { tf, backend } = await initTf({ backend: backendName });
const now = (): number => performance.now();

/** The previous design's per-image work, sizes read once beforehand: crop, flip and jitter in sharp. */
async function sharpAugmented(
  path: string,
  size: number,
  meta: { width: number; height: number },
  a: Augmentation,
  random: () => number,
): Promise<Buffer> {
  const side = Math.max(1, Math.floor(Math.min(meta.width, meta.height) * (a.crop + (1 - a.crop) * random())));
  const left = Math.floor((meta.width - side) * random());
  const top = Math.floor((meta.height - side) * random());
  let image = sharp(path).removeAlpha().toColourspace('srgb').extract({ left, top, width: side, height: side });
  if (random() < a.flip) image = image.flop();
  image = image.modulate({
    brightness: 1 + a.jitter * (2 * random() - 1),
    saturation: 1 + a.jitter * (2 * random() - 1),
    hue: Math.round(30 * a.jitter * (2 * random() - 1)),
  });
  return image.resize(size, size, { fit: 'fill' }).raw().toBuffer();
}

interface PipelineFigures {
  images_per_s: number;
  /** Mean wait for the next batch, over every batch but the first (the pipeline filling). */
  wait_ms_per_step: number;
  first_batch_wait_ms: number;
  /** Mean pixelsToTensor time per batch on the bench backend, when `tensors` was asked for. */
  tensor_prep_ms_per_batch?: number;
}

/**
 * Consumes every batch; with `tensors`, through pixelsToTensor on the bench backend; with `step`,
 * busy-waits that long per batch, as a synchronous training step would.
 */
async function consume(options: DecodeOptions, step: number, tensors: boolean): Promise<PipelineFigures> {
  const waits: number[] = [];
  let prep = 0;
  const start = now();
  let mark = now();
  for await (const batch of pixelBatches(paths, order, BATCH, options)) {
    waits.push(now() - mark);
    if (tensors) {
      const t = now();
      const x = pixelsToTensor(tf, batch);
      await x.data();
      prep += now() - t;
      x.dispose();
    }
    const stepEnd = now() + step;
    while (now() < stepEnd) {
      // A synchronous step: the main thread is busy, sharp's pool threads are not.
    }
    mark = now();
  }
  const seconds = (now() - start) / 1000;
  const steady = waits.slice(1);
  return {
    images_per_s: paths.length / seconds,
    wait_ms_per_step: steady.reduce((s, w) => s + w, 0) / Math.max(1, steady.length),
    first_batch_wait_ms: waits[0],
    ...(tensors ? { tensor_prep_ms_per_batch: prep / waits.length } : {}),
  };
}

async function rate(run: () => Promise<unknown>): Promise<number> {
  const start = now();
  await run();
  return paths.length / ((now() - start) / 1000);
}

const round = (v: number, digits = 1): number => Number(v.toFixed(digits));
const load = os.loadavg()[0];
console.error(
  `bench:input: ${paths.length} images (${sources.length} distinct JPEGs repeated), batch ${BATCH}, fake step ${stepMs} ms, ` +
    `${os.availableParallelism()} cores, UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE}, backend ${backend.name}, load ${load.toFixed(2)}`,
);

const results = [];
for (const size of sizes) {
  const options = (seed: number): DecodeOptions => ({ size, augmentation: DEFAULT_AUGMENTATION, random: seededRandom(seed) });
  // Warm the file cache and sharp, so the first mode timed does not pay for them.
  await decodeBatch(
    sources,
    sources.map((_, i) => i),
    { size },
  );

  const ceiling = await rate(() => decodeBatch(paths, order, { size }));
  const metas = new Map<string, { width: number; height: number }>();
  for (const s of sources) {
    const m = await sharp(s).metadata();
    metas.set(s, { width: m.width ?? size, height: m.height ?? size });
  }
  const random = seededRandom(1);
  const sharpAugment = await rate(() =>
    Promise.all(paths.map((p) => sharpAugmented(p, size, metas.get(p)!, DEFAULT_AUGMENTATION, random))),
  );
  const alone = await consume(options(2), 0, false);
  const withTensors = await consume(options(5), 0, true);
  const withStep = await consume(options(3), stepMs, false);

  // Tensor-op augmentation against plain unpack + normalise, same decoded batch, on the bench backend.
  const batch = await decodeBatch(paths, order.slice(0, BATCH), options(4));
  const plainBatch = { ...batch, augment: undefined };
  const time = (b: typeof batch): number => {
    const t = now();
    for (let i = 0; i < 3; i++) {
      const x = pixelsToTensor(tf, b);
      x.dataSync();
      x.dispose();
    }
    return (now() - t) / 3;
  };
  time(batch);
  const augmentedMs = time(batch);
  const plainMs = time(plainBatch);

  const cacheDir = mkdtempSync(join(os.tmpdir(), 'prodmatch-bench-input-'));
  let cacheFill: number;
  let cacheRead: number;
  let cachedStep: PipelineFigures;
  try {
    cacheFill = await rate(() => decodeBatch(paths, order, { size, cacheDir }));
    cacheRead = await rate(() => decodeBatch(paths, order, { size, cacheDir }));
    cachedStep = await consume({ ...options(6), cacheDir }, stepMs, false);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }

  results.push({
    size,
    decode_only_images_per_s: round(ceiling),
    sharp_augmentation_images_per_s: round(sharpAugment),
    pipeline_alone: { images_per_s: round(alone.images_per_s), vs_ceiling: round(alone.images_per_s / ceiling, 3) },
    pipeline_with_tensors: {
      images_per_s: round(withTensors.images_per_s),
      tensor_prep_ms_per_batch: round(withTensors.tensor_prep_ms_per_batch ?? 0),
    },
    beside_step: {
      images_per_s: round(withStep.images_per_s),
      wait_ms_per_step: round(withStep.wait_ms_per_step),
      wait_share_of_step: round(withStep.wait_ms_per_step / stepMs, 3),
      first_batch_wait_ms: round(withStep.first_batch_wait_ms),
      goal_wait_share: 0.1,
    },
    tensor_ops_ms_per_batch: { augmented: round(augmentedMs), unpack_and_normalise_only: round(plainMs) },
    cache: {
      fill_images_per_s: round(cacheFill),
      read_images_per_s: round(cacheRead),
      read_vs_decode: round(cacheRead / ceiling, 2),
      beside_step_wait_ms_per_step: round(cachedStep.wait_ms_per_step),
      beside_step_wait_share_of_step: round(cachedStep.wait_ms_per_step / stepMs, 3),
    },
  });
}

// The start-up estimate for the users' GPU setting (B3, 512 px), at batch 32 and at 8 (with --accumulate 4).
const b3 = efficientNet('b3', { inputSize: 512 });
const memory = [32, 8].map((batch) => {
  const e = estimateTrainingMemory(b3, batch);
  return {
    backbone: 'b3',
    image_size: 512,
    batch,
    activation_gib: round(e.activationBytes / 2 ** 30, 2),
    parameter_and_adam_gib: round(e.parameterBytes / 2 ** 30, 3),
  };
});
b3.dispose();

const report = {
  bench: 'input',
  date: new Date().toISOString(),
  images: paths.length,
  distinct_jpegs: sources.length,
  batch: BATCH,
  step_ms: stepMs,
  cores: os.availableParallelism(),
  uv_threadpool_size: Number(process.env.UV_THREADPOOL_SIZE),
  backend: `${backend.name} ${backend.version}`,
  load_average_start: round(load, 2),
  load_average_end: round(os.loadavg()[0], 2),
  sizes: results,
  memory_estimate: memory,
};

console.log(
  `\n| px | decode-only img/s | sharp aug img/s | pipeline img/s (vs decode-only) | + tensors on ${backend.name} img/s | beside ${stepMs} ms step: wait/step, share | ${backend.name} tensor ops ms/batch (aug / plain) | cache read img/s (vs decode) | beside step from the cache: wait, share |`,
);
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of results) {
  console.log(
    `| ${r.size} | ${r.decode_only_images_per_s} | ${r.sharp_augmentation_images_per_s} | ${r.pipeline_alone.images_per_s} (${r.pipeline_alone.vs_ceiling}x) | ${r.pipeline_with_tensors.images_per_s} | ` +
      `${r.beside_step.wait_ms_per_step} ms, ${(r.beside_step.wait_share_of_step * 100).toFixed(1)}% ${r.beside_step.wait_share_of_step <= 0.1 ? '(goal met)' : '(goal 10% missed)'} | ` +
      `${r.tensor_ops_ms_per_batch.augmented} / ${r.tensor_ops_ms_per_batch.unpack_and_normalise_only} | ${r.cache.read_images_per_s} (${r.cache.read_vs_decode}x) | ` +
      `${r.cache.beside_step_wait_ms_per_step} ms, ${(r.cache.beside_step_wait_share_of_step * 100).toFixed(1)}% |`,
  );
}
for (const m of memory)
  console.log(
    `memory estimate, B3 at 512 px, batch ${m.batch}: activations ${m.activation_gib} GiB, weights + Adam ${m.parameter_and_adam_gib} GiB`,
  );
console.log(`load average ${report.load_average_start} at the start, ${report.load_average_end} at the end`);
const out = join(root, 'results', 'bench', 'input.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`wrote ${out}`);
