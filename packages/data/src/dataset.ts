import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { DataError, readPostingsCsv, type Posting, type PostingsFile } from './csv.ts';

export type DatasetKind = 'real' | 'synthetic';

export interface DatasetIdentity {
  name: string;
  kind: DatasetKind;
  path: string;
  rows: number;
  groups: number;
  sha256: string;
}

export interface Dataset {
  dir: string;
  identity: DatasetIdentity;
  /** train.csv: labelled postings, the only file experiments learn and evaluate on. */
  train: PostingsFile;
  trainImagesDir: string;
  /** test.csv when present (unlabelled, Kaggle's submission rows). */
  test: PostingsFile | null;
}

/** Generators write dataset.json beside the CSV; anything without one is taken as real data. */
function datasetKind(dir: string): DatasetKind {
  const manifest = join(dir, 'dataset.json');
  if (!existsSync(manifest)) return 'real';
  let kind: unknown;
  try {
    kind = (JSON.parse(readFileSync(manifest, 'utf8')) as { kind?: unknown }).kind;
  } catch (error) {
    throw new DataError(`${manifest}: not valid JSON (${(error as Error).message}); delete it or regenerate the dataset`);
  }
  if (kind !== 'real' && kind !== 'synthetic')
    throw new DataError(`${manifest}: "kind" must be "real" or "synthetic", got ${JSON.stringify(kind)}`);
  return kind;
}

/** Loads a Kaggle-layout folder: train.csv (required, labelled), train_images/ and test.csv (optional). */
export function loadDataset(dirArg: string): Dataset {
  const dir = resolve(dirArg);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new DataError(`${dir}: no such folder; --data (or PRODMATCH_DATA) must point at a Kaggle-layout folder with train.csv`);
  }
  const trainPath = join(dir, 'train.csv');
  if (!existsSync(trainPath)) throw new DataError(`${trainPath}: not found; a dataset folder needs train.csv (see datasets/README.md)`);
  const train = readPostingsCsv(trainPath, { requireLabels: true });
  const testPath = join(dir, 'test.csv');
  const test = existsSync(testPath) ? readPostingsCsv(testPath) : null;
  const groups = new Set(train.postings.map((p) => p.labelGroup)).size;
  return {
    dir,
    identity: { name: basename(dir), kind: datasetKind(dir), path: dir, rows: train.postings.length, groups, sha256: train.sha256 },
    train,
    trainImagesDir: join(dir, 'train_images'),
    test,
  };
}

/**
 * Image experiments call this before any work, so a folder without images fails at once with a
 * count instead of hours into training.
 */
export function assertImagesPresent(imagesDir: string, postings: readonly Posting[]): void {
  if (existsSync(imagesDir) && !statSync(imagesDir).isDirectory()) {
    throw new DataError(`${imagesDir}: is a file, not a folder; image experiments need the Kaggle train_images/ folder beside train.csv`);
  }
  const present = existsSync(imagesDir) ? new Set(readdirSync(imagesDir)) : new Set<string>();
  const needed = new Set(postings.map((p) => p.image));
  const missing = [...needed].filter((image) => !present.has(image));
  if (missing.length > 0) {
    throw new DataError(
      `${imagesDir}: ${missing.length} of ${needed.size} images are missing (first: ${missing[0]}); ` +
        'image experiments need the Kaggle train_images/ folder beside train.csv (see datasets/README.md)',
    );
  }
}
