import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The monorepo root, found from this file so experiments work from any working directory. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** HEAD, marked dirty when code (not results) differs from it, so a row says whether it is reproducible. */
export function gitCommit(): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const changed = execFileSync('git', ['status', '--porcelain', '--', 'packages', 'experiments'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return changed ? `${head}-dirty` : head;
  } catch {
    return null;
  }
}
