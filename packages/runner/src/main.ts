import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installInterruptCleanup } from '@prodmatch/results';
import { runExperiment } from './run.ts';
import type { ExperimentSpec } from './spec.ts';

/** Entry point for experiment workspaces: one line of error (no stack) and exit 1 on failure. */
export function main(spec: ExperimentSpec): void {
  installInterruptCleanup();
  runExperiment(spec).catch((error: Error) => {
    console.error(`${spec.name}: ${error.message.split('\n')[0]}`);
    if (process.env.PRODMATCH_DEBUG) console.error(error.stack);
    process.exit(1);
  });
}

/**
 * An experiment file's one statement: `export default experiment(import.meta, spec)`. Run as a script
 * (`tsx experiment.ts`), it runs the experiment; imported (by `pnpm submit`, or another experiment that
 * builds on it), it only hands over the spec.
 */
export function experiment(meta: ImportMeta, spec: ExperimentSpec): ExperimentSpec {
  if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(meta.url)) main(spec);
  return spec;
}
