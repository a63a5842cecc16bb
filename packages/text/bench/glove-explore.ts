// GloVe sentence vectors on a Kaggle-layout CSV with protocol full (tune and score on all rows): trains GloVe
// on the titles for every combination of the listed hyperparameters and reports, for the mean (glove) and the
// IDF-weighted mean (glove-idf), the best F1 of a cosine-distance threshold sweep over the 50 nearest rows.
//   tsx packages/text/bench/glove-explore.ts [--csv ../shared/datasets/shopee/train.csv] [--tokenizer title|sklearn]
//     [--dim 100] [--window 10] [--min-count 2] [--x-max 1] [--alpha 0.75] [--epochs 25] [--lr 0.1] [--seed 1]
//     [--knn exact|hnsw] [--vectors glove.6B.100d.txt]
// Numeric options take comma-separated lists (`--dim 50,100`); every combination is run. The defaults are the best
// setting found on the Shopee titles; `--knn hnsw` is much faster on the wasm backend and was used to explore.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { readPostingsCsv } from '@prodmatch/data';
import { cosineTopK, neighboursWithin, type KnnMethod } from '@prodmatch/knn';
import { bestThreshold, thresholdGrid, thresholdSweep, type SweepPoint } from '@prodmatch/metrics';
import { cooccurrenceCounts, sentenceVectors, trainGloveOnCooccurrences, type WordVectors } from '../src/glove.ts';
import { loadGloveText } from '../src/glove-text.ts';
import { idfWeights, sklearnTokenize, tokenizeTitle } from '../src/index.ts';

const args = yargs(hideBin(process.argv))
  .options({
    csv: { type: 'string', default: '../shared/datasets/shopee/train.csv' },
    tokenizer: { type: 'string', default: 'title' },
    dim: { type: 'string', default: '100' },
    window: { type: 'string', default: '10' },
    'min-count': { type: 'string', default: '2' },
    'x-max': { type: 'string', default: '1' },
    alpha: { type: 'string', default: '0.75' },
    epochs: { type: 'string', default: '25' },
    lr: { type: 'string', default: '0.1' },
    seed: { type: 'string', default: '1' },
    knn: { type: 'string', default: 'exact' },
    vectors: { type: 'string' },
  })
  .strict()
  .parseSync();

function numbers(name: keyof typeof args): number[] {
  const list = String(args[name]).split(',').map(Number);
  if (list.some((x) => !Number.isFinite(x))) throw new Error(`--${name} takes comma-separated numbers, got '${args[name]}'`);
  return list;
}

const seconds = (since: number) => (performance.now() - since) / 1000;
if (args.tokenizer !== 'sklearn' && args.tokenizer !== 'title')
  throw new Error(`--tokenizer must be 'sklearn' or 'title', got '${args.tokenizer}'`);
if (args.knn !== 'exact' && args.knn !== 'hnsw') throw new Error(`--knn must be 'exact' or 'hnsw', got '${args.knn}'`);
const knn = args.knn as KnnMethod;

const { postings } = readPostingsCsv(args.csv!, { requireLabels: true });
const labels = postings.map((p) => p.labelGroup!);
const docs = postings.map((p) => (args.tokenizer === 'sklearn' ? sklearnTokenize(p.title) : tokenizeTitle(p.title)));
const idf = idfWeights(docs);
const idfOf = (token: string) => idf.idf[idf.vocabulary.get(token)!] ?? 0;
// Mean GloVe vectors of titles are close together, so the best thresholds are small: sweep those finely.
const grid = [...thresholdGrid(0.002, 0.1, 0.002), ...thresholdGrid(0.11, 0.99, 0.01)];
console.log(`${postings.length} titles, ${idf.terms.length} distinct ${args.tokenizer} tokens, knn ${knn}`);

async function evaluate(vectors: WordVectors): Promise<{ mean: SweepPoint; idf: SweepPoint; searchSeconds: number }> {
  const started = performance.now();
  const score = async (data: Float32Array) => {
    const matrix = { rows: docs.length, dim: vectors.dim, data };
    const lists = await cosineTopK(knn, matrix, matrix, 50, { seed: 1 });
    return bestThreshold(thresholdSweep((threshold) => neighboursWithin(lists, threshold), labels, grid));
  };
  const mean = await score(sentenceVectors(docs, vectors));
  const weighted = await score(sentenceVectors(docs, vectors, idfOf));
  return { mean, idf: weighted, searchSeconds: seconds(started) };
}

const show = (p: SweepPoint) => `${p.f1.toFixed(4)} @ ${p.threshold.toFixed(3)} (P ${p.precision.toFixed(3)} R ${p.recall.toFixed(3)})`;

if (args.vectors) {
  const started = performance.now();
  const vectors = await loadGloveText(args.vectors, { vocabulary: new Set(idf.terms) });
  const loaded = seconds(started);
  const result = await evaluate(vectors);
  console.log(
    `vectors ${args.vectors}: ${vectors.words.length} of ${idf.terms.length} tokens covered, dim ${vectors.dim}, load ${loaded.toFixed(1)}s`,
  );
  console.log(`  glove     F1 ${show(result.mean)}\n  glove-idf F1 ${show(result.idf)}  search+sweep ${result.searchSeconds.toFixed(1)}s`);
} else {
  for (const window of numbers('window')) {
    for (const minCount of numbers('min-count')) {
      const started = performance.now();
      const cooccurrences = cooccurrenceCounts(docs, { window, minCount });
      console.log(
        `window ${window} minCount ${minCount}: vocabulary ${cooccurrences.words.length}, nonzero ${cooccurrences.matrix.indices.length}, counted in ${seconds(started).toFixed(1)}s`,
      );
      for (const dim of numbers('dim'))
        for (const xMax of numbers('x-max'))
          for (const alpha of numbers('alpha'))
            for (const epochs of numbers('epochs'))
              for (const learningRate of numbers('lr'))
                for (const seed of numbers('seed')) {
                  const trainStarted = performance.now();
                  const cpuStarted = process.cpuUsage();
                  let loss = NaN;
                  const vectors = trainGloveOnCooccurrences(cooccurrences, {
                    dim,
                    xMax,
                    alpha,
                    epochs,
                    learningRate,
                    seed,
                    onEpoch: (_e, l) => (loss = l),
                  });
                  const trainSeconds = seconds(trainStarted);
                  const trainCpuSeconds = process.cpuUsage(cpuStarted).user / 1e6;
                  const result = await evaluate(vectors);
                  console.log(
                    `dim ${dim} window ${window} minCount ${minCount} xMax ${xMax} alpha ${alpha} epochs ${epochs} lr ${learningRate} seed ${seed}: ` +
                      `loss ${loss.toFixed(4)} train ${trainSeconds.toFixed(1)}s (cpu ${trainCpuSeconds.toFixed(1)}s) | glove F1 ${show(result.mean)} | glove-idf F1 ${show(result.idf)} | search+sweep ${result.searchSeconds.toFixed(1)}s`,
                  );
                }
    }
  }
}
