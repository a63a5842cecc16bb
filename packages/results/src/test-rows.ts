// Fixture rows for tests (this package's, the leaderboard's, the runner's): @prodmatch/results/testing.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatasetIdentity, ResultRow } from './row.ts';

export const REAL: DatasetIdentity = {
  name: 'shopee',
  kind: 'real',
  path: '../shared/datasets/shopee',
  rows: 27402,
  groups: 8858,
  sha256: 'a'.repeat(64),
};
export const SYNTHETIC: DatasetIdentity = {
  name: 'synthetic-small',
  kind: 'synthetic',
  path: 'datasets/synthetic-small',
  rows: 2000,
  groups: 500,
  sha256: 'b'.repeat(64),
};

/** A plausible row: an F1 curve peaking at `threshold`, val slightly above test. */
export function makeRow(experiment: string, dataset: DatasetIdentity, f1Test: number, overrides: Partial<ResultRow> = {}): ResultRow {
  const threshold = 0.3;
  const sweep = Array.from({ length: 11 }, (_, i) => {
    const t = 0.05 + i * 0.05;
    const f = Math.max(0, f1Test - 1.5 * (t - threshold) ** 2);
    return { threshold: Number(t.toFixed(2)), f1Val: Number(Math.min(1, f + 0.02).toFixed(4)), f1Test: Number(f.toFixed(4)) };
  });
  return {
    experiment,
    description: `${experiment} embeddings, cosine kNN`,
    dataset,
    protocol: 'split',
    seed: 42,
    backend: { name: 'wasm', version: '4.22.0' },
    params: { k: 50 },
    threshold,
    f1: { val: f1Test + 0.02, test: f1Test },
    precision: Math.min(1, f1Test + 0.1),
    recall: Math.max(0, f1Test - 0.05),
    sweep,
    timings: { prepare: 1.5, train: 20, embed: 4, search: 0.5, total: 26 },
    gitCommit: 'cbc6a47',
    finishedAt: '2025-06-01T12:34:56.000Z',
    command: `pnpm --filter ${experiment} experiment --data ${dataset.path}`,
    ...overrides,
  };
}

export async function writeRow(resultsDir: string, row: ResultRow): Promise<string> {
  const dir = join(resultsDir, row.dataset.name);
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${row.experiment}.json`);
  await writeFile(file, JSON.stringify(row, null, 2));
  return file;
}
