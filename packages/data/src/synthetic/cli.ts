// Generates the synthetic Shopee-like dataset: pnpm generate:synthetic [--groups N] [--image-size PX] ...
import os from 'node:os';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { DEFAULT_SYNTHETIC, GENERATOR, generateSyntheticDataset, readSyntheticManifest, syntheticDatasetDir } from './index.ts';

const argv = yargs(hideBin(process.argv))
  .scriptName('generate:synthetic')
  .usage('$0 [options]  -- write a seeded synthetic Shopee-like dataset in the Kaggle layout')
  .option('out', { type: 'string', describe: 'output folder (default: datasets/synthetic-s<seed>-g<groups>-i<size>)' })
  .option('seed', { type: 'number', default: DEFAULT_SYNTHETIC.seed, describe: 'random seed; same seed, same bytes' })
  .option('groups', { type: 'number', default: DEFAULT_SYNTHETIC.groups, describe: 'number of products (label groups) in train.csv' })
  .option('image-size', { type: 'number', default: DEFAULT_SYNTHETIC.imageSize, describe: 'image width and height in pixels' })
  .option('force', { type: 'boolean', default: false, describe: 'regenerate even if the folder already holds a dataset' })
  .strict()
  .parseSync();

const outDir = argv.out ?? syntheticDatasetDir({ seed: argv.seed, groups: argv.groups, imageSize: argv.imageSize });
if (!argv.force && readSyntheticManifest(outDir)?.generator === GENERATOR) {
  console.log(`${outDir} already holds a ${GENERATOR} dataset; pass --force to regenerate it`);
} else {
  let lastReport = 0;
  const result = await generateSyntheticDataset({
    outDir,
    seed: argv.seed,
    groups: argv.groups,
    imageSize: argv.imageSize,
    onProgress: (done, total) => {
      if (process.stderr.isTTY && (done === total || performance.now() - lastReport > 250)) {
        lastReport = performance.now();
        process.stderr.write(`\rimages ${done}/${total}`);
        if (done === total) process.stderr.write('\n');
      }
    },
  });
  console.log(
    `wrote ${outDir}: ${result.rows} postings, ${result.groups} groups, ${result.images} images in ${result.seconds.toFixed(1)} s: ${(result.images / result.seconds).toFixed(0)} images/s wall, ${result.cpuMsPerImage.toFixed(2)} CPU ms/image (load average ${os.loadavg()[0].toFixed(1)} on ${os.availableParallelism()} cores)`,
  );
}
