// One experiment's gallery-size measurement (pnpm bench:gallery-size): thresholds tuned on dev galleries
// of several sizes, every tuned set (and the split row's) scored on an independent gallery of every size,
// and for each held-out size the fitted curve's thresholds against the split row's, paired.
import { groupSplit, type Posting } from '@prodmatch/data';
import { embedGallery, seconds } from '@prodmatch/match/channel';
import { evaluateGallery, type EvaluatedGallery } from '@prodmatch/match/evaluate';
import { tuneThresholds } from '@prodmatch/match/tune';
import { pairedGroupBootstrap } from '@prodmatch/metrics';
import type { GallerySizeCell, GallerySizeExperiment, GallerySizeHeldOut, GallerySizeTuned } from '@prodmatch/results';
import { drawSeed, groupSample, thresholdsForSize } from './gallery-size.ts';
import { fitExperiment, type PreparedExperiment } from './prepare.ts';

export interface GallerySizeOptions {
  /** Gallery sizes in rows (a size at or over the pool's rows means the whole pool). */
  sizes: readonly number[];
  /** Sizes left out of the fit, one at a time, to measure the fitted thresholds on (also tuned and scored). */
  heldOut: readonly number[];
  /** Tuning galleries are drawn with this seed, scoring galleries with seed + 1. */
  seed: number;
  /** The split row's thresholds (one per source, in order) and its val gallery's rows; null without a row. */
  splitRow: { values: number[]; valRows: number } | null;
  resamples?: number;
  /**
   * Tune and score on two disjoint halves of the pool's groups (drawn with the seed), so that no scoring
   * gallery shares a posting with any gallery the thresholds were tuned or fitted on; sizes stop at a half.
   */
  disjoint?: boolean;
}

const named = (names: readonly string[], values: readonly number[]): Record<string, number> =>
  Object.fromEntries(names.map((n, i) => [n, values[i]]));

/**
 * Measures one prepared experiment. An experiment that fits nothing draws its galleries from all rows; one
 * that learns is fitted on the split's train groups (run.seed) and draws from the val and test groups only,
 * so that no gallery holds a posting the model trained on.
 */
export async function measureGallerySizes(prepared: PreparedExperiment, options: GallerySizeOptions): Promise<GallerySizeExperiment> {
  const started = process.hrtime.bigint();
  const { channels, combiner, context, sources, log, dataset, run } = prepared;
  const timings = { embed: 0, search: 0 };
  const all = dataset.train.postings;
  const fitsNothing = !combiner.fit && channels.every((c) => !c.feature.extractor.fit);
  let pool: readonly Posting[] = all;
  if (!fitsNothing) {
    const split = groupSplit(all, run.seed);
    await fitExperiment(
      prepared,
      split.train.map((i) => all[i]),
      timings,
    );
    pool = [...split.val, ...split.test].sort((a, b) => a - b).map((i) => all[i]);
  }
  const poolGroups = new Set(pool.map((p) => p.labelGroup)).size;
  const half = options.disjoint ? new Set(groupSample(pool, Math.floor(pool.length / 2), drawSeed(options.seed, 0))) : null;
  const tunePool = half ? pool.filter((_, i) => half.has(i)) : pool;
  const scorePool = half ? pool.filter((_, i) => !half.has(i)) : pool;
  const clamp = (size: number): number => Math.min(size, tunePool.length, scorePool.length);
  const sizes = [...new Set([...options.sizes, ...options.heldOut].map(clamp))].sort((a, b) => a - b);
  const heldOut = new Set(options.heldOut.map(clamp));
  const names = sources.map((s) => s.name);

  const evaluate = async (size: number, seed: number, role: 'tune' | 'score'): Promise<EvaluatedGallery> => {
    const from = role === 'tune' ? tunePool : scorePool;
    const gallery = groupSample(from, size, drawSeed(seed, size)).map((i) => from[i]);
    const { matcher } = await embedGallery(channels, combiner, gallery, context, timings, `${role} ${gallery.length}`);
    return evaluateGallery(matcher, gallery, { minMatches: prepared.minMatches }, null);
  };

  const tuned: GallerySizeTuned[] = [];
  let grids: number[][] = [];
  for (const size of sizes) {
    const gallery = await evaluate(size, options.seed, 'tune');
    grids = gallery.grids;
    const best = tuneThresholds((t) => gallery.score(t).f1, gallery.grids);
    tuned.push({ size, rows: gallery.rows, thresholds: named(names, best.thresholds), f1: best.f1 });
    log(
      `tuned on ${gallery.rows} rows: ${names.map((n, i) => `${n}=${best.thresholds[i]}`).join(' ')} (F1 ${best.f1.toFixed(4)} in sample)`,
    );
  }
  const entry = { experiment: prepared.spec.name, sources: sources.map((s, i) => ({ name: s.name, unit: s.unit, grid: grids[i] })), tuned };

  const cells: GallerySizeCell[] = [];
  const held: GallerySizeHeldOut[] = [];
  for (const size of sizes) {
    const gallery = await evaluate(size, options.seed + 1, 'score');
    const sets = [
      ...(options.splitRow ? [{ tunedSize: 0, values: options.splitRow.values }] : []),
      ...tuned.map((t) => ({ tunedSize: t.size, values: names.map((n) => t.thresholds[n]) })),
    ];
    for (const set of sets)
      cells.push({ tunedSize: set.tunedSize, scoredSize: size, scoredRows: gallery.rows, f1: gallery.score(set.values).f1 });
    log(
      `scored on ${gallery.rows} rows: ${sets.map((s) => `${s.tunedSize === 0 ? 'split row' : s.tunedSize} ${gallery.score(s.values).f1.toFixed(4)}`).join(', ')}`,
    );
    if (!heldOut.has(size) || !options.splitRow) continue;
    const fitted = thresholdsForSize(entry, names, gallery.rows, (t) => t.size !== size);
    const here = tuned.find((t) => t.size === size) as GallerySizeTuned;
    const hereValues = names.map((n) => here.thresholds[n]);
    const groups = gallery.postings.map((p) => p.labelGroup as string);
    const gain = pairedGroupBootstrap(gallery.rowF1(fitted.values), gallery.rowF1(options.splitRow.values), groups, {
      seed: options.seed,
      resamples: options.resamples,
    });
    held.push({
      size,
      rows: gallery.rows,
      fitSizes: tuned.filter((t) => t.size !== size).map((t) => t.size),
      fitted: { thresholds: named(names, fitted.values), f1: gallery.score(fitted.values).f1 },
      splitRow: { thresholds: named(names, options.splitRow.values), f1: gallery.score(options.splitRow.values).f1 },
      tunedHere: { thresholds: here.thresholds, f1: gallery.score(hereValues).f1 },
      gain: {
        difference: gain.difference,
        low: gain.low,
        high: gain.high,
        pGreater: gain.pGreater,
        resamples: gain.resamples,
        seed: gain.seed,
      },
    });
    log(
      `held out ${gallery.rows} rows: fitted ${fitted.values.join(' ')} vs split row: ${gain.difference >= 0 ? '+' : ''}${gain.difference.toFixed(4)} [${gain.low.toFixed(4)}, ${gain.high.toFixed(4)}]`,
    );
  }
  return {
    ...entry,
    pool: {
      rows: pool.length,
      groups: poolGroups,
      what:
        (fitsNothing
          ? 'all rows (the experiment fits nothing)'
          : `the val and test groups of the split (seed ${run.seed}); fitted on its train groups`) +
        (half ? `; tuned on one half of its groups (${tunePool.length} rows), scored on the other (${scorePool.length} rows)` : ''),
    },
    splitRow: options.splitRow ? { thresholds: named(names, options.splitRow.values), valRows: options.splitRow.valRows } : null,
    cells,
    heldOut: held,
    seconds: seconds(started),
  };
}
