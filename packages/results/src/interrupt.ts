// Interrupt clean-up. Ctrl-C (SIGINT) or a kill (SIGTERM) would otherwise end a process between a temp
// file's creation and its rename, leaving a partial *.tmp beside the file being replaced, and a lock that
// the next run has to judge stale. The writers here register what they are writing; an entry point that
// wants it removed on a signal says so by calling installInterruptCleanup() once. Importing this package
// installs nothing: a library that adds signal listeners on import changes how every process that
// happens to load it reacts to Ctrl-C.
import { rmSync } from 'node:fs';
import { constants } from 'node:os';

// Temp files being written and lock directories held by this process.
const pendingPaths = new Set<string>();
// Not SIGHUP: a listener would override the ignore that `nohup` sets for long runs.
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
let installed = false;

/** Removes `path` (file or folder) if a signal ends the process before the returned function is called. */
export function removeIfInterrupted(path: string): () => void {
  pendingPaths.add(path);
  return () => pendingPaths.delete(path);
}

function removePendingAndExit(signal: NodeJS.Signals): void {
  for (const path of pendingPaths) rmSync(path, { recursive: true, force: true });
  pendingPaths.clear();
  // Exit at once with the shell's code for the signal (130 for SIGINT, 143 for SIGTERM): no other callback
  // runs after the cleanup, so nothing renames a half-written file into place.
  process.exit(128 + constants.signals[signal]);
}

/**
 * For entry points (an experiment's main, `pnpm submit`, `pnpm leaderboard`, `pnpm explore`): on SIGINT or
 * SIGTERM, remove every temp file being written and every lock held by this process, then exit with the
 * shell's code for the signal. A signal is handled between two turns of the event loop, so a synchronous
 * block either completes or never starts; the asynchronous writes registered here are removed. Calling it
 * again does nothing.
 */
export function installInterruptCleanup(): void {
  if (installed) return;
  installed = true;
  for (const signal of SIGNALS) process.on(signal, removePendingAndExit);
}
