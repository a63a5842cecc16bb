// One experiment's predictions file, held as flat typed arrays (27k rows x 50 neighbours per list is a few
// megabytes), so that re-applying thresholds to the whole gallery is one tight pass.
import { labelIds, matchesWithin, rowF1, rowScoring, type ThresholdedList } from '@prodmatch/metrics';
import {
  streamPredictions,
  PredictionsFileError,
  type ListInfo,
  type PairReason,
  type PredictionRow,
  type PredictionsHeader,
} from '@prodmatch/results';

/** Rows of variable length back to back: row i is values[offsets[i] .. offsets[i + 1]). */
interface Ragged<T extends Int32Array | Float32Array> {
  offsets: Int32Array;
  values: T;
}

interface StoredList {
  info: ListInfo;
  indices: Ragged<Int32Array>;
  distances: Float32Array;
  /** Every row's distances are nearest first, as the file format says: lets a row be searched by bisection. */
  ascending: boolean;
}

function rowsAscending(offsets: Int32Array, distances: Float32Array): boolean {
  for (let row = 0; row + 1 < offsets.length; row++)
    for (let c = offsets[row] + 1; c < offsets[row + 1]; c++) if (distances[c] < distances[c - 1]) return false;
  return true;
}

interface RowScores {
  f1: Float64Array;
  precision: Float64Array;
  recall: Float64Array;
  falsePositives: Int32Array;
  falseNegatives: Int32Array;
}

/** Scores of one match rule over the gallery: the means, and per row (typed arrays: 27k rows re-scored per slider move). */
export interface GalleryOutcome {
  f1: number;
  precision: number;
  recall: number;
  rowF1: Float64Array;
  falsePositives: Int32Array;
  falseNegatives: Int32Array;
}

class RaggedBuilder<T extends Int32Array | Float32Array> {
  private offsets: number[] = [0];
  private chunks: ArrayLike<number>[] = [];
  private length = 0;
  constructor(private readonly make: (n: number) => T) {}
  push(values: ArrayLike<number>): void {
    this.chunks.push(values);
    this.length += values.length;
    this.offsets.push(this.length);
  }
  build(): Ragged<T> {
    const values = this.make(this.length);
    let at = 0;
    for (const chunk of this.chunks) {
      values.set(chunk, at);
      at += chunk.length;
    }
    return { offsets: Int32Array.from(this.offsets), values };
  }
}

export class Gallery {
  readonly size: number;
  /** Gallery indices of each label group's rows, so a row's truth set is one slice. */
  private readonly groupOf: Int32Array;
  private readonly groupSize: Int32Array;
  private readonly groupMembers: Ragged<Int32Array>;

  private constructor(
    readonly header: PredictionsHeader,
    readonly postingIds: string[],
    readonly labelGroups: (string | null)[],
    private readonly lists: StoredList[],
    private readonly stored: Ragged<Int32Array>,
    /** Learned matchers' pair reasons, by row (rows without any are absent). */
    private readonly reasons: Map<number, Record<string, PairReason>>,
  ) {
    this.size = postingIds.length;
    // A posting without a label is its own group: nothing else counts as its true match.
    const { ids, groupSize } = labelIds(labelGroups.map((g, i) => g ?? `\u0000unlabelled ${i}`));
    this.groupOf = ids;
    this.groupSize = groupSize;
    const offsets = new Int32Array(groupSize.length + 1);
    for (let g = 0; g < groupSize.length; g++) offsets[g + 1] = offsets[g] + groupSize[g];
    const fill = offsets.slice(0, -1);
    const members = new Int32Array(this.size);
    for (let i = 0; i < this.size; i++) members[fill[ids[i]]++] = i;
    this.groupMembers = { offsets, values: members };
  }

  /** Reads a predictions file once; every later question is answered from memory. */
  static async load(path: string): Promise<Gallery> {
    let header: PredictionsHeader | null = null;
    const postingIds: string[] = [];
    const labelGroups: (string | null)[] = [];
    let lists: { info: ListInfo; indices: RaggedBuilder<Int32Array>; distances: RaggedBuilder<Float32Array> }[] = [];
    const stored = new RaggedBuilder((n) => new Int32Array(n));
    const reasons = new Map<number, Record<string, PairReason>>();
    for await (const item of streamPredictions(path)) {
      if (header === null) {
        header = item as PredictionsHeader;
        lists = header.lists.map((info) => ({
          info,
          indices: new RaggedBuilder((n) => new Int32Array(n)),
          distances: new RaggedBuilder((n) => new Float32Array(n)),
        }));
        continue;
      }
      const row = item as PredictionRow;
      const line = postingIds.length + 2;
      if (
        typeof row.postingId !== 'string' ||
        !Array.isArray(row.matches) ||
        typeof row.neighbours !== 'object' ||
        row.neighbours === null
      ) {
        throw new PredictionsFileError(
          `${path}: line ${line} is not a prediction row (needs postingId, neighbours, matches); re-run the experiment`,
        );
      }
      if (row.pairs && Object.keys(row.pairs).length > 0) reasons.set(postingIds.length, row.pairs);
      postingIds.push(row.postingId);
      labelGroups.push(row.labelGroup ?? null);
      stored.push(row.matches);
      for (const list of lists) {
        const pair = row.neighbours[list.info.name];
        if (!pair || pair[0].length !== pair[1].length)
          throw new PredictionsFileError(
            `${path}: line ${line} lacks list "${list.info.name}" (or its indices and distances differ in length); re-run the experiment`,
          );
        list.indices.push(pair[0]);
        list.distances.push(pair[1]);
      }
    }
    if (header === null) throw new PredictionsFileError(`${path}: empty predictions file; re-run the experiment`);
    if (postingIds.length !== header.rows)
      throw new PredictionsFileError(
        `${path}: header says ${header.rows} rows, file has ${postingIds.length} (truncated?); re-run the experiment`,
      );
    const built = lists.map((l) => {
      const indices = l.indices.build();
      const distances = l.distances.build().values;
      return { info: l.info, indices, distances, ascending: rowsAscending(indices.offsets, distances) };
    });
    const gallery = new Gallery(header, postingIds, labelGroups, built, stored.build(), reasons);
    gallery.checkIndices(path);
    return gallery;
  }

  private checkIndices(path: string): void {
    const bad = (values: Int32Array) => values.findIndex((j) => j < 0 || j >= this.size);
    for (const list of this.lists) {
      const at = bad(list.indices.values);
      if (at >= 0)
        throw new PredictionsFileError(
          `${path}: list "${list.info.name}" names gallery index ${list.indices.values[at]}, outside 0..${this.size - 1}; re-run the experiment`,
        );
    }
    const at = bad(this.stored.values);
    if (at >= 0)
      throw new PredictionsFileError(
        `${path}: a stored match names gallery index ${this.stored.values[at]}, outside 0..${this.size - 1}; re-run the experiment`,
      );
  }

  private slice<T extends Int32Array | Float32Array>(r: Ragged<Int32Array>, values: T, row: number): T {
    return values.subarray(r.offsets[row], r.offsets[row + 1]) as T;
  }

  neighbours(row: number): Record<string, [number[], number[]]> {
    const out: Record<string, [number[], number[]]> = {};
    for (const list of this.lists) {
      const indices = this.slice(list.indices, list.indices.values, row);
      // The file's six significant digits, not the float32's longer decimal expansion.
      const distances = Array.from(this.slice(list.indices, list.distances, row), (d) => Number(d.toPrecision(6)));
      out[list.info.name] = [Array.from(indices), distances];
    }
    return out;
  }

  /** A learned matcher's reasons for the row's predicted and missed pairs ({} for other matchers). */
  pairReasons(row: number): Record<string, PairReason> {
    return this.reasons.get(row) ?? {};
  }

  storedMatches(row: number): number[] {
    return Array.from(this.slice(this.stored, this.stored.values, row));
  }

  truth(row: number): number[] {
    return Array.from(this.slice(this.groupMembers, this.groupMembers.values, this.groupOf[row]));
  }

  /** The thresholds the run chose, per source list. */
  chosenThresholds(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const { info } of this.lists) if (info.source && info.threshold !== null) out[info.name] = info.threshold;
    return out;
  }

  /** Each row's matches under source thresholds (in source-list order), by the runner's own rule. */
  private matchesAt(values: readonly number[]): (row: number) => ArrayLike<number> {
    const sources = this.lists.filter((l) => l.info.source);
    const opts = { minMatches: this.header.minMatches, cap: this.header.cap };
    return (row) => {
      const lists: ThresholdedList[] = sources.map((l, s) => ({
        indices: this.slice(l.indices, l.indices.values, row),
        distances: this.slice(l.indices, l.distances, row),
        threshold: values[s],
        minMatches: l.info.minMatches,
      }));
      return matchesWithin(row, lists, opts);
    };
  }

  /** The stored matches' scores, computed once (the only scores of a gallery that is not recomputable). */
  private stored$: GalleryOutcome | null = null;
  /** The last thresholds scored and the per-row scores they gave, updated in place by the next call. */
  private current: { values: number[]; rows: RowScores } | null = null;

  storedScores(): GalleryOutcome {
    this.stored$ ??= this.outcome(this.scoreRows(null, (row) => this.slice(this.stored, this.stored.values, row)));
    return this.stored$;
  }

  /**
   * Scores at these thresholds (every source list named). Only rows with a neighbour distance between the
   * previous and the new threshold of some list are re-matched: for every other row each `distance <=
   * threshold` test of the rule comes out as before, so its matches are unchanged. The means are summed
   * afresh over all rows, in row order, so they equal a full recomputation exactly.
   */
  scoresAt(thresholds: Record<string, number>): GalleryOutcome {
    const sources = this.lists.filter((l) => l.info.source);
    const values = sources.map((l) => thresholds[l.info.name]);
    const matches = this.matchesAt(values);
    if (this.current === null) {
      this.current = { values, rows: this.scoreRows(null, matches) };
    } else {
      const before = this.current.values;
      const changed: number[] = [];
      const seen = new Uint8Array(this.size);
      sources.forEach((list, s) => {
        if (before[s] === values[s]) return;
        const lo = Math.min(Math.fround(before[s]), Math.fround(values[s]));
        const hi = Math.max(Math.fround(before[s]), Math.fround(values[s]));
        const { offsets } = list.indices;
        const d = list.distances;
        for (let row = 0; row < this.size; row++) {
          if (seen[row]) continue;
          const end = offsets[row + 1];
          // The first distance above lo; lists are nearest first (checked at load), else every entry is looked at.
          let c = offsets[row];
          if (list.ascending) {
            let hiC = end;
            while (c < hiC) {
              const mid = (c + hiC) >> 1;
              if (d[mid] > lo) hiC = mid;
              else c = mid + 1;
            }
          }
          for (; c < end; c++) {
            if (d[c] > lo && d[c] <= hi) {
              seen[row] = 1;
              changed.push(row);
              break;
            }
            if (list.ascending) break;
          }
        }
      });
      this.scoreRows(changed, matches, this.current.rows);
      this.current.values = values;
    }
    return this.outcome(this.current.rows);
  }

  /** Scores `rows` (all when null) into `into` (new arrays when omitted). */
  private scoreRows(rows: readonly number[] | null, matches: (row: number) => ArrayLike<number>, into?: RowScores): RowScores {
    const n = this.size;
    const out = into ?? {
      f1: new Float64Array(n),
      precision: new Float64Array(n),
      recall: new Float64Array(n),
      falsePositives: new Int32Array(n),
      falseNegatives: new Int32Array(n),
    };
    const row = rowScoring(this.groupOf, this.groupSize, this.header.cap);
    const count = rows === null ? n : rows.length;
    for (let r = 0; r < count; r++) {
      const i = rows === null ? r : rows[r];
      out.f1[i] = rowF1(row, i, matches(i));
      out.precision[i] = row.hits / row.predicted;
      out.recall[i] = row.hits / row.truth;
      out.falsePositives[i] = row.predicted - row.hits;
      out.falseNegatives[i] = row.truth - row.hits;
    }
    return out;
  }

  private outcome(rows: RowScores): GalleryOutcome {
    const mean = (values: Float64Array) => {
      let sum = 0;
      for (let i = 0; i < values.length; i++) sum += values[i];
      return sum / values.length;
    };
    return {
      f1: mean(rows.f1),
      precision: mean(rows.precision),
      recall: mean(rows.recall),
      rowF1: rows.f1,
      falsePositives: rows.falsePositives,
      falseNegatives: rows.falseNegatives,
    };
  }
}
