// The gallery-size benchmark's file (results/bench/gallery-size.json): each fused experiment's thresholds
// tuned on dev galleries of several sizes, and every tuned set scored at every size. `pnpm bench:gallery-size`
// writes it, `pnpm submit` reads it to size its thresholds for test.csv, the leaderboard draws it.
import type { DatasetIdentity } from '@prodmatch/data';

export const GALLERY_SIZE_FORMAT = 'prodmatch-gallery-size';
export const GALLERY_SIZE_VERSION = 1;

/** One source's threshold grid (thresholds are snapped to it) and its unit. */
export interface GallerySizeSource {
  name: string;
  unit: string;
  grid: number[];
}

/** Thresholds tuned on one gallery drawn by group; `size` is the size asked for, `rows` what the groups gave. */
export interface GallerySizeTuned {
  size: number;
  rows: number;
  thresholds: Record<string, number>;
  /** F1 on the gallery the thresholds were tuned on (in sample). */
  f1: number;
}

/** A tuned set (by the size it was tuned at; 0 = the split row's, tuned on its val gallery) scored on a gallery of `scoredSize`. */
export interface GallerySizeCell {
  tunedSize: number;
  scoredSize: number;
  scoredRows: number;
  f1: number;
}

/** Thresholds and the F1 they score on the held-out gallery. */
export interface HeldOutScore {
  thresholds: Record<string, number>;
  f1: number;
}

/** A size left out of the fit: the curve's thresholds for it against the split row's, on that size's scoring gallery. */
export interface GallerySizeHeldOut {
  size: number;
  rows: number;
  /** The sizes the curve was fitted on (every tuned size but this one). */
  fitSizes: number[];
  fitted: HeldOutScore;
  splitRow: HeldOutScore;
  /** Tuned on an independent draw of this size (at all rows: the same gallery, so in sample). */
  tunedHere: HeldOutScore;
  /** fitted − splitRow per posting, paired bootstrap over label groups. */
  gain: { difference: number; low: number; high: number; pGreater: number; resamples: number; seed: number };
}

export interface GallerySizeExperiment {
  experiment: string;
  sources: GallerySizeSource[];
  /** Where galleries were drawn from: all rows for an experiment that fits nothing, else the split's val and test groups. */
  pool: { rows: number; groups: number; what: string };
  /** The split row's thresholds (results/<dataset>/<experiment>.json) and the val gallery they were tuned on; null without a row. */
  splitRow: { thresholds: Record<string, number>; valRows: number } | null;
  tuned: GallerySizeTuned[];
  cells: GallerySizeCell[];
  heldOut: GallerySizeHeldOut[];
  seconds: number;
}

export interface GallerySizeRun {
  dataset: DatasetIdentity;
  /** Tuned and scored on disjoint halves of the groups (`--disjoint`); absent or false: both from the whole pool. */
  disjoint?: boolean;
  /** Seed of the tuning draws; scoring galleries are drawn with seed + 1 (at all rows both are every row). */
  seed: number;
  sizes: number[];
  experiments: GallerySizeExperiment[];
  command: string;
  gitCommit: string | null;
  finishedAt: string;
  /** 1-minute load average at the start and end, and the wall time: the machine is shared. */
  load: { start: number; end: number };
  seconds: number;
}

export interface GallerySizeBench {
  format: typeof GALLERY_SIZE_FORMAT;
  version: typeof GALLERY_SIZE_VERSION;
  /** One run per dataset and --disjoint (a new run replaces the old one of both). */
  runs: GallerySizeRun[];
}

/** A gallery-size file that is not what the benchmark writes; one line naming the file and what to do. */
export class GallerySizeError extends Error {}

const isRecordOfNumbers = (value: unknown): value is Record<string, number> =>
  typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'number');

/**
 * Parses results/bench/gallery-size.json. Checks the format, version and the fields a reader uses
 * (the sizes, sources and every tuned threshold set); the file is written by one program, so this is a
 * guard against an old or hand-edited file, not a full schema.
 */
export function parseGallerySizeBench(text: string, file: string): GallerySizeBench {
  const fail = (what: string): never => {
    throw new GallerySizeError(`${file}: ${what}; run \`pnpm bench:gallery-size\` again to rewrite it`);
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail(`not JSON (${(error as Error).message})`);
  }
  const bench = value as Partial<GallerySizeBench>;
  if (bench.format !== GALLERY_SIZE_FORMAT) fail(`format is ${JSON.stringify(bench.format)}, expected "${GALLERY_SIZE_FORMAT}"`);
  if (bench.version !== GALLERY_SIZE_VERSION) fail(`version ${JSON.stringify(bench.version)}, this reader knows ${GALLERY_SIZE_VERSION}`);
  if (!Array.isArray(bench.runs)) return fail('"runs" is not a list');
  for (const run of bench.runs) {
    if (typeof run?.dataset?.name !== 'string' || typeof run.dataset.sha256 !== 'string') fail('a run has no dataset name and sha256');
    if (!Array.isArray(run.experiments)) fail(`run on ${run.dataset.name}: "experiments" is not a list`);
    for (const e of run.experiments) {
      const where = `run on ${run.dataset.name}, experiment ${JSON.stringify(e?.experiment)}`;
      if (typeof e?.experiment !== 'string' || !Array.isArray(e.sources) || !Array.isArray(e.tuned) || !Array.isArray(e.cells))
        fail(`${where}: needs experiment, sources, tuned and cells`);
      for (const s of e.sources)
        if (typeof s?.name !== 'string' || !Array.isArray(s.grid) || s.grid.length === 0) fail(`${where}: a source has no name or grid`);
      for (const t of e.tuned) {
        if (typeof t?.size !== 'number' || typeof t.rows !== 'number' || !isRecordOfNumbers(t.thresholds))
          fail(`${where}: a tuned entry has no size, rows or thresholds`);
        const missing = e.sources.filter((s) => typeof t.thresholds[s.name] !== 'number').map((s) => s.name);
        if (missing.length > 0) fail(`${where}: the set tuned at ${t.size} rows has no threshold for ${missing.join(', ')}`);
      }
    }
  }
  return bench as GallerySizeBench;
}
