// Checks the row's evaluation fields beyond one number (issue 19): the interval of the reported F1.
// Kept apart from read-rows.ts's contract walk; every field here is optional, so older rows stay readable.
import type { F1Interval, ResultRow } from './row.ts';

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
  if (!Number.isInteger(value.resamples) || (value.resamples as number) < 1) fail(`${field}.resamples`, 'a positive integer', value.resamples);
  if (value.unit !== 'label group') fail(`${field}.unit`, '"label group"', value.unit);
  if (!Number.isInteger(value.seed)) fail(`${field}.seed`, 'an integer', value.seed);
  return { low, high, level: level as number, resamples: value.resamples as number, unit: 'label group', seed: value.seed as number };
}

/** The optional evaluation fields of a parsed row, checked; absent ones stay absent. */
export function evaluationFields(row: Record<string, Json>, fail: Fail): Pick<ResultRow, 'f1Interval'> {
  return row.f1Interval === undefined ? {} : { f1Interval: checkInterval(row.f1Interval, 'f1Interval', fail) };
}
