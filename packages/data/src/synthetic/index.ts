import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GenerateOptions, GenerateResult, SyntheticManifest } from './generate.ts';
import { datasetsRoot, GENERATOR } from './paths.ts';

export { GENERATOR } from './paths.ts';
export type { GenerateOptions, GenerateResult, SyntheticManifest } from './generate.ts';

/** The generator (and sharp with it) loads only when a dataset is made, not when one is found. */
export async function generateSyntheticDataset(options: GenerateOptions): Promise<GenerateResult> {
  return (await import('./generate.ts')).generateSyntheticDataset(options);
}
export { REAL_GROUP_SIZE_HISTOGRAM } from './group-sizes.ts';
export { repoRoot } from './paths.ts';

/** ~3,100 postings at 128 px: generated in well under a minute, small enough for CPU image models. */
export const DEFAULT_SYNTHETIC = { seed: 42, groups: 1000, imageSize: 128 } as const;

export interface SyntheticOptions {
  seed?: number;
  groups?: number;
  imageSize?: number;
  /** parent folder; default <repo>/datasets */
  root?: string;
}

function resolved(opts: SyntheticOptions) {
  return {
    seed: opts.seed ?? DEFAULT_SYNTHETIC.seed,
    groups: opts.groups ?? DEFAULT_SYNTHETIC.groups,
    imageSize: opts.imageSize ?? DEFAULT_SYNTHETIC.imageSize,
    root: opts.root ?? datasetsRoot(),
  };
}

/** Folder of the synthetic dataset with these settings, e.g. <repo>/datasets/synthetic-s42-g1000-i128. */
export function syntheticDatasetDir(opts: SyntheticOptions = {}): string {
  const o = resolved(opts);
  return join(o.root, `synthetic-s${o.seed}-g${o.groups}-i${o.imageSize}`);
}

/** Reads dataset.json; null when the folder holds no finished synthetic dataset. */
export function readSyntheticManifest(dir: string): SyntheticManifest | null {
  const path = join(dir, 'dataset.json');
  if (!existsSync(path)) return null;
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as SyntheticManifest;
  return manifest.kind === 'synthetic' ? manifest : null;
}

/**
 * Returns the dataset folder, generating it first if it does not exist yet, was made by another
 * generator version, or `force` is set. Parallel
 * callers (e.g. turbo running several experiments) may both generate; the first to finish wins.
 */
export async function ensureSyntheticDataset(
  opts: SyntheticOptions & {
    force?: boolean;
    onProgress?: (done: number, total: number) => void;
    onGenerated?: (result: GenerateResult) => void;
  } = {},
): Promise<string> {
  const o = resolved(opts);
  const dir = syntheticDatasetDir(o);
  const existing = readSyntheticManifest(dir);
  if (!opts.force && existing?.generator === GENERATOR) return dir;
  // An older generator's folder must be replaced; a missing one may be raced for by parallel callers.
  const replace = Boolean(opts.force) || existing !== null;
  const result = await generateSyntheticDataset({
    outDir: dir,
    seed: o.seed,
    groups: o.groups,
    imageSize: o.imageSize,
    onProgress: opts.onProgress,
    replace,
  });
  opts.onGenerated?.(result);
  return dir;
}
