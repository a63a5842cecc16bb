import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { constants, hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import type { ResultRow } from './row.ts';

function uniqueSuffix(): string {
  return `${process.pid}.${randomBytes(4).toString('hex')}`;
}

// Temp files being written and lock directories held by this process. Ctrl-C (SIGINT) or a kill (SIGTERM)
// would otherwise end the process between a temp file's creation and its rename, leaving a partial
// *.tmp in results/ and a lock that the next run has to judge stale.
const pendingPaths = new Set<string>();
// Not SIGHUP: a listener would override the ignore that `nohup` sets for long runs.
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function removePendingAndExit(signal: NodeJS.Signals): void {
  for (const path of pendingPaths) rmSync(path, { recursive: true, force: true });
  pendingPaths.clear();
  // Exit at once with the shell's code for the signal (130 for SIGINT, 143 for SIGTERM): no other callback
  // runs after the cleanup, so nothing renames a half-written file into place.
  process.exit(128 + constants.signals[signal]);
}

/**
 * Installed when this module loads (every experiment process imports it through the runner), so that
 * a signal is handled between two turns of the event loop: a synchronous write such as a training
 * checkpoint (temp file + rename in one synchronous block) either completes or never starts, and the
 * asynchronous writes registered here are removed before the process exits.
 */
for (const signal of SIGNALS) process.on(signal, removePendingAndExit);

/** Removes `path` (file or folder) if a signal ends the process before the returned function is called. */
export function removeIfInterrupted(path: string): () => void {
  pendingPaths.add(path);
  return () => pendingPaths.delete(path);
}

/**
 * Writes to a sibling temp file and renames it into place, so readers see the old or the new file, never a
 * partial one. The temp name ends in .tmp, which .gitignore and readResultRows both skip.
 */
export async function writeFileAtomic(path: string, data: string | Buffer): Promise<void> {
  await writeAtomically(path, (temp) => writeFile(temp, data));
}

/**
 * The same for a writer that produces the file itself (a stream): `write` fills the temp path, which is
 * renamed into place, or removed on error or on SIGINT/SIGTERM.
 */
export async function writeAtomically(path: string, write: (temp: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${uniqueSuffix()}.tmp`;
  const done = removeIfInterrupted(temp);
  try {
    await write(temp);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  } finally {
    done();
  }
}

/**
 * Fields that change on every run of the same computation (how long it took, when, at which commit, from
 * which command line). Two rows that agree on everything else record the same result.
 */
export const RUN_ONLY_FIELDS = ['timings', 'finishedAt', 'gitCommit', 'command'] as const satisfies readonly (keyof ResultRow)[];

/** The row without the fields that differ on every run of the same computation. */
function outcome(row: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const rest: Record<string, unknown> = JSON.parse(JSON.stringify(row));
  for (const field of RUN_ONLY_FIELDS) delete rest[field];
  return rest;
}

/**
 * Writes a result row atomically, unless the file already holds a row with the same outcome (everything
 * but RUN_ONLY_FIELDS). Committed rows are turbo task outputs, and turbo (2.11) hashes a task's committed
 * outputs as inputs: rewriting an unchanged result with new timings would change the task's hash and make
 * every re-run a cache miss. Returns whether the file was written.
 */
export async function writeResultRow(path: string, row: ResultRow): Promise<boolean> {
  let existing: unknown = null;
  try {
    existing = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    // No row yet, or an unreadable one: write the new row.
  }
  if (existing && typeof existing === 'object' && isDeepStrictEqual(outcome(existing as Record<string, unknown>), outcome(row as unknown as Record<string, unknown>))) {
    return false;
  }
  await writeFileAtomic(path, JSON.stringify(row, null, 2) + '\n');
  return true;
}

export interface LockOptions {
  /** Give up after waiting this long for another holder (ms). */
  timeoutMs?: number;
  /** A lock older than this is taken over even if its owner looks alive (ms); regeneration takes seconds. */
  staleMs?: number;
  /** Poll interval while waiting (ms). */
  retryMs?: number;
}

interface LockOwner {
  token: string;
  pid: number;
  host: string;
  since: string;
}

async function readOwner(lockDir: string): Promise<LockOwner | null> {
  try {
    return JSON.parse(await readFile(join(lockDir, 'owner.json'), 'utf8')) as LockOwner;
  } catch {
    // Owner file not written yet (holder is between mkdir and writeFile) or lock just released.
    return null;
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isStale(lockDir: string, owner: LockOwner | null, staleMs: number): Promise<boolean> {
  if (owner && owner.host === hostname() && !processIsAlive(owner.pid)) return true;
  try {
    return Date.now() - (await stat(lockDir)).mtimeMs > staleMs;
  } catch {
    return false;
  }
}

/**
 * Runs `task` while holding an exclusive lock directory (mkdir is atomic on every local filesystem).
 * A lock whose owner process is gone, or that is older than staleMs, is moved aside and removed; the owner
 * token is re-checked after the move so a lock that was released and re-taken in between is put back.
 */
export async function withDirectoryLock<T>(lockDir: string, task: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const { timeoutMs = 5 * 60_000, staleMs = 10 * 60_000, retryMs = 50 } = options;
  const owner: LockOwner = { token: uniqueSuffix(), pid: process.pid, host: hostname(), since: new Date().toISOString() };
  const deadline = Date.now() + timeoutMs;
  await mkdir(dirname(lockDir), { recursive: true });
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readOwner(lockDir);
    if (await isStale(lockDir, holder, staleMs)) {
      const aside = `${lockDir}.stale.${uniqueSuffix()}`;
      try {
        await rename(lockDir, aside);
        const moved = await readOwner(aside);
        if (holder && moved && moved.token !== holder.token) {
          // We moved a fresh lock, not the stale one we judged: hand it back if the path is still free.
          await rename(aside, lockDir).catch(() => undefined);
        }
        await rm(aside, { recursive: true, force: true });
      } catch {
        // Someone else cleared it first; just retry.
      }
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `could not lock ${lockDir} within ${timeoutMs} ms (held by pid ${holder?.pid ?? '?'} on ${holder?.host ?? '?'} since ${holder?.since ?? '?'}); remove the directory if that process is gone`,
      );
    }
    await sleep(retryMs + Math.random() * retryMs);
  }
  const held = removeIfInterrupted(lockDir);
  try {
    await writeFile(join(lockDir, 'owner.json'), JSON.stringify(owner));
    return await task();
  } finally {
    // Only remove the lock if it is still ours (a holder past staleMs may have been taken over).
    if ((await readOwner(lockDir))?.token === owner.token) await rm(lockDir, { recursive: true, force: true });
    held();
  }
}
