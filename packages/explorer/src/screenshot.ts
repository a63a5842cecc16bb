// `pnpm explore:screenshot`: the README's picture of the explorer, taken in the same headless chromium the
// page test uses, on the synthetic default (which has images) unless told otherwise.
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { syntheticDatasetDir } from '@prodmatch/data';
import { CHROMIUM, hasChromium, launchChromium } from './browser.ts';
import { REPO_ROOT, startExplorer } from './server.ts';

const argv = await yargs(hideBin(process.argv))
  .scriptName('pnpm explore:screenshot')
  .usage(
    '$0 [--dataset NAME] [--exp ID] [--compare ID] [--posting ID] [--out FILE]\n\nOpens the explorer in headless chromium and saves a screenshot of one query.',
  )
  .option('results', {
    type: 'string',
    default: join(REPO_ROOT, 'results'),
    defaultDescription: '<repo>/results',
    describe: 'results folder',
  })
  .option('data', { type: 'string', array: true, default: [] as string[], describe: 'dataset folder(s), as for pnpm explore' })
  .option('dataset', { type: 'string', default: basename(syntheticDatasetDir()), describe: 'dataset name' })
  .option('exp', { type: 'string', default: 'text-tfidf', describe: 'experiment (row file stem)' })
  .option('compare', { type: 'string', describe: 'a second experiment, shown beside the first' })
  .option('posting', { type: 'string', describe: 'query posting id; default: the lowest-F1 row with both true and false matches' })
  .option('out', {
    type: 'string',
    default: join(REPO_ROOT, 'docs', 'explorer.png'),
    defaultDescription: 'docs/explorer.png',
    describe: 'PNG to write',
  })
  .version(false)
  .strict()
  .help()
  .parseAsync();

function fail(message: string): never {
  console.error(`pnpm explore:screenshot: ${message}`);
  process.exit(2);
}

if (!hasChromium()) fail(`no browser at ${CHROMIUM}; install Debian's chromium (apt-get install -y chromium)`);
const running = await startExplorer({ resultsDir: argv.results, dataDirs: argv.data, port: 0 }).catch((error: Error) =>
  fail(error.message),
);
const browser = await launchChromium();
try {
  let posting = argv.posting;
  if (!posting) {
    // A typical mistake rather than a hopeless row: the worst row that has a true match besides itself.
    const { worst } = await running.explorer.gallery(argv.dataset, argv.exp, {}, 'fp', 500);
    const row = worst.find((r) => r.f1 >= 0.4 && r.falsePositives > 0) ?? worst[0];
    if (!row) fail(`${argv.exp} has no row with a false match to show; pass --posting ID`);
    posting = row.postingId;
  }
  const hash = new URLSearchParams({ dataset: argv.dataset, a: argv.exp, ...(argv.compare ? { b: argv.compare } : {}), posting });
  const page = await browser.newPage();
  await page.setViewport({ width: 1500, height: 1150 });
  await page.goto(`${running.url}#${hash}`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.waitForSelector('.side .grid.predicted .card');
  await page.waitForSelector('.side .chart svg');
  await page.waitForFunction(`[...document.querySelectorAll('img')].every((img) => img.complete)`);
  const out = resolve(argv.out);
  await mkdir(dirname(out), { recursive: true });
  await page.screenshot({ path: out as `${string}.png` });
  console.log(
    `wrote ${relative(process.cwd(), out)} (${argv.dataset}, ${argv.exp}${argv.compare ? ` vs ${argv.compare}` : ''}, query ${posting})`,
  );
} finally {
  await browser.close();
  await running.close();
}
