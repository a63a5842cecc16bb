// A lock across processes (a directory: mkdir is atomic on every local filesystem), for writers that must
// see every other writer's output first (the leaderboard is regenerated from all the rows on disk).
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { uniqueSuffix } from './atomic.ts';
import { removeIfInterrupted } from './interrupt.ts';

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
