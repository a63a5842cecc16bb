// The rerank benchmark (issue 18): on the real train.csv's seed-42 group split, fused-text-nb's channels
// built from the lower-level packages, each pair model fitted on the train split's candidate pairs, its
// decision (symmetrisation, smoothing, cut) chosen on val, test F1 against the tuned union + min2
// baseline with a group-bootstrap 95% interval of the paired gain; then the fit timed on all 27k rows.
//
//   pnpm exec tsx packages/match/bench/rerank.ts [--data ../shared/datasets/shopee] [--models a,b] [--out results/bench/rerank.json]
import { execSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { groupSplit, loadDataset } from '@prodmatch/data';
import { thresholdGrid } from '@prodmatch/metrics';
import { tuneThresholds, unionScorer } from '../src/index.ts';
import {
  candidatePairs,
  candidateRecall,
  chooseDecision,
  cutScorer,
  decisionScores,
  featureGroups,
  gbdtModel,
  logisticModel,
  mlpModel,
  pairLabels,
  pairTable,
  permutationImportance,
  sampleFitSet,
  type CandidatePairs,
  type Decision,
  type DecisionChoice,
  type PairModel,
  type PairTable,
} from '../src/rerank/index.ts';
import { benchGallery, K, rerankChannels, type BenchGallery } from './rerank-galleries.ts';
import { groupBootstrap, selectFeatures, timed } from './rerank-stats.ts';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: process.env.PRODMATCH_DATA ?? '../shared/datasets/shopee' },
    models: { type: 'string', default: 'logistic,logistic-lbfgs,logistic-tfjs,mlp,gbdt,gbdt-raw' },
    out: { type: 'string', default: 'results/bench/rerank.json' },
    'candidate-k': { type: 'string', default: String(K) },
    'negative-rate': { type: 'string', default: '0.1' },
    'skip-full': { type: 'boolean', default: false },
  },
});
const candidateK = Number(args['candidate-k']);
const negativeRate = Number(args['negative-rate']);
const log = (line: string): void => console.error(`[bench:rerank] ${line}`);
const RAW = ['word.distance', 'char.distance', 'phash.distance'];

/** The models compared; `features` restricts the table (an ablation). */
const MODELS: Record<string, { make: () => PairModel; features?: readonly string[]; label: string }> = {
  logistic: { make: () => logisticModel(), label: 'logistic regression (Newton, typed arrays)' },
  'logistic-lbfgs': { make: () => logisticModel({ solver: 'lbfgs' }), label: 'logistic regression (L-BFGS, typed arrays)' },
  'logistic-tfjs': {
    make: () => mlpModel({ hidden: [], learningRate: 0.01 }),
    label: 'logistic regression (tfjs, minibatch Adam, 8 epochs)',
  },
  mlp: { make: () => mlpModel(), label: 'MLP 64-32 (tfjs, Adam, 8 epochs)' },
  gbdt: { make: () => gbdtModel(), label: 'boosted trees (histogram GBDT, 300 trees, 31 leaves)' },
  'gbdt-raw': { make: () => gbdtModel(), features: RAW, label: 'boosted trees, only the three raw similarities' },
};

const dataset = loadDataset(resolve(args.data as string));
const postings = dataset.train.postings;
const split = groupSplit(postings, 42);
const started = { load: loadavg()[0] };
log(
  `${postings.length} postings, split ${split.train.length} / ${split.val.length} / ${split.test.length}; ${cpus().length} cpus, load ${started.load.toFixed(1)}`,
);

interface Part {
  gallery: BenchGallery;
  pairs: CandidatePairs;
  table: PairTable;
  labels: Uint8Array;
}
/** A gallery's candidate pairs (each channel's top candidateK, symmetric) and their feature table. */
function pairsAndTable(gallery: BenchGallery): { pairs: CandidatePairs; table: PairTable } {
  const channels = rerankChannels(gallery);
  const pairs = candidatePairs(
    channels.map((c) => c.lists),
    candidateK,
  );
  return { pairs, table: pairTable({ pairs, channels, titles: gallery.titles }) };
}
const parts = {} as Record<'train' | 'val' | 'test', Part>;
const build: Record<string, { channels: number; table: { wall: number; cpu: number }; pairs: number; perRow: number; recall: number }> = {};
for (const name of ['train', 'val', 'test'] as const) {
  const gallery = benchGallery(split[name].map((i) => postings[i]));
  const made = await timed(() => pairsAndTable(gallery));
  parts[name] = { gallery, ...made.value, labels: pairLabels(made.value.pairs, gallery.labels) };
  build[name] = {
    channels: gallery.seconds,
    table: { wall: made.wall, cpu: made.cpu },
    pairs: made.value.pairs.left.length,
    perRow: made.value.pairs.left.length / gallery.postings.length,
    recall: candidateRecall(made.value.pairs, gallery.labels).recall,
  };
  log(
    `${name}: channels ${gallery.seconds.toFixed(1)} s, ${build[name].pairs} candidate pairs (${build[name].perRow.toFixed(1)} per row, recall ${build[name].recall.toFixed(4)}), features ${made.wall.toFixed(1)} s wall / ${made.cpu.toFixed(1)} s cpu`,
  );
}

// The baseline: fused-text-nb's sources (blended word, char, phash), thresholds tuned jointly on val, min2.
const grids = [thresholdGrid(0.2, 0.8, 0.025), thresholdGrid(0.1, 0.7, 0.025), thresholdGrid(0, 16, 1)];
const unionOf = (g: BenchGallery) =>
  unionScorer(
    [
      { lists: g.blendLists, minMatches: 1 },
      { lists: g.charLists, minMatches: 1 },
      { lists: g.phashLists, minMatches: 1 },
    ],
    g.labels,
    { minMatches: 2 },
  );
const tuned = tuneThresholds((t) => unionOf(parts.val.gallery).score(t).f1, grids);
const baselineRows = unionOf(parts.test.gallery).rowF1(tuned.thresholds);
const baseline = {
  thresholds: { text: tuned.thresholds[0], char: tuned.thresholds[1], phash: tuned.thresholds[2] },
  f1: { val: tuned.f1, test: mean(baselineRows) },
};
log(`baseline union + min2: val ${baseline.f1.val.toFixed(4)}, test ${baseline.f1.test.toFixed(4)} at ${tuned.thresholds.join(' / ')}`);

function gitCommit(): string {
  try {
    const head = execSync('git rev-parse HEAD', { encoding: 'utf8' }).trim();
    return execSync('git status --porcelain --untracked-files=no', { encoding: 'utf8' }).trim() ? `${head}-dirty` : head;
  } catch {
    return 'unknown';
  }
}

function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}
const round = (x: number): number => Math.round(x * 1e4) / 1e4;
const tableFor = (part: Part, features?: readonly string[]): PairTable => (features ? selectFeatures(part.table, features) : part.table);

/** Test F1 of a decision and its paired gain over the baseline with a group-bootstrap interval. */
function onTest(probabilities: Float32Array, decision: Decision) {
  const scorer = cutScorer(parts.test.pairs, decisionScores(parts.test.pairs, probabilities, decision), parts.test.gallery.labels);
  const rows = scorer.rowF1(decision.cut);
  const scores = scorer.score(decision.cut);
  const ci = groupBootstrap(parts.test.gallery.labels, rows, baselineRows, 1000, 7);
  return { f1: scores.f1, precision: scores.precision, recall: scores.recall, gain: ci.gain, gainCi95: [ci.low, ci.high] };
}

const describeDecision = (d: DecisionChoice | (Decision & { f1: number })) => ({
  rule: d.rule,
  smoothing: d.smoothing,
  cut: d.cut,
  f1Val: round(d.f1),
});
const results: Record<string, unknown>[] = [];
let best: { name: string; model: PairModel; choice: DecisionChoice; val: number } | null = null;
const fitSet = sampleFitSet(parts.train.labels, { negativeRate, seed: 42 });
log(`fit set: ${fitSet.rows.length} of ${parts.train.table.pairs} train pairs (every match, ${negativeRate} of the rest, weighted back)`);
for (const name of (args.models as string).split(',')) {
  const spec = MODELS[name];
  if (!spec) throw new Error(`unknown model ${name} (${Object.keys(MODELS).join(', ')})`);
  const model = spec.make();
  const fit = await timed(() => model.fit(tableFor(parts.train, spec.features), parts.train.labels, fitSet));
  const predicted = await timed(async () => ({
    val: await model.predict(tableFor(parts.val, spec.features)),
    test: await model.predict(tableFor(parts.test, spec.features)),
  }));
  const choice = chooseDecision(parts.val.pairs, predicted.value.val, parts.val.gallery.labels);
  // The issue's plain decision (no smoothing): the best of the sweep's unsmoothed points.
  const plain = choice.sweep.filter((s) => s.lambda === 0).reduce((a, b) => (b.f1 > a.f1 + 1e-12 ? b : a));
  const plainDecision: Decision & { f1: number } = { rule: plain.rule, smoothing: { lambda: 0, passes: 0 }, cut: plain.cut, f1: plain.f1 };
  const test = onTest(predicted.value.test, choice);
  const testPlain = onTest(predicted.value.test, plainDecision);
  const row = {
    model: name,
    label: spec.label,
    features: spec.features ?? 'all',
    parameters: model.parameterCount(),
    fit: { pairs: fitSet.rows.length, wallSeconds: round(fit.wall), cpuSeconds: round(fit.cpu) },
    predictValTestSeconds: round(predicted.wall),
    describe: model.describe(),
    decision: describeDecision(choice),
    test: {
      f1: round(test.f1),
      precision: round(test.precision),
      recall: round(test.recall),
      gain: round(test.gain),
      gainCi95: test.gainCi95.map(round),
    },
    withoutSmoothing: {
      decision: describeDecision(plainDecision),
      test: { f1: round(testPlain.f1), gain: round(testPlain.gain), gainCi95: testPlain.gainCi95.map(round) },
    },
  };
  results.push(row);
  log(
    `${name}: fit ${fit.wall.toFixed(1)} s wall / ${fit.cpu.toFixed(1)} s cpu; val ${choice.f1.toFixed(4)} (${choice.rule}, lambda ${choice.smoothing.lambda} x${choice.smoothing.passes}, cut ${choice.cut}); test ${test.f1.toFixed(4)} gain ${test.gain.toFixed(4)} [${test.gainCi95.map((x) => x.toFixed(4)).join(', ')}]; without smoothing val ${plain.f1.toFixed(4)} test ${testPlain.f1.toFixed(4)}`,
  );
  if (!spec.features && (!best || choice.f1 > best.val)) best = { name, model, choice, val: choice.f1 };
}

// Permutation importance of the best model (by val F1) on val, at its chosen decision.
let importance: Record<string, unknown> | null = null;
if (best) {
  const { model, choice } = best;
  const evaluate = (p: Float32Array): number =>
    cutScorer(parts.val.pairs, decisionScores(parts.val.pairs, p, choice), parts.val.gallery.labels).score(choice.cut).f1;
  const byFamily = await permutationImportance(model, parts.val.table, featureGroups(parts.val.table, 'family'), evaluate);
  const byChannel = await permutationImportance(model, parts.val.table, featureGroups(parts.val.table, 'channel'), evaluate);
  const summary = (r: typeof byFamily) => r.groups.map((g) => ({ group: g.group, drop: round(g.drop), features: g.features.length }));
  importance = {
    model: best.name,
    on: 'val',
    metric: 'F1 at the chosen decision',
    base: round(byFamily.base),
    byFamily: summary(byFamily),
    byChannel: summary(byChannel),
  };
  log(
    `importance (${best.name}, val F1 drop): ${byFamily.groups.map((g) => `${g.group} ${g.drop.toFixed(4)}`).join(', ')} | ${byChannel.groups.map((g) => `${g.group} ${g.drop.toFixed(4)}`).join(', ')}`,
  );
}

// The time goal: fitting on all of train.csv's pairs (what `pnpm submit` will do), from channels already searched.
let full: Record<string, unknown> | null = null;
if (!args['skip-full']) {
  const gallery = benchGallery(postings);
  const features = await timed(() => pairsAndTable(gallery));
  const labels = pairLabels(features.value.pairs, gallery.labels);
  const set = sampleFitSet(labels, { negativeRate, seed: 42 });
  const fits: Record<string, { wallSeconds: number; cpuSeconds: number }> = {};
  for (const name of [...new Set(['logistic', best?.name ?? 'mlp', 'gbdt'])]) {
    const fit = await timed(() => MODELS[name].make().fit(features.value.table, labels, set));
    fits[name] = { wallSeconds: round(fit.wall), cpuSeconds: round(fit.cpu) };
    log(`all ${postings.length} rows: ${name} fit ${fit.wall.toFixed(1)} s wall / ${fit.cpu.toFixed(1)} s cpu on ${set.rows.length} pairs`);
  }
  full = {
    rows: postings.length,
    channelsSeconds: round(gallery.seconds),
    pairs: features.value.pairs.left.length,
    fitPairs: set.rows.length,
    featuresSeconds: { wall: round(features.wall), cpu: round(features.cpu) },
    fits,
  };
  log(
    `all rows: channels ${gallery.seconds.toFixed(1)} s, ${features.value.pairs.left.length} pairs, features ${features.wall.toFixed(1)} s wall / ${features.cpu.toFixed(1)} s cpu`,
  );
}

const out = resolve(args.out as string);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify(
    {
      bench: 'rerank',
      command: `pnpm exec tsx packages/match/bench/rerank.ts ${process.argv.slice(2).join(' ')}`.trim(),
      dataset: { path: args.data, rows: postings.length, groups: dataset.identity.groups, sha256: dataset.identity.sha256 },
      split: { seed: 42, train: split.train.length, val: split.val.length, test: split.test.length },
      machine: {
        cpus: cpus().length,
        loadAverageAtStart: round(started.load),
        loadAverageAtEnd: round(loadavg()[0]),
        node: process.version,
        maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      },
      candidates: { k: candidateK, channels: ['word', 'char', 'phash', 'blend'], negativeRate },
      build,
      baseline: { name: 'fused-text-nb: blended word + char + phash, thresholds tuned jointly on val, union, min2', ...baseline },
      features: parts.train.table.features.map((f) => ({ name: f.name, family: f.family })),
      models: results,
      importance,
      full,
      gitCommit: gitCommit(),
      finishedAt: new Date().toISOString(),
    },
    null,
    2,
  )}\n`,
);
log(`-> ${out}`);
