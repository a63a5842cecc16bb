import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '@prodmatch/data';
import { initTf, type Tf } from '@prodmatch/tf';
import { DEFAULT_TITLE_ENCODER, embedTitles, trainTitleEncoder, type TitleEncoderConfig } from './encoder.ts';
import { tableFile } from './table-file.ts';

let tf: Tf;
before(async () => {
  ({ tf } = await initTf({ backend: 'wasm' }));
});

// 16 products, 5 titles each: a product is a brand + model pair (each brand and each model is shared
// by four products), and each title adds four words from a shared pool of filler. An untrained
// encoder (the same settings at a learning rate of 1e-9) matches 42 of 80 titles to their own
// product by nearest neighbour: the filler outweighs the product words.
const BRANDS = ['xiaomi', 'samsung', 'wardah', 'emina'];
const MODELS = ['alpha', 'bravo', 'charlie', 'delta'];
const FILLER = ['murah', 'original', 'promo', 'ready', 'stok', 'grosir', 'termurah', 'baru', 'bpom', 'garansi'];
function titles(seed: number): { titles: string[]; labels: string[] } {
  const random = seededRandom(seed);
  const out = { titles: [] as string[], labels: [] as string[] };
  for (let b = 0; b < BRANDS.length; b++) {
    for (let m = 0; m < MODELS.length; m++) {
      for (let i = 0; i < 5; i++) {
        const fill = [0, 1, 2, 3].map(() => FILLER[Math.floor(random() * FILLER.length)]);
        out.titles.push(`${fill[0]} ${fill[2]} ${BRANDS[b]} ${fill[3]} ${MODELS[m]} ${fill[1]}`);
        out.labels.push(`${b}-${m}`);
      }
    }
  }
  return out;
}

const TINY: TitleEncoderConfig = {
  ...DEFAULT_TITLE_ENCODER,
  features: { ...DEFAULT_TITLE_ENCODER.features, bits: 12 },
  minDf: 1,
  dim: 16,
  batchSize: 16,
  epochs: 4,
  dropout: 0.1,
  schedule: { start: 1e-2, max: 1e-2, min: 1e-3, rampEpochs: 0, sustainEpochs: 2, decay: 0.5 },
  tableRateScale: 3,
};

/** How many titles have a title of their own product as their nearest other title. */
function nearestSameProduct(embeddings: { rows: number; dim: number; data: Float32Array }, labels: string[]): number {
  let hits = 0;
  for (let i = 0; i < embeddings.rows; i++) {
    let best = -1;
    let bestScore = -Infinity;
    for (let j = 0; j < embeddings.rows; j++) {
      if (j === i) continue;
      let dot = 0;
      for (let d = 0; d < embeddings.dim; d++) dot += embeddings.data[i * embeddings.dim + d] * embeddings.data[j * embeddings.dim + d];
      if (dot > bestScore) [best, bestScore] = [j, dot];
    }
    if (labels[best] === labels[i]) hits++;
  }
  return hits;
}

test('a tiny end-to-end training: the loss falls and unseen titles of a product find each other', async () => {
  const train = titles(1);
  const tensorsBefore = tf.memory().numTensors;
  const { encoder, losses } = await trainTitleEncoder(tf, train.titles, train.labels, TINY, { seed: 3 });
  // Every step's gathered rows and every initial value are released: a leak here grew the wasm heap
  // by the batch's rows on each step of a real run, until it aborted.
  assert.equal(tf.memory().numTensors, tensorsBefore, 'tensors left behind by training');
  assert.equal(losses.length, 4);
  assert.ok(losses[3] < 0.5 * losses[0], `loss ${losses.map((l) => l.toFixed(3)).join(' -> ')}`);
  const unseen = titles(2);
  const embeddings = embedTitles(tf, encoder, unseen.titles);
  for (let r = 0; r < embeddings.rows; r++) {
    const norm = Math.hypot(...embeddings.data.subarray(r * 16, (r + 1) * 16));
    assert.ok(Math.abs(norm - 1) < 1e-4, `row ${r} norm ${norm}`);
  }
  const hits = nearestSameProduct(embeddings, unseen.labels);
  assert.ok(hits >= 72, `${hits}/80 titles have their own product as nearest neighbour`);
});

test('checkpoints: two epochs, then two more with resume, give the same encoder as four in one go', async () => {
  const train = titles(1);
  const parent = mkdtempSync(join(tmpdir(), 'text-encoder-resume-'));
  // A folder that does not exist yet, as the runner's .cache/checkpoints/<dataset>/<key> on a first run.
  const dir = join(parent, 'checkpoints', 'text-arcface-k');
  try {
    const straight = await trainTitleEncoder(tf, train.titles, train.labels, TINY, { seed: 5 });
    await trainTitleEncoder(tf, train.titles, train.labels, { ...TINY, epochs: 2 }, { seed: 5, checkpointDir: dir, checkpointKey: 'k' });
    // The table and its moments are a file of their own per checkpoint (5 steps an epoch), written straight from the arrays.
    const table = (steps: number): string => tableFile(dir, 'k', steps).slice(dir.length + 1);
    assert.deepEqual(readdirSync(dir).sort(), ['epoch-001.bin', 'epoch-001.json', 'epoch-002.bin', 'epoch-002.json', table(5), table(10)]);
    const resumed = await trainTitleEncoder(tf, train.titles, train.labels, TINY, {
      seed: 5,
      checkpointDir: dir,
      checkpointKey: 'k',
      resume: true,
    });
    assert.deepEqual(
      readdirSync(dir).sort(),
      ['epoch-003.bin', 'epoch-003.json', 'epoch-004.bin', 'epoch-004.json', table(15), table(20)],
      'the newest two of each kept',
    );
    assert.deepEqual(resumed.losses, straight.losses.slice(2));
    assert.deepEqual(resumed.encoder.table.values, straight.encoder.table.values);
    assert.deepEqual(resumed.encoder.movingVariance, straight.encoder.movingVariance);
    assert.deepEqual(embedTitles(tf, resumed.encoder, train.titles).data, embedTitles(tf, straight.encoder, train.titles).data);
    // A checkpoint whose table file is gone is refused in one line, not trained from a random table.
    rmSync(join(dir, table(20)));
    await assert.rejects(
      trainTitleEncoder(
        tf,
        train.titles,
        train.labels,
        { ...TINY, epochs: 5 },
        { seed: 5, checkpointDir: dir, checkpointKey: 'k', resume: true },
      ),
      /^Error: \S+table-\S+-step-000000020\.bin is missing: the checkpoint's table was not saved; delete the checkpoint folder or drop --resume$/,
    );
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

test('the head taped a chunk of titles at a time trains as the whole batch at once', async () => {
  const train = titles(1);
  const whole = await trainTitleEncoder(tf, train.titles, train.labels, { ...TINY, epochs: 2, headChunk: 16 }, { seed: 3 });
  const chunked = await trainTitleEncoder(tf, train.titles, train.labels, { ...TINY, epochs: 2, headChunk: 5 }, { seed: 3 });
  whole.losses.forEach((l, i) => assert.ok(Math.abs(l - chunked.losses[i]) < 1e-4 * l, `epoch ${i + 1}: ${l} vs ${chunked.losses[i]}`));
  const a = embedTitles(tf, whole.encoder, train.titles).data;
  const b = embedTitles(tf, chunked.encoder, train.titles).data;
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-3, `embedding value ${i}: ${v} vs ${b[i]}`));
});

test('bad training settings fail with the flag named', async () => {
  const train = titles(1);
  await assert.rejects(
    trainTitleEncoder(tf, train.titles, train.labels, { ...TINY, batchSize: 1 }, { seed: 1 }),
    /batch-size must be at least 2/,
  );
  await assert.rejects(
    trainTitleEncoder(tf, train.titles.slice(0, 5), train.labels.slice(0, 5), TINY, { seed: 1 }),
    /5 training titles, fewer than one batch of 16; lower --batch-size/,
  );
  await assert.rejects(
    trainTitleEncoder(tf, train.titles, train.labels, { ...TINY, minDf: 0 }, { seed: 1 }),
    /min-df must be a positive integer/,
  );
  await assert.rejects(
    trainTitleEncoder(tf, train.titles, train.labels, { ...TINY, headChunk: 0 }, { seed: 1 }),
    /head-chunk must be a positive integer/,
  );
});

test('n-grams without a table row: dropped, or given a fixed row seeded by their bucket', async () => {
  const train = titles(1);
  // 2^18 buckets: the unseen words' n-grams collide with no trained bucket.
  const { encoder } = await trainTitleEncoder(
    tf,
    train.titles,
    train.labels,
    { ...TINY, features: DEFAULT_TITLE_ENCODER.features, epochs: 1 },
    { seed: 3 },
  );
  // Titles made only of words training never saw: dropped, every such title embeds to the same point.
  const unseen = ['zzq wvx', 'qqj kkx', 'zzq wvx'];
  const dropping = { ...encoder, config: { ...encoder.config, unseen: 'drop' as const } };
  const dropped = embedTitles(tf, dropping, unseen);
  assert.deepEqual(dropped.data.subarray(0, 16), dropped.data.subarray(16, 32));
  const random = { ...encoder, config: { ...encoder.config, unseen: 'random' as const } };
  const a = embedTitles(tf, random, unseen);
  const b = embedTitles(tf, random, [unseen[2], unseen[1]]);
  assert.notDeepEqual(a.data.subarray(0, 16), a.data.subarray(16, 32));
  assert.deepEqual(a.data.subarray(0, 16), a.data.subarray(32, 48), 'the same title, the same row');
  assert.deepEqual(
    Array.from(b.data),
    [...a.data.subarray(32, 48), ...a.data.subarray(16, 32)],
    'a row depends on the bucket, not on the gallery',
  );
  // Titles whose n-grams all have rows embed identically in both modes.
  assert.deepEqual(embedTitles(tf, random, train.titles.slice(0, 4)).data, embedTitles(tf, dropping, train.titles.slice(0, 4)).data);
});
