// The result-row contract's validator: any reader of a row file (the leaderboard, `pnpm submit`, the
// explorer) checks it field by field against ResultRow before trusting it.
import type { ResultRow } from './row.ts';
import { evaluationFields } from './row-evaluation.ts';

/** A row file that does not match the ResultRow contract; the message is one line naming file and field. */
export class ResultRowError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    problem: string,
  ) {
    super(`${file}: field "${field}" ${problem}; fix the file or re-run the experiment that wrote it`);
    this.name = 'ResultRowError';
  }
}

type Json = unknown;

function describe(value: Json): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value);
  return `got ${text.length > 40 ? `${text.slice(0, 37)}...` : text}`;
}

/** Walks one parsed row, checking each field against ResultRow; throws ResultRowError on the first mismatch. */
class RowChecker {
  constructor(private readonly file: string) {}

  fail(field: string, expected: string, value: Json): never {
    throw new ResultRowError(this.file, field, `must be ${expected}, ${describe(value)}`);
  }

  object(value: Json, field: string): Record<string, Json> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(field, 'an object', value);
    return value as Record<string, Json>;
  }

  string(value: Json, field: string, nonEmpty = true): string {
    if (typeof value !== 'string' || (nonEmpty && value.trim() === '')) {
      this.fail(field, nonEmpty ? 'a non-empty string' : 'a string', value);
    }
    return value;
  }

  number(value: Json, field: string, min = -Infinity, max = Infinity): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      const range = min === -Infinity && max === Infinity ? '' : max === Infinity ? ` >= ${min}` : ` in [${min}, ${max}]`;
      this.fail(field, `a finite number${range}`, value);
    }
    return value;
  }

  integer(value: Json, field: string, min = 0): number {
    if (!Number.isInteger(value) || (value as number) < min) this.fail(field, `an integer >= ${min}`, value);
    return value as number;
  }

  oneOf<T extends string>(value: Json, field: string, options: readonly T[]): T {
    if (typeof value !== 'string' || !options.includes(value as T)) {
      this.fail(field, `one of ${options.map((o) => `"${o}"`).join(', ')}`, value);
    }
    return value as T;
  }

  nullable<T>(value: Json, field: string, check: (v: Json, f: string) => T): T | null {
    return value === null ? null : check(value, field);
  }

  sha256(value: Json, field: string): string {
    if (typeof value !== 'string' || !/^[0-9a-f]{64}$/i.test(value)) this.fail(field, 'a 64-digit hex sha256', value);
    return value;
  }

  isoDate(value: Json, field: string): string {
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) this.fail(field, 'an ISO date-time string', value);
    return value;
  }

  array(value: Json, field: string): Json[] {
    if (!Array.isArray(value)) this.fail(field, 'an array', value);
    return value;
  }

  /** Fields are checked in the contract's order, so the error names the first bad one a reader would meet. */
  row(raw: Json): ResultRow {
    const row = this.object(raw, '(root)');
    const unit = (v: Json, f: string) => this.number(v, f, 0, 1);
    const seconds = (v: Json, f: string) => this.number(v, f, 0);
    const experiment = this.string(row.experiment, 'experiment');
    const description = this.string(row.description, 'description', false);
    const dataset = this.object(row.dataset, 'dataset');
    const datasetIdentity = {
      name: this.string(dataset.name, 'dataset.name'),
      kind: this.oneOf(dataset.kind, 'dataset.kind', ['real', 'synthetic'] as const),
      path: this.string(dataset.path, 'dataset.path', false),
      rows: this.integer(dataset.rows, 'dataset.rows'),
      groups: this.integer(dataset.groups, 'dataset.groups'),
      sha256: this.sha256(dataset.sha256, 'dataset.sha256'),
    };
    const protocol = this.oneOf(row.protocol, 'protocol', ['split', 'full', 'fixed', 'cv'] as const);
    const seed = this.integer(row.seed, 'seed', Number.MIN_SAFE_INTEGER);
    const backend = this.object(row.backend, 'backend');
    const backendIdentity = { name: this.string(backend.name, 'backend.name'), version: this.string(backend.version, 'backend.version') };
    const params = this.object(row.params, 'params');
    const threshold = this.nullable(row.threshold, 'threshold', (v, f) => this.number(v, f));
    const f1 = this.object(row.f1, 'f1');
    const f1Scores = { val: this.nullable(f1.val, 'f1.val', unit), test: unit(f1.test, 'f1.test') };
    const precision = unit(row.precision, 'precision');
    const recall = unit(row.recall, 'recall');
    const sweepOf = (value: Json, field: string) =>
      this.array(value, field).map((p, i) => {
        const point = this.object(p, `${field}[${i}]`);
        return {
          threshold: this.number(point.threshold, `${field}[${i}].threshold`),
          f1Val: this.nullable(point.f1Val, `${field}[${i}].f1Val`, unit),
          f1Test: unit(point.f1Test, `${field}[${i}].f1Test`),
        };
      });
    const sweep = sweepOf(row.sweep, 'sweep');
    // Fusion fields (row v2) are optional: rows written before fusion stay readable.
    const optional = <T>(value: Json, check: (v: Json) => T): { value?: T } => (value === undefined ? {} : { value: check(value) });
    const thresholds = optional(row.thresholds, (v) =>
      Object.fromEntries(Object.entries(this.object(v, 'thresholds')).map(([k, t]) => [k, this.number(t, `thresholds.${k}`)])),
    );
    const sweeps = optional(row.sweeps, (v) =>
      Object.fromEntries(Object.entries(this.object(v, 'sweeps')).map(([k, s]) => [k, sweepOf(s, `sweeps.${k}`)])),
    );
    const jointGrid = optional(row.jointGrid, (v) => {
      const grid = this.object(v, 'jointGrid');
      return {
        x: this.string(grid.x, 'jointGrid.x'),
        y: this.string(grid.y, 'jointGrid.y'),
        xUnit: this.string(grid.xUnit, 'jointGrid.xUnit'),
        yUnit: this.string(grid.yUnit, 'jointGrid.yUnit'),
        on: this.oneOf(grid.on, 'jointGrid.on', ['val', 'all rows'] as const),
        points: this.array(grid.points, 'jointGrid.points').map((p, i) => {
          const point = this.object(p, `jointGrid.points[${i}]`);
          return {
            x: this.number(point.x, `jointGrid.points[${i}].x`),
            y: this.number(point.y, `jointGrid.points[${i}].y`),
            f1: unit(point.f1, `jointGrid.points[${i}].f1`),
          };
        }),
      };
    });
    const channels = optional(row.channels, (v) =>
      this.array(v, 'channels').map((c, i) => {
        const channel = this.object(c, `channels[${i}]`);
        const f = `channels[${i}]`;
        return {
          name: this.string(channel.name, `${f}.name`),
          unit: this.string(channel.unit, `${f}.unit`),
          params: this.object(channel.params, `${f}.params`),
          threshold: this.nullable(channel.threshold, `${f}.threshold`, (x, g) => this.number(x, g)),
          f1: this.nullable(channel.f1, `${f}.f1`, (x, g) => {
            const scores = this.object(x, g);
            return { val: this.nullable(scores.val, `${g}.val`, unit), test: unit(scores.test, `${g}.test`) };
          }),
        };
      }),
    );
    const combiner = optional(row.combiner, (v) => {
      const c = this.object(v, 'combiner');
      return { name: this.string(c.name, 'combiner.name'), params: this.object(c.params, 'combiner.params') };
    });
    const timings = this.object(row.timings, 'timings');
    const timingSeconds = {
      prepare: seconds(timings.prepare, 'timings.prepare'),
      train: seconds(timings.train, 'timings.train'),
      embed: seconds(timings.embed, 'timings.embed'),
      search: seconds(timings.search, 'timings.search'),
      total: seconds(timings.total, 'timings.total'),
    };
    return {
      experiment,
      description,
      dataset: datasetIdentity,
      protocol,
      seed,
      backend: backendIdentity,
      params,
      threshold,
      ...(thresholds.value ? { thresholds: thresholds.value } : {}),
      f1: f1Scores,
      ...evaluationFields(row, (field, expected, value) => this.fail(field, expected, value)),
      precision,
      recall,
      sweep,
      ...(sweeps.value ? { sweeps: sweeps.value } : {}),
      ...(jointGrid.value ? { jointGrid: jointGrid.value } : {}),
      ...(channels.value ? { channels: channels.value } : {}),
      ...(combiner.value ? { combiner: combiner.value } : {}),
      timings: timingSeconds,
      gitCommit: this.nullable(row.gitCommit, 'gitCommit', (v, f) => this.string(v, f)),
      finishedAt: this.isoDate(row.finishedAt, 'finishedAt'),
      command: this.string(row.command, 'command'),
    };
  }
}

/** Parses and validates one row file's text; `file` is only used in error messages. */
export function parseResultRow(text: string, file: string): ResultRow {
  let raw: Json;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ResultRowError(file, '(root)', `is not valid JSON (${(error as Error).message.split('\n')[0]})`);
  }
  return new RowChecker(file).row(raw);
}
