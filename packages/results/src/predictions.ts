// The predictions file: every neighbour list a run reported, with distances, so that any threshold can be
// applied again later (the match explorer) without recomputing features or searches.
//
// Format: gzip-compressed JSON Lines. Line 1 is a PredictionsHeader; then one PredictionRow per gallery
// posting, in gallery order (row i's neighbours are indices into that order). JSON Lines streams: a reader
// never holds more than one line of text, and a writer never builds the whole file in memory.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip, createGzip } from 'node:zlib';
import type { DistanceUnit } from '@prodmatch/knn/units';
import { writeStreamAtomic } from './atomic.ts';

export const PREDICTIONS_FORMAT = 'prodmatch-predictions';
export const PREDICTIONS_VERSION = 1;

/** One named neighbour list per posting: a channel's own search, or a combiner's (e.g. blended, concatenated). */
export interface ListInfo {
  name: string;
  unit: DistanceUnit;
  /**
   * A source is thresholded and united into the matches (with `threshold`, keeping at least `minMatches`
   * of its own, self included); other lists are kept for display (a channel's distances beside a match).
   */
  source: boolean;
  threshold: number | null;
  minMatches: number;
  /** The grid the threshold was tuned over (an explorer's slider range). */
  grid: number[];
}

export interface PredictionsHeader {
  format: typeof PREDICTIONS_FORMAT;
  version: typeof PREDICTIONS_VERSION;
  experiment: string;
  /** The row file's name without .json, e.g. "fused-text@full". */
  rowName: string;
  dataset: { name: string; sha256: string };
  protocol: string;
  /** Which postings were matched: the test groups (split) or all rows (full). */
  gallery: 'test' | 'all rows';
  rows: number;
  lists: ListInfo[];
  combiner: { name: string; params: Record<string, unknown> };
  /**
   * True when the matches are exactly: self, then each source's neighbours within its threshold (nearest
   * first, sources in order, duplicates once), topped up to `minMatches` from the first source, capped at
   * `cap`. False for matchers that are not a thresholded union (clustering ensembles): then only `matches`
   * (at the chosen thresholds) is authoritative.
   */
  recomputable: boolean;
  minMatches: number;
  cap: number;
}

/** A learned matcher's reasons for one pair (match's PairExplanation): its score and three features. */
export interface PairReason {
  score: number;
  /** A linear model's largest contributions to the logit, or (contribution null) the pair's most unusual values. */
  features: { name: string; value: number; contribution: number | null }[];
}

export interface PredictionRow {
  postingId: string;
  labelGroup: string | null;
  /** Per list name: [gallery indices nearest first, distances]. Self is included where the search found it. */
  neighbours: Record<string, [number[], number[]]>;
  /** The predicted matches at the chosen thresholds (gallery indices, self first). */
  matches: number[];
  /**
   * Learned matchers (rerank) only, absent otherwise (an optional field: version 1 files stay valid): per
   * partner's gallery index, the reasons for every predicted match and every missed true match that was
   * a candidate pair.
   */
  pairs?: Record<string, PairReason>;
}

export class PredictionsFileError extends Error {}

/** Six significant digits: enough to re-apply any grid threshold, a third of the text of a float32's repr. */
const compactDistance = (d: number): number => Number(d.toPrecision(6));

/**
 * Streams the header and rows through gzip into a temp file and renames it into place (writeStreamAtomic),
 * so a reader sees the previous file or the complete new one; a failed write throws WriteFileError.
 */
export async function writePredictions(path: string, header: PredictionsHeader, rows: Iterable<PredictionRow>): Promise<void> {
  function* lines(): Generator<string> {
    yield `${JSON.stringify(header)}\n`;
    for (const row of rows) {
      const neighbours: Record<string, [number[], number[]]> = {};
      for (const [name, [indices, distances]] of Object.entries(row.neighbours))
        neighbours[name] = [indices, distances.map(compactDistance)];
      yield `${JSON.stringify({ ...row, neighbours })}\n`;
    }
  }
  await writeStreamAtomic(path, lines(), createGzip({ level: 6 }));
}

function checkHeader(value: unknown, path: string): PredictionsHeader {
  const header = value as Partial<PredictionsHeader> | null;
  if (!header || header.format !== PREDICTIONS_FORMAT)
    throw new PredictionsFileError(`${path}: not a prodmatch predictions file (first line has no "format": "${PREDICTIONS_FORMAT}")`);
  if (header.version !== PREDICTIONS_VERSION)
    throw new PredictionsFileError(
      `${path}: predictions format version ${String(header.version)}, this reader reads ${PREDICTIONS_VERSION}; re-run the experiment`,
    );
  if (!Array.isArray(header.lists) || typeof header.rows !== 'number')
    throw new PredictionsFileError(`${path}: header lacks "lists" or "rows"; re-run the experiment`);
  return header as PredictionsHeader;
}

/** Streams a predictions file: the header first, then each row; a row is parsed only when it is reached. */
export async function* streamPredictions(path: string): AsyncGenerator<PredictionsHeader | PredictionRow> {
  const file = createReadStream(path);
  const input = file.pipe(createGunzip());
  // pipe() does not forward the source's errors (a missing file): hand them to the stream being read.
  file.on('error', (error) => input.destroy(error));
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new PredictionsFileError(`${path}: line ${lineNo} is not JSON (truncated or corrupt file); re-run the experiment`);
      }
      yield lineNo === 1 ? checkHeader(value, path) : (value as PredictionRow);
    }
  } catch (error) {
    if (error instanceof PredictionsFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new PredictionsFileError(`${path}: no predictions file; run the experiment to write one`);
    throw new PredictionsFileError(`${path}: unreadable predictions file (${code ?? (error as Error).message}); re-run the experiment`);
  }
  if (lineNo === 0) throw new PredictionsFileError(`${path}: empty predictions file; re-run the experiment`);
}

/** Reads a whole predictions file and checks that it holds as many rows as its header says. */
export async function readPredictions(path: string): Promise<{ header: PredictionsHeader; rows: PredictionRow[] }> {
  let header: PredictionsHeader | null = null;
  const rows: PredictionRow[] = [];
  for await (const item of streamPredictions(path)) {
    if (header === null) header = item as PredictionsHeader;
    else rows.push(item as PredictionRow);
  }
  if (header === null) throw new PredictionsFileError(`${path}: empty predictions file; re-run the experiment`);
  if (rows.length !== header.rows)
    throw new PredictionsFileError(`${path}: header says ${header.rows} rows, file has ${rows.length} (truncated?); re-run the experiment`);
  return { header, rows };
}

/** The predictions file that sits beside a row file: results/<dataset>/<name>.json -> <name>.predictions.jsonl.gz. */
export function predictionsPathFor(rowPath: string): string {
  return `${rowPath.replace(/\.json$/, '')}.predictions.jsonl.gz`;
}
