import { join } from 'node:path';
import { REPO_ROOT } from '../src/paths.ts';

/**
 * The command line of a `pnpm submit` child, node first: submit.ts under tsx on a Kaggle folder, with
 * `flags` after the usual ones. With `cpuProfDir`, node writes the child's V8 CPU profile there.
 */
export function submitCommand(
  experiment: string,
  dataDir: string,
  out: string,
  options: { cpuProfDir?: string; flags?: readonly string[] } = {},
): string[] {
  return [
    process.execPath,
    ...(options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : []),
    '--import',
    'tsx',
    join(REPO_ROOT, 'packages/runner/src/submit.ts'),
    experiment,
    '--data',
    dataDir,
    '--out',
    out,
    '--no-progress',
    ...(options.flags ?? []),
  ];
}
