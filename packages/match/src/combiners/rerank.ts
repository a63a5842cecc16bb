import type { NeighbourLists } from '@prodmatch/knn';
import { thresholdGrid } from '@prodmatch/metrics';
import { asDisplay, type ChannelGallery, type CombineContext, type Combiner } from '../combiner.ts';
import {
  candidatePairs,
  candidateRecall,
  crossFitPredict,
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
  type FoldAssignment,
  type PairModel,
  type PairTable,
  type RerankChannel,
  type Smoothing,
  type Symmetrisation,
} from '../rerank/index.ts';
import { pairExplainer } from '../rerank/explain.ts';
import { unionMatcher } from '../score.ts';
import { blendedFeatures } from './blend.ts';

/** The pair models the combiner can train (docs/rerank.md compares them on the real split). */
export type RerankModel = 'logistic' | 'mlp' | 'gbdt';

export interface RerankOptions {
  model: RerankModel;
  /** Each channel's top-k taken into the candidate pairs. Default 50. */
  candidates?: number;
  /**
   * Channels whose neighbourhood-blended vectors (within this cosine distance, at most 8 neighbours, as
   * fused-text-nb) are searched again and added as one more feature channel, `<name>-blend`.
   */
  blend?: Readonly<Record<string, number>>;
  /** The distance taken for a neighbour beyond a channel's short list (phash searched within 16 bits: 17). */
  beyond?: Readonly<Record<string, number>>;
  /** Share of the negative pairs the model fits on (each weighted back by 1 / rate). Default 0.1. */
  negativeRate?: number;
  /** How p(i, j) and p(j, i) become one score, then two-hop smoothing; the cut on the result is tuned. */
  decision?: { rule: Symmetrisation; smoothing: Smoothing };
  /** Group folds when the gallery's own labels train the models (protocol full). Default 3. */
  folds?: number;
  /**
   * How protocol full deals groups to those folds: 'random', or 'candidates' (groups linked by many
   * candidate pairs share a fold, so fewer pairs fall to the cross-fold models). Default 'random'.
   */
  foldAssignment?: FoldAssignment;
}

/** The source the tuner thresholds: each row's candidates by pair distance 1 - score; the cut is 1 - threshold. */
export const RERANK_SOURCE = 'rerank';
/** Candidates kept per row in the rerank list, self included: the 50-cap never keeps more. */
const LIST_LENGTH = 50;
const BLEND_NEIGHBOURS = 8;

/** Each model's factory; the MLP trains with the run's tfjs (the others are typed-array code). */
const FACTORIES: Readonly<Record<RerankModel, (context: CombineContext) => PairModel>> = {
  logistic: () => logisticModel(),
  mlp: (context) => mlpModel({ runtime: context.tf }),
  gbdt: () => gbdtModel(),
};

/** One gallery's candidates and pair features. */
interface PairGallery {
  pairs: CandidatePairs;
  table: PairTable;
}

/** Each row: itself at distance 0, then its best-scored candidates by 1 - score (ties: lower index). */
export function pairDistanceLists(pairs: CandidatePairs, scores: Float32Array, length = LIST_LENGTH): NeighbourLists {
  const indices: Int32Array[] = [];
  const distances: Float32Array[] = [];
  for (let i = 0; i < pairs.rows; i++) {
    const start = pairs.offsets[i];
    const order = Array.from({ length: pairs.offsets[i + 1] - start }, (_, c) => start + c);
    order.sort((x, y) => scores[y] - scores[x] || pairs.right[x] - pairs.right[y]);
    const kept = order.slice(0, length - 1);
    indices.push(Int32Array.from([i, ...kept.map((p) => pairs.right[p])]));
    distances.push(Float32Array.from([0, ...kept.map((p) => 1 - scores[p])]));
  }
  return { indices, distances };
}

/**
 * A learned match decision (Shopee's top solutions' second stage): candidate pairs are the union of the
 * channels' top-k, made symmetric; each pair gets a named feature table (similarities, ranks both ways,
 * gaps to each row's own neighbours, shared neighbours, title and number facts); a pair model trained
 * on the train split's pairs scores them; scores are symmetrised and smoothed over two-hop paths; the
 * tuner sweeps the cut (as pair distance 1 - score) on val; min2 and the 50-cap follow as for a union.
 * Under protocol full the model is cross-fitted by group folds: no pair is scored by a model that saw
 * either posting's group.
 */
export function rerank(options: RerankOptions): Combiner {
  const k = options.candidates ?? 50;
  const negativeRate = options.negativeRate ?? 0.1;
  const decision = options.decision ?? { rule: 'mean', smoothing: { lambda: 0.4, passes: 2 } };
  const folds = options.folds ?? 3;
  const foldAssignment = options.foldAssignment ?? 'random';
  const blend = options.blend ?? {};
  const beyond = options.beyond ?? {};
  const factoryOf = FACTORIES[options.model];
  if (!factoryOf) throw new Error(`rerank: unknown model "${options.model}"; choose one of ${Object.keys(FACTORIES).join(', ')}`);
  if (!(negativeRate > 0 && negativeRate <= 1)) throw new Error(`rerank: negativeRate must be in (0, 1], got ${negativeRate}`);
  // With two folds the cross-fold model {0, 1} would have nothing to fit on.
  if (!(Number.isInteger(folds) && folds >= 3)) throw new Error(`rerank: folds must be an integer >= 3, got ${folds}`);
  let model: PairModel | null = null;
  const params: Record<string, unknown> = {
    model: options.model,
    candidates: { k, union: "every channel's top-k, symmetric", blend: { ...blend }, beyond: { ...beyond } },
    negativeRate,
    decision: { rule: decision.rule, smoothing: { ...decision.smoothing }, cut: '1 - thresholds.rerank (pair distance)' },
    folds: { full: folds, assignment: foldAssignment },
  };

  const rerankChannels = async (channels: readonly ChannelGallery[], context: CombineContext): Promise<RerankChannel[]> => {
    const out: RerankChannel[] = channels.map((c) => ({
      name: c.name,
      features: c.features,
      lists: c.lists,
      ...(beyond[c.name] !== undefined ? { beyond: beyond[c.name] } : {}),
    }));
    for (const [name, within] of Object.entries(blend)) {
      const channel = channels.find((c) => c.name === name) as ChannelGallery;
      const features = blendedFeatures(channel.features, channel.lists, within, BLEND_NEIGHBOURS);
      const lists = await context.search(features, channel.lists.indices[0]?.length ?? context.k);
      out.push({ name: `${name}-blend`, features, lists });
    }
    return out;
  };
  const pairGallery = async (channels: readonly ChannelGallery[], context: CombineContext): Promise<PairGallery> => {
    const features = await rerankChannels(channels, context);
    const pairs = candidatePairs(
      features.map((c) => c.lists),
      k,
    );
    const table = pairTable({ pairs, channels: features, titles: context.postings.map((p) => p.title) });
    return { pairs, table };
  };
  const describeTable = (gallery: PairGallery, labels: readonly string[] | null) => {
    params.features = gallery.table.features.map((f) => `${f.name} (${f.family})`);
    return {
      rows: gallery.pairs.rows,
      pairs: gallery.table.pairs,
      ...(labels ? { candidateRecall: candidateRecall(gallery.pairs, labels).recall } : {}),
    };
  };
  /** Permutation importance by feature family on the tuning gallery, at a cut chosen there. */
  const importance = async (gallery: PairGallery, fitted: PairModel, probabilities: Float32Array, labels: readonly string[]) => {
    const { pairs } = gallery;
    const bestCut = (p: Float32Array): { cut: number; f1: number } => {
      const scorer = cutScorer(pairs, decisionScores(pairs, p, decision), labels);
      let best = { cut: 0.5, f1: -1 };
      for (const cut of thresholdGrid(0.05, 0.95, 0.05)) {
        const { f1 } = scorer.score(cut);
        if (f1 > best.f1 + 1e-12) best = { cut, f1 };
      }
      return best;
    };
    const { cut } = bestCut(probabilities);
    const evaluate = (p: Float32Array): number => cutScorer(pairs, decisionScores(pairs, p, decision), labels).score(cut).f1;
    const result = await permutationImportance(fitted, gallery.table, featureGroups(gallery.table, 'family'), evaluate);
    const round = (x: number): number => Math.round(x * 1e4) / 1e4;
    return {
      on: 'val',
      metric: `F1 drop with the family's columns permuted together (one repeat), at cut ${cut}`,
      base: round(result.base),
      byFamily: Object.fromEntries(result.groups.map((g) => [g.group, round(g.drop)])),
    };
  };

  return {
    name: `rerank (${options.model})`,
    params,
    sources(channels) {
      for (const name of [...Object.keys(blend), ...Object.keys(beyond)]) {
        const channel = channels.find((c) => c.name === name);
        if (!channel) throw new Error(`rerank: no channel "${name}" (channels: ${channels.map((c) => c.name).join(', ')})`);
        if (name in blend && channel.unit !== 'cosine distance')
          throw new Error(`rerank: channel "${name}" measures ${channel.unit}; only embeddings (cosine) can be blended`);
      }
      return [{ name: RERANK_SOURCE, unit: 'pair distance' }];
    },
    async fit(channels, labels, context) {
      const gallery = await pairGallery(channels, context);
      const train = describeTable(gallery, labels);
      const y = pairLabels(gallery.pairs, labels);
      const set = sampleFitSet(y, { negativeRate, seed: 42 });
      model = factoryOf(context);
      await model.fit(gallery.table, y, set);
      // No fit times here: params are compared to decide whether a row changed (results/write-row.ts), and
      // a time differs on every run; the fit is inside the row's timings.train.
      params.fitted = {
        train: { ...train, fitPairs: set.rows.length },
        parameters: model.parameterCount(),
        describe: model.describe(),
      };
    },
    async combine(channels, context) {
      const gallery = await pairGallery(channels, context);
      let probabilities: Float32Array;
      if (context.crossFit) {
        const { labels, seed } = context.crossFit;
        const crossFitted = await crossFitPredict(
          () => factoryOf(context),
          gallery.table,
          gallery.pairs,
          pairLabels(gallery.pairs, labels),
          labels,
          {
            folds,
            seed,
            negativeRate,
            assignment: foldAssignment,
          },
        );
        probabilities = crossFitted.probabilities;
        params.crossFitted = {
          ...describeTable(gallery, labels),
          folds,
          models: crossFitted.slots,
          crossFoldPairs: Number(crossFitted.crossFoldShare.toFixed(4)),
        };
      } else {
        if (!model) throw new Error('rerank: combine before fit; the runner fits a learning combiner on the train groups first');
        probabilities = await model.predict(gallery.table);
        if (context.measure) {
          describeTable(gallery, null);
          params.importance = await importance(gallery, model, probabilities, context.measure.labels);
        }
      }
      const scores = decisionScores(gallery.pairs, probabilities, decision);
      const matcher = unionMatcher([
        {
          name: RERANK_SOURCE,
          lists: pairDistanceLists(gallery.pairs, scores),
          unit: 'pair distance',
          grid: thresholdGrid(0.01, 0.99, 0.01),
          minMatches: 1,
          source: true,
        },
        ...channels.map(asDisplay),
      ]);
      // Under full each pair's model is one of several: no single linear account exists.
      return { ...matcher, explain: pairExplainer(gallery.table, gallery.pairs, scores, context.crossFit ? null : model) };
    },
  };
}
