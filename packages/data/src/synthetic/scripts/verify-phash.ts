// Compares our phash with the Kaggle image_phash column on whichever real train images are present.
// Usage: tsx packages/data/src/synthetic/scripts/verify-phash.ts [../shared/datasets/shopee]
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as aq from 'arquero';
import { phashDistance, phashFromFile } from '../../phash.ts';
import { repoRoot } from '../paths.ts';

const dir = resolve(process.argv[2] ?? join(repoRoot(), '..', 'shared', 'datasets', 'shopee'));
const table = await aq.loadCSV(join(dir, 'train.csv'), { parse: { image_phash: String, label_group: String } });
const rows = table.objects() as Array<{ image: string; image_phash: string }>;
const seen = new Set<string>();
const distances: number[] = [];
for (const row of rows) {
  const file = join(dir, 'train_images', row.image);
  if (seen.has(row.image) || !existsSync(file)) continue;
  seen.add(row.image);
  const ours = await phashFromFile(file);
  const d = phashDistance(ours, row.image_phash);
  distances.push(d);
  console.log(`${row.image}  kaggle ${row.image_phash}  ours ${ours}  hamming ${d}`);
}
const exact = distances.filter((d) => d === 0).length;
console.log(`${exact}/${distances.length} exact matches; hamming distances: ${distances.sort((a, b) => a - b).join(' ')}`);
