// pnpm bench:fusion: which fusion earns its place on the real titles. Runs fused-text's channels under
// other combiners (split protocol, thresholds tuned on val, F1 on test) and prints them beside the
// committed fused-text spec. Rows go to a temp folder: only the committed workspaces write results/.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { blend, concat, union } from '@prodmatch/match';
import { thresholdGrid } from '@prodmatch/metrics';
import { runExperiment } from '../src/run.ts';
import type { ExperimentSpec } from '../src/spec.ts';
import { loadExperimentSpec } from '../src/submit.ts';
import { REPO_ROOT } from '../src/paths.ts';

const args = yargs(hideBin(process.argv))
  .option('data', { type: 'string', default: join(REPO_ROOT, '..', 'shared', 'datasets', 'shopee') })
  .option('protocol', { choices: ['split', 'full'] as const, default: 'split' as const })
  .strict()
  .parseSync();

const base = await loadExperimentSpec('fused-text');
const { text, char, phash } = base.channels;
const variants: { name: string; spec: ExperimentSpec }[] = [
  { name: 'fused-text (union of text, char, phash; min2)', spec: base },
  { name: 'union of text and phash (no char)', spec: { ...base, channels: { text, phash } } },
  { name: 'blend text within 0.3, then union', spec: { ...base, combiner: blend({ channels: { text: 0.3 } }) } },
  { name: 'blend text and char within 0.3, then union', spec: { ...base, combiner: blend({ channels: { text: 0.3, char: 0.3 } }) } },
  {
    name: 'concat text + char (weights 1, 1)',
    spec: {
      ...base,
      channels: { text, char: { ...char, knn: { k: 50, candidatesFrom: ['text'] } } },
      combiner: concat({ weights: { text: 1, char: 1 }, grid: thresholdGrid(0.1, 0.8, 0.025) }),
    },
  },
];
const results = mkdtempSync(join(tmpdir(), 'prodmatch-bench-fusion-'));
const lines: string[] = [];
for (const { name, spec } of variants) {
  const row = await runExperiment({ ...spec, combiner: spec.combiner ?? union() }, [
    '--data',
    args.data,
    '--protocol',
    args.protocol,
    '--results',
    results,
    '--no-leaderboard',
    '--no-progress',
    '--tag',
    `v${lines.length}`,
  ]);
  lines.push(
    `| ${name} | ${row.f1.test.toFixed(4)} | ${row.f1.val?.toFixed(4) ?? '—'} | ${Object.entries(row.thresholds ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')} | ${row.timings.total.toFixed(1)} s |`,
  );
}
console.log(`\nfused-text variants on ${args.data} (protocol ${args.protocol}; F1 test at the val-tuned thresholds)\n`);
console.log('| variant | F1 test | F1 val | thresholds | time |\n| --- | ---: | ---: | --- | ---: |');
for (const line of lines) console.log(line);
