// Measures the real train.csv properties the generator imitates: the group-size histogram
// (pasted into group-sizes.ts) and image reuse. Baseline F1s are measured by the experiments
// themselves: see scripts/calibrate-synthetic.ts at the repo root.
// Usage: tsx packages/data/src/synthetic/scripts/real-stats.ts [dataset dir]
import { join, resolve } from 'node:path';
import * as aq from 'arquero';
import { readPostingsCsv } from '../../csv.ts';
import { repoRoot } from '../paths.ts';

const dir = resolve(process.argv[2] ?? join(repoRoot(), '..', 'shared', 'datasets', 'shopee'));
const postings = readPostingsCsv(join(dir, 'train.csv'), { requireLabels: true }).postings;
const table = aq.from(postings);
const sizes = table.groupby('labelGroup').count({ as: 'size' }).groupby('size').count({ as: 'groups' }).orderby('size');
const histogram = Object.fromEntries((sizes.objects() as Array<{ size: number; groups: number }>).map((r) => [r.size, r.groups]));
const nGroups = (sizes.objects() as Array<{ groups: number }>).reduce((s, r) => s + r.groups, 0);
console.log(`rows ${postings.length}, groups ${nGroups}, mean group size ${(postings.length / nGroups).toFixed(3)}`);
console.log(`group size histogram (size: groups) ${JSON.stringify(histogram)}`);
console.log(`groups of 2: ${((histogram[2] / nGroups) * 100).toFixed(1)}%`);
console.log(
  `unique images ${new Set(postings.map((p) => p.image)).size}, unique phashes ${new Set(postings.map((p) => p.imagePhash)).size}, unique titles ${new Set(postings.map((p) => p.title)).size}`,
);
