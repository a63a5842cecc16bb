// The table's part of a training checkpoint, in a file of its own beside vision's epoch-NNN files:
// the values and the optimizer's moments, written straight from the typed arrays and read straight back
// into them. Handing them to vision's checkpoint as tensors would copy the table three times more (into
// the backend, out of it, and into one buffer for the file): 4 GB of the 5.2 GB a submission peaked at.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { EmbeddingTable } from './bag.ts';

/** Writes (and reads) at most this many bytes per call: a view of the table, never a copy of it. */
const CHUNK = 64 * 2 ** 20;

function arrays(table: EmbeddingTable): Float32Array[] {
  return [table.values, table.moment1, table.moment2];
}

function prefix(key: string): string {
  return `table-${createHash('sha256').update(key).digest('hex').slice(0, 12)}-step-`;
}

/** The file holding the table of `key` after `steps` optimizer steps. */
export function tableFile(dir: string, key: string, steps: number): string {
  return join(dir, `${prefix(key)}${String(steps).padStart(9, '0')}.bin`);
}

/**
 * Writes the table atomically (temp file + rename) and keeps only this key's newest `keep` table files,
 * as vision's saveCheckpoint keeps its newest two epochs. Called just before that checkpoint is written,
 * so a checkpoint on disk always has its table file.
 */
export function saveTable(dir: string, key: string, table: EmbeddingTable, keep = 2): string {
  const path = tableFile(dir, key, table.steps);
  const temp = `${path}.tmp`;
  const mine = prefix(key);
  let fd: number | null = null;
  try {
    // The folder's first checkpoint: vision's saveCheckpoint makes the folder, but only after this.
    mkdirSync(dir, { recursive: true });
    // A process killed outright mid-write leaves a temp file; the next save removes it.
    for (const f of readdirSync(dir)) if (f.startsWith(mine) && f.endsWith('.bin.tmp')) rmSync(join(dir, f), { force: true });
    fd = openSync(temp, 'w');
    for (const array of arrays(table)) {
      const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, Math.min(CHUNK, bytes.length - at));
    }
    closeSync(fd);
    fd = null;
    renameSync(temp, path);
  } catch (error) {
    if (fd !== null) closeSync(fd);
    try {
      rmSync(temp, { force: true });
    } catch {
      // No temp file could have been made where the folder is not one.
    }
    throw new Error(`${path}: could not write the encoder's table (${(error as Error).message.split('\n')[0]})`);
  }
  const old = readdirSync(dir)
    .filter((f) => f.startsWith(mine) && f.endsWith('.bin'))
    .sort()
    .reverse()
    .slice(keep);
  for (const f of old) rmSync(join(dir, f), { force: true });
  return path;
}

/** Reads the table of `key` after `steps` steps into `table` (same rows, dim and optimizer). */
export function loadTable(dir: string, key: string, steps: number, table: EmbeddingTable): void {
  const path = tableFile(dir, key, steps);
  if (!existsSync(path))
    throw new Error(`${path} is missing: the checkpoint's table was not saved; delete the checkpoint folder or drop --resume`);
  const fd = openSync(path, 'r');
  try {
    const want = arrays(table).reduce((s, a) => s + a.byteLength, 0);
    const size = fstatSync(fd).size;
    if (size !== want)
      throw new Error(`${path} holds ${size} bytes, this encoder's table ${want}; delete the checkpoint folder or drop --resume`);
    let position = 0;
    for (const array of arrays(table)) {
      const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
      for (let at = 0; at < bytes.length; ) {
        const read = readSync(fd, bytes, at, Math.min(CHUNK, bytes.length - at), position);
        if (read === 0) throw new Error(`${path}: ended early; delete the checkpoint folder or drop --resume`);
        at += read;
        position += read;
      }
    }
  } finally {
    closeSync(fd);
  }
}
