import { seededRandom } from '@prodmatch/data';
import type { CsrMatrix } from '@prodmatch/knn';

/** A vocabulary with one dense vector per word: `vectors[i * dim + k]` belongs to `words[i]`. */
export interface WordVectors {
  words: string[];
  index: Map<string, number>;
  dim: number;
  vectors: Float32Array;
}

/** Distance-weighted co-occurrence counts over a vocabulary, most frequent word first. */
export interface Cooccurrences {
  words: string[];
  index: Map<string, number>;
  /** How often each vocabulary word occurs in the corpus. */
  wordCounts: Int32Array;
  /** X[i][j] = sum over occurrences of word j within `window` tokens of word i of 1 / distance. */
  matrix: CsrMatrix;
}

export interface CooccurrenceOptions {
  window: number;
  /** Words seen fewer times than this are dropped before windowing, as in the reference GloVe tools. */
  minCount: number;
  /** Count context on both sides (default true); false counts only the words to the left of the focus word. */
  symmetric?: boolean;
}

export interface GloveOptions {
  dim: number;
  window: number;
  minCount: number;
  /** Co-occurrence count at which the weight f(x) = (x / xMax)^alpha reaches 1. */
  xMax: number;
  alpha: number;
  epochs: number;
  /** AdaGrad initial learning rate (the reference implementation uses 0.05). */
  learningRate: number;
  seed: number;
  /** Called after every epoch with the mean over nonzero X_ij of ½ f(X_ij)(w_i·w̃_j + b_i + b̃_j − log X_ij)². */
  onEpoch?: (epoch: number, loss: number) => void;
}

export type GloveFitOptions = Omit<GloveOptions, 'window' | 'minCount'>;

/** Words with at least `minCount` occurrences, ordered by count (descending) then alphabetically, so ids are
 *  deterministic. */
function buildVocabulary(docs: readonly (readonly string[])[], minCount: number): { words: string[]; counts: Int32Array } {
  const counts = new Map<string, number>();
  for (const doc of docs) for (const token of doc) counts.set(token, (counts.get(token) ?? 0) + 1);
  const kept = [...counts].filter(([, count]) => count >= minCount);
  kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { words: kept.map(([word]) => word), counts: Int32Array.from(kept, ([, count]) => count) };
}

function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new Error(`GloVe option ${name} must be a positive integer, got ${value}`);
}

/**
 * Sparse co-occurrence matrix of a tokenised corpus. Each document is its own context: windows never cross
 * document boundaries. Out-of-vocabulary tokens are removed before windowing (so the words either side of
 * one become neighbours), matching the reference `cooccur` tool.
 */
export function cooccurrenceCounts(docs: readonly (readonly string[])[], opts: CooccurrenceOptions): Cooccurrences {
  checkPositiveInteger('window', opts.window);
  checkPositiveInteger('minCount', opts.minCount);
  const symmetric = opts.symmetric ?? true;
  const window = opts.window;
  const { words, counts } = buildVocabulary(docs, opts.minCount);
  const index = new Map(words.map((word, i) => [word, i]));
  const vocabSize = words.length;

  const idDocs: Int32Array[] = [];
  let pairCount = 0;
  for (const doc of docs) {
    const ids: number[] = [];
    for (const token of doc) {
      const id = index.get(token);
      if (id !== undefined) ids.push(id);
    }
    for (let p = 1; p < ids.length; p++) pairCount += Math.min(p, window);
    idDocs.push(Int32Array.from(ids));
  }
  if (symmetric) pairCount *= 2;

  // Every (row, col, distance) occurrence becomes one float64 key; a native numeric sort then groups equal
  // cells together, which is far faster than a Map over millions of pairs. Keys stay below 2^53 for any
  // vocabulary under ~10^7 words at window 10.
  if (vocabSize * vocabSize * window >= Number.MAX_SAFE_INTEGER) {
    throw new Error(`vocabulary of ${vocabSize} words is too large for co-occurrence counting; raise minCount`);
  }
  const keys = new Float64Array(pairCount);
  let n = 0;
  for (const ids of idDocs) {
    for (let p = 1; p < ids.length; p++) {
      const focus = ids[p];
      const start = Math.max(0, p - window);
      for (let q = start; q < p; q++) {
        const context = ids[q];
        const distanceSlot = p - q - 1;
        keys[n++] = (context * vocabSize + focus) * window + distanceSlot;
        if (symmetric) keys[n++] = (focus * vocabSize + context) * window + distanceSlot;
      }
    }
  }
  keys.sort();

  const indptr = new Int32Array(vocabSize + 1);
  const indices = new Int32Array(n);
  const values = new Float64Array(n);
  let cells = 0;
  let previousCell = -1;
  for (let k = 0; k < n; k++) {
    const key = keys[k];
    const cell = Math.floor(key / window);
    const weight = 1 / (key - cell * window + 1);
    if (cell === previousCell) {
      values[cells - 1] += weight;
    } else {
      const row = Math.floor(cell / vocabSize);
      indptr[row + 1]++;
      indices[cells] = cell - row * vocabSize;
      values[cells++] = weight;
      previousCell = cell;
    }
  }
  for (let row = 0; row < vocabSize; row++) indptr[row + 1] += indptr[row];

  return {
    words,
    index,
    wordCounts: counts,
    matrix: {
      rows: vocabSize,
      cols: vocabSize,
      indptr,
      indices: indices.slice(0, cells),
      values: Float32Array.from(values.subarray(0, cells)),
    },
  };
}

/**
 * Fits GloVe (Pennington et al. 2014) to a co-occurrence matrix: minimises
 * J = Σ_ij f(X_ij)(w_i·w̃_j + b_i + b̃_j − log X_ij)², f(x) = min(1, (x/xMax)^alpha), by AdaGrad over the
 * nonzero cells visited in a fresh seeded shuffle each epoch, and returns W + W̃ like the reference `glove -model 2`.
 */
export function trainGloveOnCooccurrences(cooccurrences: Cooccurrences, opts: GloveFitOptions): WordVectors {
  checkPositiveInteger('dim', opts.dim);
  if (!Number.isInteger(opts.epochs) || opts.epochs < 0)
    throw new Error(`GloVe option epochs must be a non-negative integer, got ${opts.epochs}`);
  if (!(opts.xMax > 0)) throw new Error(`GloVe option xMax must be positive, got ${opts.xMax}`);
  if (!(opts.learningRate > 0)) throw new Error(`GloVe option learningRate must be positive, got ${opts.learningRate}`);
  const { dim } = opts;
  const { words, index, matrix } = cooccurrences;
  const vocabSize = words.length;
  const nonzero = matrix.indices.length;

  const rowOf = new Int32Array(nonzero);
  for (let row = 0; row < vocabSize; row++) rowOf.fill(row, matrix.indptr[row], matrix.indptr[row + 1]);
  const logX = new Float64Array(nonzero);
  const weightX = new Float64Array(nonzero);
  for (let e = 0; e < nonzero; e++) {
    const x = matrix.values[e];
    logX[e] = Math.log(x);
    weightX[e] = x >= opts.xMax ? 1 : (x / opts.xMax) ** opts.alpha;
  }

  // Each word's parameters live in one contiguous row: its vector interleaved with the AdaGrad sums of squared
  // gradients, then its bias and the bias's sum (stride 2 * (dim + 1)). A training step touches only two rows,
  // which keeps the random access cache-friendly. Float64 because JS arithmetic is double anyway.
  const stride = 2 * (dim + 1);
  const random = seededRandom(opts.seed);
  const initialise = () => {
    const rows = new Float64Array(vocabSize * stride);
    for (let row = 0; row < vocabSize; row++) {
      for (let k = 0; k <= dim; k++) {
        rows[row * stride + 2 * k] = (random() - 0.5) / dim;
        // Sums start at 1 as in the reference code, so the first steps are exactly learningRate.
        rows[row * stride + 2 * k + 1] = 1;
      }
    }
    return rows;
  };
  const model: GloveModel = { dim, stride, word: initialise(), context: initialise() };
  const cells: GloveCells = { rowOf, colOf: matrix.indices, logX, weightX };

  const order = new Int32Array(nonzero);
  for (let e = 0; e < nonzero; e++) order[e] = e;
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    for (let e = nonzero - 1; e > 0; e--) {
      const swap = Math.floor(random() * (e + 1));
      const held = order[e];
      order[e] = order[swap];
      order[swap] = held;
    }
    const meanLoss = nonzero > 0 ? adagradEpoch(model, cells, order, opts.learningRate) / nonzero : 0;
    if (!Number.isFinite(meanLoss)) {
      throw new Error(`GloVe training diverged at epoch ${epoch} (loss ${meanLoss}); lower learningRate (now ${opts.learningRate})`);
    }
    opts.onEpoch?.(epoch, meanLoss);
  }

  const vectors = new Float32Array(vocabSize * dim);
  for (let row = 0; row < vocabSize; row++) {
    for (let k = 0; k < dim; k++) vectors[row * dim + k] = model.word[row * stride + 2 * k] + model.context[row * stride + 2 * k];
  }
  return { words, index, dim, vectors };
}

interface GloveModel {
  dim: number;
  stride: number;
  word: Float64Array;
  context: Float64Array;
}

interface GloveCells {
  rowOf: Int32Array;
  colOf: Int32Array;
  logX: Float64Array;
  weightX: Float64Array;
}

/** One AdaGrad pass over the cells in `order`; returns the summed ½ f(X)(w·w̃ + b + b̃ − log X)² seen on the way.
 *  Its own function so V8 optimises the hot loop as a whole rather than by on-stack replacement. */
function adagradEpoch(model: GloveModel, cells: GloveCells, order: Int32Array, eta: number): number {
  const { dim, stride, word, context } = model;
  const { rowOf, colOf, logX, weightX } = cells;
  const biasAt = 2 * dim;
  let loss = 0;
  for (let visit = 0; visit < order.length; visit++) {
    const e = order[visit];
    const wi = rowOf[e] * stride;
    const cj = colOf[e] * stride;
    let dot = 0;
    for (let k = 0; k < biasAt; k += 2) dot += word[wi + k] * context[cj + k];
    const diff = dot + word[wi + biasAt] + context[cj + biasAt] - logX[e];
    const weightedDiff = weightX[e] * diff;
    loss += 0.5 * weightedDiff * diff;
    const step = eta * weightedDiff;
    for (let k = 0; k < biasAt; k += 2) {
      const gradWord = step * context[cj + k];
      const gradContext = step * word[wi + k];
      word[wi + k] -= gradWord / Math.sqrt(word[wi + k + 1]);
      context[cj + k] -= gradContext / Math.sqrt(context[cj + k + 1]);
      word[wi + k + 1] += gradWord * gradWord;
      context[cj + k + 1] += gradContext * gradContext;
    }
    word[wi + biasAt] -= step / Math.sqrt(word[wi + biasAt + 1]);
    context[cj + biasAt] -= step / Math.sqrt(context[cj + biasAt + 1]);
    word[wi + biasAt + 1] += step * step;
    context[cj + biasAt + 1] += step * step;
  }
  return loss;
}

/** Counts co-occurrences in `docs` (symmetric window) and fits GloVe vectors to them. */
export function trainGlove(docs: readonly (readonly string[])[], opts: GloveOptions): WordVectors {
  const cooccurrences = cooccurrenceCounts(docs, { window: opts.window, minCount: opts.minCount, symmetric: true });
  return trainGloveOnCooccurrences(cooccurrences, opts);
}

/**
 * One l2-normalised row per document: the mean of its known words' vectors, or with `weight` the weighted mean
 * (e.g. IDF). Unknown tokens are skipped. A document with no known word (or only zero-weight words) gets an
 * all-zero row, which has no defined cosine: callers searching by cosine should treat such rows as matching
 * nothing but themselves.
 */
export function sentenceVectors(
  docs: readonly (readonly string[])[],
  vectors: WordVectors,
  weight?: (token: string) => number,
): Float32Array {
  const { dim, index } = vectors;
  const out = new Float32Array(docs.length * dim);
  const sum = new Float64Array(dim);
  for (let d = 0; d < docs.length; d++) {
    sum.fill(0);
    for (const token of docs[d]) {
      const id = index.get(token);
      if (id === undefined) continue;
      const w = weight ? weight(token) : 1;
      if (!Number.isFinite(w)) throw new Error(`sentence vector weight for token '${token}' is ${w}; weights must be finite`);
      const offset = id * dim;
      for (let k = 0; k < dim; k++) sum[k] += w * vectors.vectors[offset + k];
    }
    // The mean and the sum point the same way, so normalising the sum gives the normalised mean directly.
    let norm = 0;
    for (let k = 0; k < dim; k++) norm += sum[k] * sum[k];
    if (norm === 0) continue;
    const scale = 1 / Math.sqrt(norm);
    const offset = d * dim;
    for (let k = 0; k < dim; k++) out[offset + k] = sum[k] * scale;
  }
  return out;
}
