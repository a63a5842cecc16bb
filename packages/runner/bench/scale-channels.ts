// `pnpm bench:scale:channels`: where bench:scale's time goes, channel by channel. On the same derived
// postings (scale-data.ts), each channel's features are extracted, then searched as a run searches them
// (--sparse-search within or all), one channel at a time on this thread so no time overlaps: wall and
// CPU seconds per step, and the neighbours kept. Under within, hash channels search within the
// submission's thresholds for that many postings, as `pnpm submit --sparse-search within` does
// (search-cuts.ts). Rows go to stdout as JSON lines.
import { loadavg } from 'node:os';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { join } from 'node:path';
import { loadDataset } from '@prodmatch/data';
import { distancesFrom, rankCandidates, searchGallery } from '@prodmatch/match';
import type { NeighbourLists } from '@prodmatch/knn';
import { REPO_ROOT } from '../src/paths.ts';
import { prepareExperiment } from '../src/prepare.ts';
import { cutSearchesAtThresholds } from '../src/search-cuts.ts';
import { loadExperimentSpec, submissionThresholds } from '../src/submit.ts';
import { derivePostings } from './scale-data.ts';

const args = yargs(hideBin(process.argv))
  .scriptName('pnpm bench:scale:channels')
  .options({
    experiment: { type: 'string', default: 'fused-text' },
    sizes: { type: 'string', default: '35000,70000' },
    search: { type: 'string', choices: ['within', 'all'], default: 'within' },
    seed: { type: 'number', default: 2026 },
    real: { type: 'string', default: join(REPO_ROOT, '..', 'shared', 'datasets', 'shopee') },
  })
  .strict()
  .parseSync();

async function timed<T>(run: () => Promise<T> | T): Promise<{ value: T; wall: number; cpu: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = await run();
  const used = process.cpuUsage(cpu);
  return {
    value,
    wall: Number(((performance.now() - start) / 1000).toFixed(2)),
    cpu: Number(((used.user + used.system) / 1e6).toFixed(2)),
  };
}

const kept = (lists: NeighbourLists): number => lists.indices.reduce((sum, row) => sum + row.length, 0);

async function main(): Promise<void> {
  const real = loadDataset(args.real);
  const spec = await loadExperimentSpec(args.experiment);
  const prepared = await prepareExperiment(spec, ['--data', args.real, '--sparse-search', args.search, '--no-progress']);
  for (const rows of args.sizes.split(',').map(Number)) {
    const postings = derivePostings(real.train.postings, rows, args.seed);
    const lists = new Map<string, NeighbourLists>();
    const { values } = submissionThresholds(prepared, prepared.resultsDir, rows);
    const { channels } = cutSearchesAtThresholds(prepared.run.sparseSearch, prepared.channels, prepared.combiner, prepared.sources, values);
    for (const channel of [...channels].sort((a, b) => Number(Boolean(a.knn.candidatesFrom)) - Number(Boolean(b.knn.candidatesFrom)))) {
      const features = await timed(() => channel.feature.extractor.extract(postings, prepared.context));
      const search = await timed(() =>
        channel.knn.candidatesFrom
          ? rankCandidates(
              channel.knn.candidatesFrom.map((name) => lists.get(name) as NeighbourLists),
              distancesFrom(features.value),
              channel.knn.k,
            )
          : searchGallery(features.value, channel.knn, prepared.context.tf),
      );
      lists.set(channel.name, search.value);
      const how = channel.knn.candidatesFrom
        ? `ranks ${channel.knn.candidatesFrom.join('+')}`
        : (channel.knn.sparseWithin ?? channel.knn.maxDistance ?? 'full');
      console.log(
        JSON.stringify({
          rows,
          channel: channel.name,
          search: how,
          extract: { wall: features.wall, cpu: features.cpu },
          searchTime: { wall: search.wall, cpu: search.cpu },
          neighbours: kept(search.value),
          load: Number(loadavg()[0].toFixed(2)),
        }),
      );
    }
  }
}

main().catch((error: unknown) => {
  console.error(`bench:scale:channels: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
