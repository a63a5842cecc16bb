// `tsx packages/text-encoder/bench/memory.ts [--data DIR] [--rows all|split] [--epochs N] [flags]`: trains
// the title encoder as `pnpm submit text-arcface` does (all train.csv titles, seed 42, a checkpoint per
// epoch into a temp folder) and prints where the memory went: the table and its optimizer state (the
// typed arrays the encoder keeps), the rows a step gathers, the tfjs backend's live tensors and the wasm
// heap's high-water mark (a wasm heap never shrinks), the process's RSS before training and its peak, and
// the estimate made before training (estimateTitleEncoderPeak). Memory is sampled at every step. Its
// first version ran on the encoder before issue 20's changes too (docs/text-arcface.md has both).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import type { KernelBackend } from '@tensorflow/tfjs-core';
import { groupSplit, loadDataset } from '@prodmatch/data';
import { initTf } from '@prodmatch/tf';
import {
  bagBatch,
  bagInputs,
  DEFAULT_TITLE_ENCODER,
  estimateTitleEncoderPeak,
  fitBagVocabulary,
  hashTitles,
  trainTitleEncoder,
  type TitleEncoderConfig,
} from '../src/index.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const D = DEFAULT_TITLE_ENCODER;
const args = yargs(hideBin(process.argv))
  .scriptName('memory')
  .options({
    data: { type: 'string', default: join(REPO_ROOT, '../shared/datasets/shopee') },
    rows: {
      choices: ['all', 'split'] as const,
      default: 'all' as const,
      describe: "all train.csv titles (as submit) or the seed-42 split's train groups (as the experiment)",
    },
    epochs: { type: 'number', default: D.epochs },
    dim: { type: 'number', default: D.dim },
    'batch-size': { type: 'number', default: D.batchSize },
    'min-df': { type: 'number', default: D.minDf },
    checkpoints: { type: 'boolean', default: true, describe: 'write a checkpoint per epoch (submit and the experiment do)' },
    set: { type: 'string', describe: 'JSON merged into the config, e.g. \'{"tableOptimizer":"adam"}\'' },
  })
  .strict()
  .parseSync();

const MB = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const rss = (): number => process.memoryUsage.rss();
const maxRss = (): number => process.resourceUsage().maxRSS * 1024;

async function main(): Promise<void> {
  const { tf, backend } = await initTf({ backend: 'wasm' });
  const wasmHeap = (): number => (tf.backend() as KernelBackend & { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8.buffer.byteLength ?? 0;
  const postings = loadDataset(resolve(args.data)).train.postings;
  const rows = args.rows === 'all' ? postings.map((_, i) => i) : groupSplit(postings, 42).train;
  const titles = rows.map((i) => postings[i].title);
  const labels = rows.map((i) => postings[i].labelGroup as string);
  const extra: Partial<TitleEncoderConfig> = args.set ? (JSON.parse(args.set) as Partial<TitleEncoderConfig>) : {};
  const config: TitleEncoderConfig = { ...D, epochs: args.epochs, dim: args.dim, batchSize: args.batchSize, minDf: args.minDf, ...extra };
  // The batches' shapes, from the same inputs training builds (one epoch in title order: the sizes are alike).
  const vocabulary = fitBagVocabulary(hashTitles(titles, config.features), config.features.bits, config.minDf);
  const inputs = bagInputs(hashTitles(titles, config.features), vocabulary, config.weighting);
  let maxDistinct = 0;
  let maxEntries = 0;
  for (let start = 0; start + config.batchSize <= titles.length; start += config.batchSize) {
    const b = bagBatch(
      inputs,
      Int32Array.from({ length: config.batchSize }, (_, i) => start + i),
    );
    maxDistinct = Math.max(maxDistinct, b.tableRows.length);
    maxEntries = Math.max(maxEntries, b.local.length);
  }
  const classes = new Set(labels).size;
  console.log(
    `backend ${backend.name}; ${titles.length} titles (${args.rows}), ${classes} groups, ${vocabulary.rows} table rows, ${inputs.ids.length} bag entries; config ${JSON.stringify(config)}`,
  );
  const estimate = estimateTitleEncoderPeak(config, vocabulary.rows, { titles: titles.length, classes, entries: inputs.ids.length });
  console.log(
    `estimate before training: ${Object.entries(estimate)
      .map(([k, v]) => `${k} ${MB(v)}`)
      .join(', ')}`,
  );

  const before = { rss: rss(), wasm: wasmHeap(), tensors: tf.memory().numBytes };
  let peak = { rss: before.rss, heapUsed: 0, arrayBuffers: 0, external: 0, wasm: before.wasm, tensorBytes: before.tensors };
  const sample = (): void => {
    const m = process.memoryUsage();
    if (m.rss > peak.rss) peak = { ...peak, rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, external: m.external };
    peak.wasm = Math.max(peak.wasm, wasmHeap());
    peak.tensorBytes = Math.max(peak.tensorBytes, tf.memory().numBytes);
  };
  const dir = args.checkpoints ? mkdtempSync(join(tmpdir(), 'text-encoder-memory-')) : undefined;
  const started = process.hrtime.bigint();
  try {
    const { encoder, losses } = await trainTitleEncoder(tf, titles, labels, config, {
      seed: 42,
      checkpointDir: dir,
      checkpointKey: dir ? 'memory-bench' : undefined,
      progress: () => ({ tick: sample, stop: sample }),
      log: (m) => {
        sample();
        console.error(`${m} (rss ${MB(rss())}, wasm heap ${MB(wasmHeap())})`);
      },
    });
    sample();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const arrays = Object.entries(encoder.table).filter(
      (e): e is [string, Float32Array] => e[1] instanceof Float32Array || e[1] instanceof Uint16Array,
    );
    const tableBytes = arrays.find(([k]) => k === 'values')?.[1].byteLength ?? 0;
    const stateBytes = arrays.filter(([k]) => k !== 'values').reduce((s, [, a]) => s + a.byteLength, 0);
    console.log(
      `trained ${config.epochs} epochs in ${seconds.toFixed(1)} s (load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}); losses ${losses.map((l) => l.toFixed(3)).join(' ')}`,
    );
    console.log('where the memory went:');
    console.log(`  table values          ${MB(tableBytes)}  (${encoder.table.rows} rows x ${encoder.table.dim} float32)`);
    console.log(
      `  optimizer state       ${MB(stateBytes)}  (${arrays
        .filter(([k]) => k !== 'values')
        .map(([k, a]) => `${k} ${a.length}`)
        .join(', ')})`,
    );
    console.log(
      `  gathered rows / step  ${MB(maxDistinct * config.dim * 4)}  (up to ${maxDistinct} distinct rows; ${maxEntries} entries = ${MB(maxEntries * config.dim * 4)} as picked rows)`,
    );
    console.log(`  tfjs live tensors     peak sampled ${MB(peak.tensorBytes)}, after training ${MB(tf.memory().numBytes)}`);
    console.log(`  wasm heap             ${MB(before.wasm)} before training, high-water ${MB(peak.wasm)}`);
    console.log(`  JS at the peak sample heap ${MB(peak.heapUsed)}, array buffers ${MB(peak.arrayBuffers)}, external ${MB(peak.external)}`);
    console.log(
      `  RSS                   ${MB(before.rss)} before training, peak sampled ${MB(peak.rss)}, peak (getrusage) ${MB(maxRss())}`,
    );
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(`memory: ${error.message}`);
  process.exit(1);
});
