import { DISTANCE_RANGE, type DistanceUnit } from '@prodmatch/results';
import { UsageError } from './config.ts';

export interface SourceInfo {
  name: string;
  unit: DistanceUnit;
}

/**
 * --threshold values, one per source in order, range-checked against the source's distance unit
 * (cosine distance 0..2, Hamming bits 0..64). A bare number is accepted for a single-source experiment.
 */
export function fixedThresholds(raw: readonly string[] | undefined, sources: readonly SourceInfo[]): number[] | null {
  if (raw === undefined || raw.length === 0) return null;
  const names = sources.map((s) => s.name).join(', ');
  const values = new Map<string, number>();
  for (const item of raw) {
    const match = /^(?:([\w.+-]+)=)?(.*)$/.exec(item) as RegExpExecArray;
    let sourceName = match[1];
    if (sourceName === undefined) {
      if (sources.length !== 1)
        throw new UsageError(
          `--threshold ${item}: this experiment thresholds ${sources.length} sources (${names}); give each as NAME=VALUE`,
        );
      sourceName = sources[0].name;
    }
    const source = sources.find((s) => s.name === sourceName);
    if (!source) throw new UsageError(`--threshold ${item}: no source "${sourceName}"; this experiment's sources are ${names}`);
    const value = match[2].trim() === '' ? NaN : Number(match[2]);
    const [low, high] = DISTANCE_RANGE[source.unit];
    if (!Number.isFinite(value)) throw new UsageError(`--threshold ${item}: "${match[2]}" is not a number`);
    if (value < low || value > high)
      throw new UsageError(`--threshold ${item}: ${source.name} measures ${source.unit}, so its threshold must be within ${low}..${high}`);
    if (values.has(source.name)) throw new UsageError(`--threshold: ${source.name} is given twice`);
    values.set(source.name, value);
  }
  const missing = sources.filter((s) => !values.has(s.name)).map((s) => s.name);
  if (missing.length > 0)
    throw new UsageError(`--threshold: no value for ${missing.join(', ')}; a fixed-threshold run needs every source (${names})`);
  return sources.map((s) => values.get(s.name) as number);
}
