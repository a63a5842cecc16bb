// The evaluation protocols, each from a prepared experiment to what the row and the predictions file are
// made of: split (train / val / test groups), full (everything on all rows, the seeds' way), fixed
// (--threshold, no tuning) and cv (group k-fold, thresholds tuned on all out-of-fold predictions).
import { groupFolds, groupSplit, type Posting } from '@prodmatch/data';
import type { CvFold, CvSummary } from '@prodmatch/results';
import { embedGallery, seconds } from '@prodmatch/match/channel';
import type { GalleryMatcher, MatchList } from '@prodmatch/match/combiner';
import { evaluateGallery, type EvaluatedGallery } from '@prodmatch/match/evaluate';
import { tuneThresholds } from '@prodmatch/match/tune';
import { fitExperiment, type PreparedExperiment } from './prepare.ts';
import type { RunOutcome } from './row.ts';

export const DEFAULT_FOLDS = 5;

type Timings = RunOutcome['timings'];

/** Embeds, searches and combines one gallery, ready to score at any thresholds. */
async function evaluate(
  prepared: PreparedExperiment,
  gallery: Posting[],
  label: string,
  timings: Timings,
  crossFit: boolean,
): Promise<EvaluatedGallery> {
  const { channels, combiner, context, run, fixed } = prepared;
  // Under full the gallery is also the training data: a learning combiner cross-fits on it.
  const fit = crossFit ? { labels: gallery.map((p) => p.labelGroup as string), seed: run.seed } : undefined;
  const { matcher } = await embedGallery(channels, combiner, gallery, context, timings, label, fit);
  return evaluateGallery(matcher, gallery, { minMatches: prepared.minMatches }, fixed);
}

/** The sources' thresholds tuned on `tuning` (or the fixed ones), logged. */
function choose(prepared: PreparedExperiment, tuning: EvaluatedGallery, on: string, timings: Timings): number[] {
  const { fixed, sources, log } = prepared;
  if (fixed !== null) return fixed;
  const t = process.hrtime.bigint();
  const tuned = tuneThresholds((th) => tuning.score(th).f1, tuning.grids);
  timings.search += seconds(t);
  log(
    `tuned ${sources.length} threshold(s) on ${on} by ${tuned.method} (${tuned.evaluations} evaluations): ${sources.map((s, i) => `${s.name}=${tuned.thresholds[i]}`).join(' ')}`,
  );
  return tuned.thresholds;
}

/** split, full or fixed: fit on the train groups (all rows under full), tune on val (all rows), report test (all rows). */
export async function runSplitOrFull(prepared: PreparedExperiment, timings: Timings): Promise<RunOutcome> {
  const postings = prepared.dataset.train.postings;
  const split = prepared.run.protocol === 'split' ? groupSplit(postings, prepared.run.seed) : null;
  const rows = (indices: number[]): Posting[] => indices.map((i) => postings[i]);
  const t = process.hrtime.bigint();
  await fitExperiment(prepared, split ? rows(split.train) : postings, timings, split !== null);
  timings.train += seconds(t);
  const tuning = await evaluate(prepared, split ? rows(split.val) : postings, split ? 'val' : 'all rows', timings, !split);
  const reported = split ? await evaluate(prepared, rows(split.test), 'test', timings, false) : tuning;
  const chosen = choose(prepared, tuning, split ? 'val' : 'all rows', timings);
  return {
    protocol: prepared.fixed !== null ? 'fixed' : split ? 'split' : 'full',
    tuning,
    reported,
    split: split !== null,
    chosen,
    timings,
  };
}

/**
 * One gallery made of several (the folds' test galleries, which share no group): postings in fold order,
 * every list's indices moved by its fold's offset. Since a posting's truth set is its group and groups
 * stay inside one fold, scoring the pooled gallery scores each posting exactly as its fold did.
 */
export function pooledMatcher(parts: readonly EvaluatedGallery[]): GalleryMatcher {
  const offsets = parts.map((_, f) => parts.slice(0, f).reduce((n, p) => n + p.rows, 0));
  const shift = <T extends ArrayLike<number>>(lists: readonly T[], by: number): Int32Array[] =>
    lists.map((list) => Int32Array.from(list, (j) => j + by));
  const lists: MatchList[] = parts[0].matcher.lists.map((first, l) => ({
    ...first,
    lists: {
      indices: parts.flatMap((p, f) => shift(p.matcher.lists[l].lists.indices, offsets[f])),
      distances: parts.flatMap((p) => p.matcher.lists[l].lists.distances),
    },
  }));
  return {
    lists,
    recomputable: parts.every((p) => p.matcher.recomputable),
    matches: (thresholds, post) => parts.flatMap((p, f) => shift(p.matcher.matches(thresholds, post), offsets[f])),
    scorer(labels, post) {
      const scorers = parts.map((p, f) => p.matcher.scorer(labels.slice(offsets[f], offsets[f] + p.rows), post));
      const total = labels.length;
      return {
        score(thresholds) {
          const scores = scorers.map((s) => s.score(thresholds));
          const weighted = (key: 'f1' | 'precision' | 'recall'): number =>
            scores.reduce((sum, s, f) => sum + s[key] * parts[f].rows, 0) / total;
          return { f1: weighted('f1'), precision: weighted('precision'), recall: weighted('recall') };
        },
        rowF1(thresholds) {
          const out = new Float64Array(total);
          scorers.forEach((s, f) => out.set(s.rowF1(thresholds), offsets[f]));
          return out;
        },
      };
    },
  };
}

const mean = (values: readonly number[]): number => values.reduce((s, v) => s + v, 0) / values.length;
const sd = (values: readonly number[]): number =>
  values.length < 2 ? 0 : Math.sqrt(values.reduce((s, v) => s + (v - mean(values)) ** 2, 0) / (values.length - 1));

/**
 * Group k-fold. Fold f is tested on its own groups, tuned on the next fold (val) and trained on the other
 * k - 2 (with 5 folds: 60 / 20 / 20, as split). The row's F1 is the pooled out-of-fold F1: every posting
 * scored once, out of fold, at thresholds tuned on all out-of-fold predictions (the Kaggle recipe); the
 * folds' own F1 (each at its val-tuned thresholds) give the mean and standard deviation. An experiment
 * that fits nothing embeds each fold's gallery once: its val gallery is the next fold's test gallery.
 */
export async function runCv(prepared: PreparedExperiment, timings: Timings): Promise<RunOutcome> {
  const { run, dataset, sources, log, channels, combiner } = prepared;
  const postings = dataset.train.postings;
  const k = run.folds ?? DEFAULT_FOLDS;
  const folds = groupFolds(postings, run.seed, k);
  const rows = (indices: number[]): Posting[] => indices.map((i) => postings[i]);
  const fitsNothing = !combiner.fit && channels.every((c) => !c.feature.extractor.fit);
  const cache = new Map<number, EvaluatedGallery>();
  const galleryOf = async (f: number, role: string): Promise<EvaluatedGallery> => {
    const hit = cache.get(f);
    if (hit) return hit;
    const evaluated = await evaluate(prepared, rows(folds[f]), `fold ${f + 1} ${role}`, timings, false);
    if (fitsNothing) cache.set(f, evaluated);
    return evaluated;
  };
  const perFold: CvFold[] = [];
  const tested: EvaluatedGallery[] = [];
  for (let f = 0; f < k; f++) {
    const v = (f + 1) % k;
    if (!fitsNothing) {
      const t = process.hrtime.bigint();
      await fitExperiment(prepared, rows(folds.flatMap((indices, g) => (g === f || g === v ? [] : indices))), timings);
      timings.train += seconds(t);
    }
    const val = await galleryOf(v, 'val');
    const test = await galleryOf(f, 'test');
    const chosen = choose(prepared, val, `fold ${f + 1}'s val (fold ${v + 1})`, timings);
    const fold: CvFold = {
      fold: f + 1,
      rows: test.rows,
      groups: new Set(test.postings.map((p) => p.labelGroup)).size,
      thresholds: Object.fromEntries(sources.map((s, i) => [s.name, chosen[i]])),
      f1: { val: val.score(chosen).f1, test: test.score(chosen).f1 },
    };
    log(
      `fold ${fold.fold}/${k}: ${fold.rows} test postings in ${fold.groups} groups; F1 val ${fold.f1.val.toFixed(4)} test ${fold.f1.test.toFixed(4)}`,
    );
    perFold.push(fold);
    tested.push(test);
  }
  const pooled = evaluateGallery(
    pooledMatcher(tested),
    tested.flatMap((g) => [...g.postings]),
    { minMatches: prepared.minMatches },
    null,
  );
  const chosen = choose(prepared, pooled, `all ${pooled.rows} out-of-fold postings`, timings);
  const tests = perFold.map((f) => f.f1.test);
  const cv: CvSummary = {
    folds: k,
    perFold,
    mean: mean(tests),
    sd: sd(tests),
    pooled: { f1: pooled.score(chosen).f1, thresholds: Object.fromEntries(sources.map((s, i) => [s.name, chosen[i]])) },
  };
  log(
    `cv: folds' test F1 ${cv.mean.toFixed(4)} ± ${cv.sd.toFixed(4)} (mean ± sd of ${k}); pooled out-of-fold F1 ${cv.pooled.f1.toFixed(4)}`,
  );
  return { protocol: 'cv', tuning: pooled, reported: pooled, split: false, chosen, timings, cv };
}
