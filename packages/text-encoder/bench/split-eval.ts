// `tsx packages/text-encoder/bench/split-eval.ts [--data DIR] [flags]`: trains the title encoder on the
// train groups of the seeded 60/20/20 split and prints, after every `--eval-every` epochs, the val F1
// (threshold tuned on val) with and without min2. Epoch counts and settings are chosen from these val
// figures; `--test` also prints test F1 at the val-chosen thresholds, for the final figures only.
// Every config flag of the encoder can be given; --seeds averages the embeddings of several seeds.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { groupSplit, loadDataset, type Posting } from '@prodmatch/data';
import { exactCosineTopK, neighboursWithin, type DenseMatrix } from '@prodmatch/knn';
import { bestThreshold, thresholdGrid, thresholdSweep } from '@prodmatch/metrics';
import { initTf, type Tf } from '@prodmatch/tf';
import { DEFAULT_TITLE_ENCODER, embedTitles, trainTitleEncoder, type TitleEncoderConfig } from '../src/index.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const D = DEFAULT_TITLE_ENCODER;
const args = yargs(hideBin(process.argv))
  .scriptName('split-eval')
  .options({
    data: { type: 'string', default: join(REPO_ROOT, '../shared/datasets/shopee') },
    seed: { type: 'number', default: 42, describe: 'split seed' },
    seeds: { type: 'array', number: true, default: [42], describe: 'training seeds; embeddings of several are averaged' },
    epochs: { type: 'number', default: D.epochs },
    'eval-every': { type: 'number', default: 1 },
    'batch-size': { type: 'number', default: D.batchSize },
    dim: { type: 'number', default: D.dim },
    bits: { type: 'number', default: D.features.bits },
    'min-df': { type: 'number', default: D.minDf },
    weighting: { choices: ['idf', 'uniform'] as const, default: D.weighting },
    'init-scale': { type: 'number', default: D.initScale },
    dropout: { type: 'number', default: D.dropout },
    'lr-max': { type: 'number', default: D.schedule.max },
    'lr-sustain': { type: 'number', default: D.schedule.sustainEpochs },
    'lr-decay': { type: 'number', default: D.schedule.decay },
    'table-rate-scale': { type: 'number', default: D.tableRateScale },
    'table-optimizer': { choices: ['adam', 'rowwise-adam'] as const, default: D.tableOptimizer },
    'head-chunk': { type: 'number', default: D.headChunk, describe: 'titles whose head and loss are taped together (memory only)' },
    margin: { type: 'number', default: D.arcface.margin },
    scale: { type: 'number', default: D.arcface.scale },
    sampler: { choices: ['uniform', 'weighted'] as const, default: D.sampler },
    chars: { type: 'boolean', default: true, describe: 'character 3-5 grams' },
    unseen: { choices: ['drop', 'random'] as const, default: D.unseen },
    'also-unseen': {
      choices: ['drop', 'random'] as const,
      describe: 'also print val F1 with this inference mode for n-grams without a row (same training)',
    },
    'unseen-scales': {
      type: 'array',
      number: true,
      default: [1],
      describe: "with --also-unseen random: the unseen rows' scales (times --init-scale) to print val F1 for",
    },
    test: { type: 'boolean', default: false, describe: 'also print test F1 at the val-chosen thresholds' },
  })
  .strict()
  .parseSync();

const config: TitleEncoderConfig = {
  ...D,
  features: { ...D.features, bits: args.bits, charNgrams: args.chars ? D.features.charNgrams : null },
  minDf: args.minDf,
  weighting: args.weighting,
  dim: args.dim,
  initScale: args.initScale,
  dropout: args.dropout,
  arcface: { ...D.arcface, margin: args.margin, scale: args.scale },
  sampler: args.sampler,
  epochs: args.epochs,
  batchSize: args.batchSize,
  schedule: { ...D.schedule, start: args.lrMax, max: args.lrMax, sustainEpochs: args.lrSustain, decay: args.lrDecay },
  tableRateScale: args.tableRateScale,
  tableOptimizer: args.tableOptimizer,
  headChunk: args.headChunk,
  unseen: args.unseen,
};

const GRID = thresholdGrid(0.2, 0.9, 0.025);

async function scores(
  tf: Tf,
  embeddings: DenseMatrix,
  gallery: readonly Posting[],
): Promise<{ plain: ReturnType<typeof thresholdSweep>; min2: ReturnType<typeof thresholdSweep> }> {
  const lists = await exactCosineTopK(embeddings, embeddings, 50, { runtime: { tf, backend: { name: 'wasm', version: '' } } });
  const labels = gallery.map((p) => p.labelGroup as string);
  return {
    plain: thresholdSweep((t) => neighboursWithin(lists, t), labels, GRID),
    min2: thresholdSweep((t) => neighboursWithin(lists, t, { minMatches: 2 }), labels, GRID),
  };
}

/** Mean of several seeds' embeddings, L2-normalised again. */
function average(parts: DenseMatrix[]): DenseMatrix {
  const data = new Float32Array(parts[0].data.length);
  for (const p of parts) for (let i = 0; i < data.length; i++) data[i] += p.data[i];
  const dim = parts[0].dim;
  for (let r = 0; r < parts[0].rows; r++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += data[r * dim + j] ** 2;
    const inv = 1 / Math.sqrt(s || 1);
    for (let j = 0; j < dim; j++) data[r * dim + j] *= inv;
  }
  return { rows: parts[0].rows, dim, data };
}

async function main(): Promise<void> {
  const { tf, backend } = await initTf({ backend: 'wasm' });
  const dataset = loadDataset(resolve(args.data));
  const postings = dataset.train.postings;
  const split = groupSplit(postings, args.seed);
  const part = (rows: number[]): Posting[] => rows.map((i) => postings[i]);
  const [train, val, test] = [part(split.train), part(split.val), part(split.test)];
  console.log(
    `backend ${backend.name}; ${train.length} train / ${val.length} val / ${test.length} test titles; config ${JSON.stringify(config)}`,
  );
  // Per evaluated epoch count: each seed's val and test embeddings.
  const embedded: { val: DenseMatrix[]; test: DenseMatrix[] }[] = [];
  for (const seed of args.seeds as number[]) {
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    // One training per evaluated epoch count, each resuming from the previous one's checkpoint.
    const dir = mkdtempSync(join(tmpdir(), 'text-encoder-bench-'));
    try {
      for (let e = 0, epochs = args.evalEvery; epochs <= args.epochs; e++, epochs += args.evalEvery) {
        const { encoder, losses } = await trainTitleEncoder(
          tf,
          train.map((p) => p.title),
          train.map((p) => p.labelGroup as string),
          { ...config, epochs },
          { seed, checkpointDir: dir, checkpointKey: 'bench', resume: true, log: (m) => console.error(m) },
        );
        const used = process.cpuUsage(cpu);
        const trained = `${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s wall, ${((used.user + used.system) / 1e6).toFixed(1)} s CPU since start`;
        embedded[e] ??= { val: [], test: [] };
        embedded[e].val.push(
          embedTitles(
            tf,
            encoder,
            val.map((p) => p.title),
          ),
        );
        if (args.test)
          embedded[e].test.push(
            embedTitles(
              tf,
              encoder,
              test.map((p) => p.title),
            ),
          );
        const v = await scores(tf, average(embedded[e].val), val);
        for (const unseenScale of args.alsoUnseen ? (args.unseenScales as number[]) : []) {
          const other = { ...encoder, config: { ...encoder.config, unseen: args.alsoUnseen as 'drop' | 'random', unseenScale } };
          const o = await scores(
            tf,
            embedTitles(
              tf,
              other,
              val.map((p) => p.title),
            ),
            val,
          );
          console.log(
            `seed ${seed} epochs ${epochs}, unseen n-grams ${args.alsoUnseen} (scale ${unseenScale}): val F1 ${bestThreshold(o.plain).f1.toFixed(4)} at ${bestThreshold(o.plain).threshold}, min2 ${bestThreshold(o.min2).f1.toFixed(4)} (this seed alone)`,
          );
        }
        console.log(
          `seed ${seed} epochs ${epochs}: loss ${losses.map((l) => l.toFixed(3)).join(' ')}; val F1 ${bestThreshold(v.plain).f1.toFixed(4)} at ${bestThreshold(v.plain).threshold}, min2 ${bestThreshold(v.min2).f1.toFixed(4)} (seeds so far averaged); ${trained}; load ${loadavg()[0].toFixed(2)}`,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (!args.test) return;
  // Test figures at the epoch count and thresholds chosen on val (plain and min2 separately).
  const summary = await Promise.all(embedded.map(async (e) => ({ v: await scores(tf, average(e.val), val), e })));
  for (const kind of ['plain', 'min2'] as const) {
    const best = summary.reduce((a, b) => (bestThreshold(b.v[kind]).f1 > bestThreshold(a.v[kind]).f1 ? b : a));
    const at = bestThreshold(best.v[kind]);
    const t = await scores(tf, average(best.e.test), test);
    const f1 = (t[kind].find((p) => p.threshold === at.threshold) as (typeof t.plain)[number]).f1;
    console.log(
      `${kind}: val-chosen epochs ${(summary.indexOf(best) + 1) * args.evalEvery}, threshold ${at.threshold}: val F1 ${at.f1.toFixed(4)}, test F1 ${f1.toFixed(4)}`,
    );
  }
}

main().catch((error: Error) => {
  console.error(`split-eval: ${error.message}`);
  process.exit(1);
});
