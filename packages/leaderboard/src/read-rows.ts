import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseResultRow, ResultRowError, type ResultRow } from '@prodmatch/results';

/** Directories under results/ that hold leaderboard output or benchmarks, not rows. */
export const RESERVED_RESULT_DIRS: ReadonlySet<string> = new Set(['charts', 'bench']);

// Rows read from files remember their file stem: the runner writes variants of one experiment beside it
// (arcface@full.json, arcface@t0.3.json, arcface@<tag>.json), and the stem is what tells them apart.
const rowFileStems = new WeakMap<ResultRow, string>();

/** The row's name on the leaderboard and in charts/: its file's stem when read by readResultRows, else its experiment. */
export function rowLabel(row: ResultRow): string {
  return rowFileStems.get(row) ?? row.experiment;
}

/**
 * Reads every results/<dataset>/<experiment>[@variant].json row (in-flight *.tmp files, dot-dirs and the
 * charts/ and bench/ folders are skipped) and validates each one. The file's place must agree with its
 * content (dataset.name, experiment), since the leaderboard and the charts are keyed by that place.
 * Throws ResultRowError on the first bad file, so callers write nothing.
 */
export async function readResultRows(resultsDir: string): Promise<ResultRow[]> {
  const datasetDirs = (await readdir(resultsDir, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !RESERVED_RESULT_DIRS.has(e.name))
    .map((e) => e.name)
    .sort();
  const rows: ResultRow[] = [];
  for (const datasetDir of datasetDirs) {
    const files = (await readdir(join(resultsDir, datasetDir), { withFileTypes: true }))
      .filter((e) => e.isFile() && e.name.endsWith('.json') && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
    for (const name of files) {
      const file = join(resultsDir, datasetDir, name);
      const row = parseResultRow(await readFile(file, 'utf8'), file);
      if (row.dataset.name !== datasetDir) {
        throw new ResultRowError(file, 'dataset.name', `must equal its folder name "${datasetDir}", got "${row.dataset.name}"`);
      }
      const stem = basename(name, '.json');
      if (stem !== row.experiment && !stem.startsWith(`${row.experiment}@`)) {
        throw new ResultRowError(
          file,
          'experiment',
          `must equal the file name "${stem}" (or its part before "@"), got "${row.experiment}"`,
        );
      }
      rowFileStems.set(row, stem);
      rows.push(row);
    }
  }
  return rows;
}
