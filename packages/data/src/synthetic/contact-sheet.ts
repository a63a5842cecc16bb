// Draws a contact sheet of a few generated groups (one row per label_group, its postings' images
// left to right, first title underneath) to docs/synthetic-contact-sheet.png: pnpm contact-sheet
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as aq from 'arquero';
import sharp, { type OverlayOptions } from 'sharp';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { DEFAULT_SYNTHETIC, ensureSyntheticDataset, repoRoot } from './index.ts';

const argv = yargs(hideBin(process.argv))
  .scriptName('contact-sheet')
  .option('data', { type: 'string', describe: 'dataset folder (default: the default synthetic set, generated if missing)' })
  .option('groups', { type: 'number', default: 6, describe: 'rows: groups with at least 4 postings, in file order' })
  .option('per-group', { type: 'number', default: 8, describe: 'images per row' })
  .option('tile', { type: 'number', default: 96, describe: 'tile size in pixels' })
  .option('out', { type: 'string', default: join(repoRoot(), 'docs', 'synthetic-contact-sheet.png') })
  .strict()
  .parseSync();

const dir = argv.data ? resolve(argv.data) : await ensureSyntheticDataset(DEFAULT_SYNTHETIC);
const rows = (
  await aq.loadCSV(join(dir, 'train.csv'), { parse: { label_group: String, image_phash: String, title: String } })
).objects() as Array<{ image: string; title: string; label_group: string; image_phash: string }>;
const byGroup = new Map<string, typeof rows>();
for (const r of rows) byGroup.set(r.label_group, [...(byGroup.get(r.label_group) ?? []), r]);
const chosen = [...byGroup.values()].filter((g) => g.length >= 4).slice(0, argv.groups);
if (chosen.length === 0) throw new Error(`${join(dir, 'train.csv')}: no label_group with 4 or more postings to show`);

const tile = argv.tile;
const gap = 6;
const caption = 18;
const width = argv.perGroup * (tile + gap) + gap;
const rowHeight = tile + caption + gap;
const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const layers: OverlayOptions[] = [];
chosen.forEach((group, r) => {
  const top = gap + r * rowHeight;
  group
    .slice(0, argv.perGroup)
    .forEach((posting, c) => layers.push({ input: join(dir, 'train_images', posting.image), left: gap + c * (tile + gap), top }));
  const text = `group ${group[0].label_group} (${group.length} postings): ${group[0].title}`.slice(0, 110);
  layers.push({
    input: Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${caption}"><text x="${gap}" y="13" font-family="DejaVu Sans" font-size="12" fill="#222">${esc(text)}</text></svg>`,
    ),
    left: 0,
    top: top + tile + 2,
  });
});
const resized = await Promise.all(
  layers.map(async (l) => (typeof l.input === 'string' ? { ...l, input: await sharp(l.input).resize(tile, tile).toBuffer() } : l)),
);
mkdirSync(dirname(argv.out), { recursive: true });
await sharp({ create: { width, height: gap + chosen.length * rowHeight, channels: 3, background: '#ffffff' } })
  .composite(resized)
  .png({ palette: true })
  .toFile(argv.out);
console.log(`wrote ${argv.out}: ${chosen.length} groups from ${dir}`);
