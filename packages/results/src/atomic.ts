// The one atomic writer: every file prodmatch replaces (result rows, predictions, submissions, the
// leaderboard and its charts, checkpoints, caches) is written to a sibling temp file and renamed into
// place, so a reader sees the old file or the new one, never a partial one.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { removeIfInterrupted } from './interrupt.ts';

/** `<pid>.<8 hex digits>`: unique across processes and across concurrent writes of one process. */
export function uniqueSuffix(): string {
  return `${process.pid}.${randomBytes(4).toString('hex')}`;
}

/** The temp file a write of `path` goes through; it ends in .tmp, which .gitignore and readResultRows skip. */
export function tempPathFor(path: string): string {
  return `${path}.${uniqueSuffix()}.tmp`;
}

/** The file operations the writer performs: node's own, or (in tests) ones that fail part-way. */
export interface WriterIo {
  mkdir(dir: string): Promise<unknown>;
  writeFile(path: string, data: string | Uint8Array): Promise<void>;
  createWriteStream(path: string): Writable;
  rename(from: string, to: string): Promise<void>;
}

const nodeIo: WriterIo = {
  mkdir: (dir) => mkdir(dir, { recursive: true }),
  writeFile: (path, data) => writeFile(path, data),
  createWriteStream: (path) => createWriteStream(path),
  rename: (from, to) => rename(from, to),
};
let io: WriterIo = nodeIo;

/**
 * The fault-injection seam (issue 20): replaces some of the writer's file operations until the returned
 * function is called. `replace` gets the operations in force, to wrap them. For tests only; see
 * `injectWriteFault` in @prodmatch/results/testing.
 */
export function replaceWriterIo(replace: (current: WriterIo) => Partial<WriterIo>): () => void {
  const previous = io;
  io = { ...previous, ...replace(previous) };
  return () => {
    io = previous;
  };
}

// What a failed system call means for someone who wants the file written, and what they can do about it.
const FAILURES: Readonly<Record<string, { reason: string; advice: (dir: string) => string }>> = {
  ENOSPC: { reason: 'no space left on the device', advice: () => 'free some disk space' },
  EDQUOT: { reason: 'disk quota exceeded', advice: () => 'free some space or raise the quota' },
  EACCES: { reason: 'permission denied', advice: (dir) => `make ${dir} writable` },
  EPERM: { reason: 'operation not permitted', advice: (dir) => `make ${dir} writable` },
  EROFS: { reason: 'read-only file system', advice: () => 'write to a folder on a writable disk' },
  EIO: { reason: 'input/output error', advice: () => 'check the disk (the system log names the device)' },
  EMFILE: { reason: 'too many open files', advice: () => 'close other programs or raise the open-file limit (ulimit -n)' },
  ENFILE: { reason: 'too many open files in the system', advice: () => 'close other programs' },
  ENOTDIR: { reason: 'a parent of the path is not a folder', advice: (dir) => `check that ${dir} is a folder` },
  EISDIR: { reason: 'a folder has that name', advice: () => 'remove the folder or choose another path' },
  ENAMETOOLONG: { reason: 'the name is too long', advice: () => 'choose a shorter path' },
};

/** A file that could not be written; the message is one line naming it and saying what to do. */
export class WriteFileError extends Error {
  readonly path: string;
  /** The system error code (ENOSPC, EIO, ...). */
  readonly code: string;

  constructor(path: string, cause: NodeJS.ErrnoException) {
    const code = cause.code ?? 'EUNKNOWN';
    const dir = dirname(path);
    const failure = FAILURES[code] ?? { reason: code, advice: () => `check that ${dir} exists and is writable` };
    super(`could not write ${path}: ${failure.reason} (${code}); ${failure.advice(dir)}, then try again (the previous file is unchanged)`, {
      cause,
    });
    this.name = 'WriteFileError';
    this.path = path;
    this.code = code;
  }
}

/** A failed system call (it names one), as opposed to an error of the data being written. */
function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return (
    error instanceof Error &&
    typeof (error as NodeJS.ErrnoException).code === 'string' &&
    typeof (error as NodeJS.ErrnoException).syscall === 'string'
  );
}

async function replaceAtomically(path: string, fill: (temp: string) => Promise<void>): Promise<void> {
  try {
    await io.mkdir(dirname(path));
  } catch (error) {
    throw isSystemError(error) ? new WriteFileError(path, error) : error;
  }
  // A unique name per write: concurrent writers of one path (two requests for one thumbnail, two
  // processes finishing together) never share, truncate or rename each other's temp file.
  const temp = tempPathFor(path);
  const done = removeIfInterrupted(temp);
  try {
    await fill(temp);
    await io.rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw isSystemError(error) ? new WriteFileError(path, error) : error;
  } finally {
    done();
  }
}

/**
 * Writes `data` to `path` atomically: readers see the previous file or the new one, never a partial one;
 * no temp file survives an error or (with installInterruptCleanup) SIGINT/SIGTERM. A failed system call
 * becomes a WriteFileError; the previous file is then unchanged.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await replaceAtomically(path, (temp) => io.writeFile(temp, data));
}

/**
 * The streamed variant, for files too large to hold in memory (predictions): `source` flows through
 * `transforms` (e.g. gzip) into the temp file, which is renamed into place once the stream has ended.
 * An error from the source or a transform is rethrown as it is, after the temp file is removed.
 */
export async function writeStreamAtomic(
  path: string,
  source: Readable | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>,
  ...transforms: NodeJS.ReadWriteStream[]
): Promise<void> {
  await replaceAtomically(path, async (temp) => {
    const file = io.createWriteStream(temp);
    try {
      await pipeline([source instanceof Readable ? source : Readable.from(source), ...transforms, file]);
    } catch (error) {
      // The file may still be opening: wait until it is closed, so the temp file is removed after it exists.
      if (!file.closed) await new Promise((closed) => file.once('close', closed));
      throw error;
    }
  });
}
