import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo root, found from this file's location (packages/data/src/synthetic/). */
export function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
}

export function datasetsRoot(): string {
  return join(repoRoot(), 'datasets');
}

/** The generator's version: a folder made by another version is generated again. */
export const GENERATOR = 'prodmatch-synthetic@4';
