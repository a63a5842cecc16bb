// Checks the row's evaluation fields beyond one number (issue 19): the interval of the reported F1, the
// folds of a cv row and the runs of a --seeds row.
// Kept apart from read-rows.ts's contract walk; every field here is optional, so older rows stay readable.
import type { CvSummary, F1Interval, ResultRow, SeedsSummary } from './row.ts';

/** Throws the reader's one-line error for `field` (ResultRowError, naming the file). */
export type Fail = (field: string, expected: string, value: unknown) => never;

type Json = unknown;

const isObject = (value: Json): value is Record<string, Json> => typeof value === 'object' && value !== null && !Array.isArray(value);

function unitNumber(value: Json, field: string, fail: Fail): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) fail(field, 'a finite number in [0, 1]', value);
  return value as number;
}

function checkInterval(value: Json, field: string, fail: Fail): F1Interval {
  if (!isObject(value)) return fail(field, 'an object', value);
  const low = unitNumber(value.low, `${field}.low`, fail);
  const high = unitNumber(value.high, `${field}.high`, fail);
  if (high < low) fail(`${field}.high`, `>= ${field}.low (${low})`, high);
  const level = value.level;
  if (typeof level !== 'number' || !(level > 0 && level < 1)) fail(`${field}.level`, 'a number within (0, 1)', level);
  if (!Number.isInteger(value.resamples) || (value.resamples as number) < 1)
    fail(`${field}.resamples`, 'a positive integer', value.resamples);
  if (value.unit !== 'label group') fail(`${field}.unit`, '"label group"', value.unit);
  if (!Number.isInteger(value.seed)) fail(`${field}.seed`, 'an integer', value.seed);
  return { low, high, level: level as number, resamples: value.resamples as number, unit: 'label group', seed: value.seed as number };
}

function finite(value: Json, field: string, fail: Fail, min = -Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min)
    fail(field, min === -Infinity ? 'a finite number' : `a finite number >= ${min}`, value);
  return value as number;
}

function integer(value: Json, field: string, fail: Fail, min = Number.MIN_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || (value as number) < min)
    fail(field, min === Number.MIN_SAFE_INTEGER ? 'an integer' : `an integer >= ${min}`, value);
  return value as number;
}

function array(value: Json, field: string, fail: Fail): Json[] {
  if (!Array.isArray(value) || value.length === 0) fail(field, 'a non-empty array', value);
  return value as Json[];
}

function object(value: Json, field: string, fail: Fail): Record<string, Json> {
  if (!isObject(value)) fail(field, 'an object', value);
  return value as Record<string, Json>;
}

function thresholdsOf(value: Json, field: string, fail: Fail): Record<string, number> {
  return Object.fromEntries(Object.entries(object(value, field, fail)).map(([name, t]) => [name, finite(t, `${field}.${name}`, fail)]));
}

function checkCv(value: Json, fail: Fail): CvSummary {
  const cv = object(value, 'cv', fail);
  const folds = integer(cv.folds, 'cv.folds', fail, 2);
  const perFold = array(cv.perFold, 'cv.perFold', fail).map((raw, i) => {
    const f = `cv.perFold[${i}]`;
    const fold = object(raw, f, fail);
    const f1 = object(fold.f1, `${f}.f1`, fail);
    return {
      fold: integer(fold.fold, `${f}.fold`, fail, 0),
      rows: integer(fold.rows, `${f}.rows`, fail, 1),
      groups: integer(fold.groups, `${f}.groups`, fail, 1),
      thresholds: thresholdsOf(fold.thresholds, `${f}.thresholds`, fail),
      f1: { val: unitNumber(f1.val, `${f}.f1.val`, fail), test: unitNumber(f1.test, `${f}.f1.test`, fail) },
    };
  });
  if (perFold.length !== folds) fail('cv.perFold', `${folds} folds (cv.folds)`, perFold.length);
  const pooled = object(cv.pooled, 'cv.pooled', fail);
  return {
    folds,
    perFold,
    mean: unitNumber(cv.mean, 'cv.mean', fail),
    sd: finite(cv.sd, 'cv.sd', fail, 0),
    pooled: { f1: unitNumber(pooled.f1, 'cv.pooled.f1', fail), thresholds: thresholdsOf(pooled.thresholds, 'cv.pooled.thresholds', fail) },
  };
}

function checkSeeds(value: Json, fail: Fail): SeedsSummary {
  const seeds = object(value, 'seeds', fail);
  const values = array(seeds.values, 'seeds.values', fail).map((v, i) => integer(v, `seeds.values[${i}]`, fail));
  const perSeed = array(seeds.perSeed, 'seeds.perSeed', fail).map((raw, i) => {
    const f = `seeds.perSeed[${i}]`;
    const run = object(raw, f, fail);
    const f1 = object(run.f1, `${f}.f1`, fail);
    return {
      seed: integer(run.seed, `${f}.seed`, fail),
      f1: { val: f1.val === null ? null : unitNumber(f1.val, `${f}.f1.val`, fail), test: unitNumber(f1.test, `${f}.f1.test`, fail) },
      thresholds: thresholdsOf(run.thresholds, `${f}.thresholds`, fail),
      ...(run.f1Interval === undefined ? {} : { f1Interval: checkInterval(run.f1Interval, `${f}.f1Interval`, fail) }),
    };
  });
  if (perSeed.length !== values.length) fail('seeds.perSeed', `one run per seed (${values.length})`, perSeed.length);
  return { values, perSeed, mean: unitNumber(seeds.mean, 'seeds.mean', fail), sd: finite(seeds.sd, 'seeds.sd', fail, 0) };
}

/** The optional evaluation fields of a parsed row, checked; absent ones stay absent. */
export function evaluationFields(row: Record<string, Json>, fail: Fail): Pick<ResultRow, 'f1Interval' | 'cv' | 'seeds'> {
  if (row.protocol === 'cv' && row.cv === undefined) fail('cv', 'the folds of a cv row', undefined);
  return {
    ...(row.f1Interval === undefined ? {} : { f1Interval: checkInterval(row.f1Interval, 'f1Interval', fail) }),
    ...(row.cv === undefined ? {} : { cv: checkCv(row.cv, fail) }),
    ...(row.seeds === undefined ? {} : { seeds: checkSeeds(row.seeds, fail) }),
  };
}
