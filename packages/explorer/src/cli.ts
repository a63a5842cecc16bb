// `pnpm explore [--data DIR] [--results DIR] [--port N] [--host H]`: the match explorer on a local server.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { installInterruptCleanup } from '@prodmatch/results';
import { REPO_ROOT, startExplorer } from './server.ts';

const argv = await yargs(hideBin(process.argv))
  .scriptName('pnpm explore')
  .usage(
    '$0 [--data DIR] [--results DIR] [--port N] [--host H]\n\nServes a page over the result rows and their predictions files: what each experiment matched, and why.',
  )
  .option('results', {
    type: 'string',
    default: join(REPO_ROOT, 'results'),
    defaultDescription: '<repo>/results',
    describe: 'results folder holding <dataset>/<experiment>.json rows and their .predictions.jsonl.gz',
  })
  .option('data', {
    type: 'string',
    array: true,
    default: [] as string[],
    describe: "dataset folder (train.csv, train_images/); repeat for several; default: each row's dataset.path",
  })
  .option('port', { type: 'number', default: 8765, describe: 'port to listen on (0: any free port)' })
  .option('host', {
    type: 'string',
    default: '127.0.0.1',
    describe: 'address to bind; anything but 127.0.0.1 exposes your results to the network',
  })
  .version(false)
  .wrap(Math.min(100, yargs().terminalWidth()))
  .strict()
  .help()
  .parseAsync();

function fail(message: string): never {
  console.error(`pnpm explore: ${message}`);
  process.exit(2);
}

if (!Number.isInteger(argv.port) || argv.port < 0 || argv.port > 65535)
  fail(`--port must be an integer in 0..65535, got ${String(argv.port)}`);
for (const dir of argv.data)
  if (!existsSync(join(resolve(dir), 'train.csv'))) fail(`--data ${dir}: no train.csv there; point it at a Kaggle-layout dataset folder`);

// Ctrl-C while a thumbnail or the page script is being cached leaves no temp file in .cache/explorer.
installInterruptCleanup();
try {
  const running = await startExplorer({ resultsDir: argv.results, dataDirs: argv.data, port: argv.port, host: argv.host });
  console.log(`match explorer on ${running.url}`);
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') fail(`port ${argv.port} is in use; pass --port N (or --port 0 for any free port)`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') fail(`--host ${argv.host}: not an address of this machine`);
  fail((error as Error).message.split('\n')[0]);
}
