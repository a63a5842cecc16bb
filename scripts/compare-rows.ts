// `pnpm rows:compare [--before REF]`: every committed result row against its version at REF (default
// HEAD): F1s, thresholds, precision, recall, sweeps and each channel's F1 must be equal; params and
// timings may differ. For re-lays that must not change a result. Exits 1 on any difference.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';

const args = yargs(hideBin(process.argv))
  .option('before', { type: 'string', default: 'HEAD', describe: 'git ref holding the rows to compare against' })
  .strict()
  .parseSync();
const root = execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();
const results = join(root, 'results');

type Row = Record<string, unknown> & { channels?: { name: string; threshold: unknown; f1: unknown }[] };
const RESULT_KEYS = ['f1', 'threshold', 'thresholds', 'precision', 'recall', 'sweep', 'sweeps', 'protocol', 'seed'] as const;
const summary = (row: Row): Record<string, unknown> => ({
  ...Object.fromEntries(RESULT_KEYS.map((k) => [k, row[k]])),
  channels: row.channels?.map((c) => ({ name: c.name, threshold: c.threshold, f1: c.f1 })) ?? null,
});

let same = 0;
const differ: string[] = [];
const added: string[] = [];
for (const dataset of readdirSync(results, { withFileTypes: true }).filter(
  // Hidden folders (.cache) hold the leaderboard's caches, not rows.
  (d) => d.isDirectory() && !d.name.startsWith('.') && !['charts', 'bench'].includes(d.name),
)) {
  for (const file of readdirSync(join(results, dataset.name)).filter((f) => f.endsWith('.json'))) {
    const path = `results/${dataset.name}/${file}`;
    let before: Row;
    try {
      before = JSON.parse(
        execFileSync('git', ['show', `${args.before}:${path}`], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
      ) as Row;
    } catch {
      added.push(path);
      continue;
    }
    const after = JSON.parse(readFileSync(join(root, path), 'utf8')) as Row;
    if (JSON.stringify(summary(before)) === JSON.stringify(summary(after))) same++;
    else
      differ.push(
        `${path}: f1 ${JSON.stringify(before.f1)} -> ${JSON.stringify(after.f1)}, thresholds ${JSON.stringify(before.thresholds)} -> ${JSON.stringify(after.thresholds)}`,
      );
  }
}
console.log(`${same} rows keep their results exactly (against ${args.before}); ${differ.length} differ; ${added.length} new`);
for (const line of differ) console.log(`  differs: ${line}`);
for (const line of added) console.log(`  new: ${line}`);
process.exit(differ.length > 0 ? 1 : 0);
