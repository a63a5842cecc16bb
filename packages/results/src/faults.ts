// Fault injection for the atomic writer (issue 20): make a write fail part-way, as a full disk or a failing
// device would, and check what every writer promises: the previous file is intact byte for byte, no temp
// file is left, and the error is one line naming the file and saying what to do.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { constants } from 'node:os';
import { basename, dirname } from 'node:path';
import { Writable } from 'node:stream';
import { replaceWriterIo, WriteFileError } from './atomic.ts';

export interface WriteFault {
  /** Which files' writes fail, by the path being written (not its temp file); default every file. */
  match?: RegExp | ((path: string) => boolean);
  /** The system error to raise; default ENOSPC. */
  code?: 'ENOSPC' | 'EIO' | 'EACCES' | 'EROFS' | 'EDQUOT' | 'EMFILE';
  /**
   * 'write' (default): part of the data reaches the temp file, then the write fails (a whole-file write
   * gets half its bytes; a stream gets its first chunk). 'rename': the temp file is complete, the rename fails.
   */
  at?: 'write' | 'rename';
}

export interface InjectedFault {
  /** How many writes failed so far. */
  readonly failures: number;
  /** Puts the writer's own file operations back. */
  restore(): void;
}

/** The path a temp file stands in for: `<path>.<pid>.<hex>.tmp` -> `<path>`. */
const targetOf = (temp: string): string => temp.replace(/\.\d+\.[0-9a-f]{8}\.tmp$/, '');

const MESSAGES: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EIO: 'i/o error',
  EACCES: 'permission denied',
  EROFS: 'read-only file system',
  EDQUOT: 'disk quota exceeded',
  EMFILE: 'too many open files',
};

/** An error shaped like node's own for a failed system call (code, errno, syscall, path). */
export function systemError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const errno = (constants.errno as Record<string, number>)[code] ?? 0;
  return Object.assign(new Error(`${code}: ${MESSAGES[code] ?? 'failed'}, ${syscall} '${path}'`), { code, errno: -errno, syscall, path });
}

/** Makes the atomic writer's writes of matching files fail (see WriteFault) until restore() is called. */
export function injectWriteFault(fault: WriteFault = {}): InjectedFault {
  const code = fault.code ?? 'ENOSPC';
  const at = fault.at ?? 'write';
  const match = fault.match;
  const hits = (temp: string): boolean => {
    const path = targetOf(temp);
    return match === undefined ? true : match instanceof RegExp ? match.test(path) : match(path);
  };
  let failures = 0;
  const fail = (syscall: string, path: string): NodeJS.ErrnoException => {
    failures++;
    return systemError(code, syscall, path);
  };
  const restore = replaceWriterIo((io) => ({
    async writeFile(temp, data) {
      if (at !== 'write' || !hits(temp)) return io.writeFile(temp, data);
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      await io.writeFile(temp, bytes.subarray(0, Math.floor(bytes.length / 2)));
      throw fail('write', temp);
    },
    createWriteStream(temp) {
      const file = io.createWriteStream(temp);
      if (at !== 'write' || !hits(temp)) return file;
      let written = 0;
      return new Writable({
        write(chunk: Buffer, _encoding, callback) {
          if (written++ > 0) return callback(fail('write', temp));
          file.write(chunk, (error) => callback(error));
        },
        // A stream of one chunk fails at its end instead: some bytes are on disk either way.
        final: (callback) => file.end(() => callback(written > 1 ? null : fail('write', temp))),
        destroy: (error, callback) => {
          if (file.closed) return callback(error);
          file.once('close', () => callback(error));
          file.destroy();
        },
      });
    },
    async rename(from, to) {
      if (at !== 'rename' || !hits(from)) return io.rename(from, to);
      throw fail('rename', from);
    },
  }));
  return {
    get failures() {
      return failures;
    },
    restore,
  };
}

const ADVICE: Record<string, RegExp> = {
  ENOSPC: /free some disk space/,
  EIO: /check the disk/,
  EACCES: /make .* writable/,
  EROFS: /writable disk/,
};

/**
 * Runs `write` (which writes `path` through the atomic writer, and perhaps other files) with a fault
 * injected into the writes of `path`, and checks the promises of issue 20: `write` fails; `path` holds the
 * bytes it held before (or is still absent); no temp file is left beside it; the error is a WriteFileError
 * whose message is one line that names `path` and says what to do, not the raw system error.
 */
export async function expectFailedWrite(
  path: string,
  write: () => Promise<unknown>,
  fault: Omit<WriteFault, 'match'> = {},
): Promise<WriteFileError> {
  const before = existsSync(path) ? readFileSync(path) : null;
  const injected = injectWriteFault({ ...fault, match: (p) => p === path });
  let caught: unknown = null;
  try {
    await write();
  } catch (error) {
    caught = error;
  } finally {
    injected.restore();
  }
  assert.equal(injected.failures, 1, `the fault was injected into one write of ${path}`);
  assert.ok(caught instanceof WriteFileError, `a WriteFileError, got ${String(caught)}`);
  const error = caught;
  if (before === null) assert.equal(existsSync(path), false, `${path} was not there before and is not there now`);
  else assert.ok(before.equals(readFileSync(path)), `${path} holds its previous bytes`);
  const dir = dirname(path);
  const left = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.tmp')) : [];
  assert.deepEqual(left, [], `no temp file left beside ${basename(path)}`);
  const code = fault.code ?? 'ENOSPC';
  assert.doesNotMatch(error.message, /\n/, 'one line');
  assert.ok(error.message.includes(path), `names ${path}: ${error.message}`);
  assert.match(error.message, ADVICE[code] ?? /then try again/, `says what to do: ${error.message}`);
  assert.ok(!error.message.includes(String((error.cause as Error).message)), `not the raw system error: ${error.message}`);
  return error;
}
