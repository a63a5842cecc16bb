// `pnpm leaderboard [--results DIR]`: rebuild results/LEADERBOARD.md and its charts from the row files.
import { fileURLToPath } from 'node:url';
import { relative, resolve } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { installInterruptCleanup } from '@prodmatch/results';
import { regenerateLeaderboard } from './regenerate.ts';

const repoResults = fileURLToPath(new URL('../../../results', import.meta.url));

const argv = await yargs(hideBin(process.argv))
  .scriptName('pnpm leaderboard')
  .usage('$0 [--results DIR]\n\nRegenerates LEADERBOARD.md and charts/ from DIR/<dataset>/<experiment>.json.')
  .option('results', {
    type: 'string',
    default: repoResults,
    defaultDescription: '<repo>/results',
    describe: 'results folder holding the row files',
  })
  .version(false)
  .wrap(Math.min(100, yargs().terminalWidth()))
  .strict()
  .help()
  .parseAsync();

const resultsDir = resolve(argv.results);
// Ctrl-C while the leaderboard is written leaves no temp file and no lock.
installInterruptCleanup();
try {
  const { markdownPath, charts } = await regenerateLeaderboard(resultsDir);
  const show = (p: string) => (relative(process.cwd(), p).startsWith('..') ? p : relative(process.cwd(), p));
  console.log(`wrote ${show(markdownPath)} and ${charts} charts under ${show(resolve(resultsDir, 'charts'))}`);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
