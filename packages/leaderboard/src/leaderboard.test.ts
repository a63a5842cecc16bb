import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { ResultRowError } from '@prodmatch/results';
import { makeRow, REAL, SYNTHETIC, writeRow } from '@prodmatch/results/testing';
import {
  leaderboardMarkdown,
  readResultRows,
  regenerateLeaderboard,
  renderChart,
  rowLabel,
  SEED_F1,
  sweepChartSpec,
  sweepOverlaySpec,
} from './index.ts';

const tempDirs: string[] = [];
async function tempResults(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'prodmatch-leaderboard-'));
  tempDirs.push(dir);
  return dir;
}
after(async () => {
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

/** Experiment names in the order their table rows appear, per dataset heading. */
function tableOrder(markdown: string): Record<string, string[]> {
  const order: Record<string, string[]> = {};
  let dataset = '';
  for (const line of markdown.split('\n')) {
    const heading = /^## (\S+)/.exec(line);
    if (heading) dataset = heading[1];
    const row = /^\| \d+ \| \[?([\w@.-]+)/.exec(line);
    if (row) (order[dataset] ??= []).push(row[1]);
  }
  return order;
}

function tableRowOf(markdown: string, dataset: string, experiment: string): string[] {
  const section = markdown.slice(markdown.indexOf(`## ${dataset} `));
  const line = section.split('\n').find((l) => new RegExp(`^\\| \\d+ \\| \\[?${experiment}[\\]| ]`).test(l));
  assert.ok(line, `no table row for ${experiment} under ${dataset}`);
  return line.split(' | ').map((c) => c.replace(/^\| /, '').replace(/ \|$/, ''));
}

describe('leaderboardMarkdown', () => {
  const rows = [
    makeRow('glove', SYNTHETIC, 0.8),
    makeRow('phash', REAL, 0.55),
    makeRow('arcface', REAL, 0.68),
    makeRow('fused', REAL, 0.75),
    makeRow('softmax', SYNTHETIC, 0.85),
    makeRow('text-tfidf', REAL, 0.68),
  ];
  const markdown = leaderboardMarkdown(rows);

  test('puts real data first and sorts each table by test F1 descending, ties by name', () => {
    assert.deepEqual(tableOrder(markdown), {
      shopee: ['fused', 'arcface', 'text-tfidf', 'phash'],
      'synthetic-small': ['softmax', 'glove'],
    });
    assert.match(markdown, /## shopee \(real\)\n\n27,402 rows · 8,858 groups · csv sha256 `aaaaaaaaaaaa`/);
  });

  test('shows the seed F1 beside each row, and Δ vs seed only on real data', () => {
    const header = markdown
      .split('\n')
      .find((l) => l.startsWith('| # |'))!
      .split(' | ');
    const column = (name: string) => header.indexOf(name);
    const fused = tableRowOf(markdown, 'shopee', 'fused');
    assert.equal(fused[column('seed F1')], '0.740');
    assert.equal(fused[column('Δ vs seed')], '+0.010');
    assert.equal(tableRowOf(markdown, 'shopee', 'arcface')[column('Δ vs seed')], '−0.020');
    const phash = tableRowOf(markdown, 'shopee', 'phash');
    assert.equal(phash[column('seed F1')], '—', 'phash has no seed');
    assert.equal(phash[column('Δ vs seed')], '—');
    const softmax = tableRowOf(markdown, 'synthetic-small', 'softmax');
    assert.equal(softmax[column('seed F1')], SEED_F1.softmax.toFixed(3));
    assert.equal(softmax[column('Δ vs seed')], '—', 'synthetic rows get no Δ');
    assert.equal(fused[column('backend')], 'wasm@4.22.0');
    assert.equal(fused[column('total time')], '26.0 s');
  });

  test('lists the exact command of every row under its table', () => {
    for (const row of rows) assert.ok(markdown.includes(`\n${row.command}\n`), row.command);
  });

  test('flags a table whose rows came from different versions of the dataset', () => {
    const stale = makeRow('arcface', { ...REAL, sha256: 'c'.repeat(64) }, 0.6);
    const text = leaderboardMarkdown([makeRow('fused', REAL, 0.75), stale]);
    assert.match(text, /2 different versions of the dataset/);
    assert.match(text, /csv sha256 `cccccccccccc`: arcface/);
  });

  test('says how to get rows when there are none', () => {
    assert.match(leaderboardMarkdown([]), /No result rows yet/);
  });
});

describe('readResultRows', () => {
  test('reads valid rows and skips temp files, charts/, bench/ and the lock', async () => {
    const dir = await tempResults();
    await writeRow(dir, makeRow('arcface', REAL, 0.7));
    await writeRow(dir, makeRow('glove', SYNTHETIC, 0.5));
    await writeFile(join(dir, 'shopee', 'fused.json.123.ab.tmp'), '{"half":');
    for (const sub of ['charts/shopee', 'bench', '.leaderboard.lock']) await mkdir(join(dir, sub), { recursive: true });
    await writeFile(join(dir, 'charts', 'shopee', 'overlay.vl.json'), '{}');
    await writeFile(join(dir, 'bench', 'knn.json'), '{}');
    const rows = await readResultRows(dir);
    assert.deepEqual(
      rows.map((r) => `${r.dataset.name}/${r.experiment}`),
      ['shopee/arcface', 'synthetic-small/glove'],
    );
    assert.deepEqual(rows[0], makeRow('arcface', REAL, 0.7));
  });

  const badRows: [string, (row: Record<string, unknown>) => void, string, RegExp][] = [
    ['a string F1', (r) => ((r.f1 as Record<string, unknown>).test = '0.7'), 'f1.test', /must be a finite number in \[0, 1\], got "0.7"/],
    [
      'a missing dataset kind',
      (r) => delete (r.dataset as Record<string, unknown>).kind,
      'dataset.kind',
      /must be one of "real", "synthetic", missing/,
    ],
    ['a bad sweep point', (r) => ((r.sweep as Record<string, unknown>[])[3].f1Test = null), 'sweep[3].f1Test', /must be a finite number/],
    ['an unknown protocol', (r) => (r.protocol = 'holdout'), 'protocol', /must be one of "split", "full", "fixed"/],
    ['a short sha256', (r) => ((r.dataset as Record<string, unknown>).sha256 = 'abc'), 'dataset.sha256', /64-digit hex/],
    ['a bad date', (r) => (r.finishedAt = 'yesterday'), 'finishedAt', /ISO date-time/],
    [
      'a name that disagrees with the file',
      (r) => (r.experiment = 'arcface-v2'),
      'experiment',
      /must equal the file name "arcface" \(or its part before "@"\)/,
    ],
  ];
  for (const [what, corrupt, field, problem] of badRows) {
    test(`rejects ${what} with a one-line error naming file and field`, async () => {
      const dir = await tempResults();
      const row = JSON.parse(JSON.stringify(makeRow('arcface', REAL, 0.7))) as Record<string, unknown>;
      corrupt(row);
      const file = join(dir, 'shopee', 'arcface.json');
      await mkdir(join(dir, 'shopee'));
      await writeFile(file, JSON.stringify(row));
      await assert.rejects(readResultRows(dir), (error: unknown) => {
        assert.ok(error instanceof ResultRowError);
        assert.equal(error.file, file);
        assert.equal(error.field, field);
        assert.ok(error.message.startsWith(`${file}: field "${field}" `), error.message);
        assert.match(error.message, problem);
        assert.ok(!error.message.includes('\n'), 'one line');
        return true;
      });
    });
  }

  test('rejects a file that is not JSON', async () => {
    const dir = await tempResults();
    await mkdir(join(dir, 'shopee'));
    await writeFile(join(dir, 'shopee', 'cae.json'), '{"experiment": "cae",');
    await assert.rejects(readResultRows(dir), /shopee\/cae\.json: field "\(root\)" is not valid JSON/);
  });
});

describe('charts', () => {
  test('a sweep chart renders to a non-empty SVG, a valid PNG and its spec', async () => {
    const dir = await tempResults();
    const row = makeRow('arcface', REAL, 0.68);
    const spec = sweepChartSpec(row);
    await renderChart(spec, join(dir, 'arcface'));
    const svg = await readFile(join(dir, 'arcface.svg'), 'utf8');
    assert.match(svg, /^<svg/);
    for (const text of ['threshold', 'mean row F1', 'val', 'test', 'chosen 0.3', 'arcface on shopee'])
      assert.ok(svg.includes(`>${text}`) || svg.includes(text), text);
    const png = await sharp(join(dir, 'arcface.png')).metadata();
    assert.equal(png.format, 'png');
    assert.ok(png.width! >= 800 && png.height! >= 500, `${png.width}x${png.height}`);
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'arcface.vl.json'), 'utf8')), JSON.parse(JSON.stringify(spec)));
  });

  test('the overlay has one line per experiment, coloured by experiment, one panel per threshold unit, and refuses mixed datasets', async () => {
    const hamming = { ...makeRow('phash', REAL, 0.5), params: { distance: 'Hamming bits' } };
    const rows = [makeRow('arcface', REAL, 0.68), makeRow('fused', REAL, 0.75), hamming];
    const spec = sweepOverlaySpec(rows) as {
      data: { values: { experiment: string; unit: string; kind: string }[] };
      facet: { column: { field: string } };
    };
    const sweeps = spec.data.values.filter((v) => v.kind === 'sweep');
    assert.deepEqual([...new Set(sweeps.map((v) => v.experiment))], ['arcface', 'fused', 'phash']);
    assert.equal(spec.facet.column.field, 'unit');
    assert.deepEqual(
      [...new Set(sweeps.map((v) => `${v.experiment}:${v.unit}`))],
      ['arcface:cosine distance', 'fused:cosine distance', 'phash:Hamming bits'],
    );
    const dir = await tempResults();
    await renderChart(sweepOverlaySpec(rows), join(dir, 'overlay'));
    const svg = await readFile(join(dir, 'overlay.svg'), 'utf8');
    for (const name of ['arcface', 'fused', 'phash', 'cosine distance', 'Hamming bits'])
      assert.ok(svg.includes(`>${name}<`), `legend entry or panel header ${name}`);
    assert.throws(() => sweepOverlaySpec([rows[0], makeRow('glove', SYNTHETIC, 0.5)]), /one dataset/);
  });
});

describe('regenerateLeaderboard', () => {
  test('writes LEADERBOARD.md and every chart, embedding PNGs and linking specs by relative path', async () => {
    const dir = await tempResults();
    await writeRow(dir, makeRow('arcface', REAL, 0.68));
    await writeRow(dir, makeRow('cae', REAL, 0.45, { threshold: null, sweep: [] }));
    await writeRow(dir, makeRow('glove', SYNTHETIC, 0.5));
    const result = await regenerateLeaderboard(dir);
    assert.equal(result.markdownPath, join(dir, 'LEADERBOARD.md'));
    assert.equal(result.charts, 4, 'arcface + shopee overlay + glove + synthetic overlay; cae has no sweep');
    const markdown = await readFile(result.markdownPath, 'utf8');
    for (const base of ['shopee/arcface', 'shopee/overlay', 'synthetic-small/glove', 'synthetic-small/overlay']) {
      assert.ok(markdown.includes(`](charts/${base}.png)`), `embeds ${base}.png`);
      assert.ok(markdown.includes(`](charts/${base}.vl.json)`), `links ${base}.vl.json`);
      for (const ext of ['svg', 'png', 'vl.json']) await readFile(join(dir, 'charts', `${base}.${ext}`));
    }
    // A removed row takes its chart with it on the next regeneration.
    await rm(join(dir, 'synthetic-small', 'glove.json'));
    await regenerateLeaderboard(dir);
    assert.deepEqual(await readdir(join(dir, 'charts', 'synthetic-small')), []);
    assert.ok(!(await readFile(join(dir, 'LEADERBOARD.md'), 'utf8')).includes('glove'));
  });

  test('variants of one experiment (arcface@full.json beside arcface.json) get their own rows and charts', async () => {
    const dir = await tempResults();
    await writeRow(dir, makeRow('arcface', REAL, 0.68));
    const full = makeRow('arcface', REAL, 0.72, { protocol: 'full', f1: { val: null, test: 0.72 } });
    await writeFile(join(dir, 'shopee', 'arcface@full.json'), JSON.stringify(full));
    const rows = await readResultRows(dir);
    assert.deepEqual(rows.map(rowLabel), ['arcface', 'arcface@full']);
    await regenerateLeaderboard(dir);
    const markdown = await readFile(join(dir, 'LEADERBOARD.md'), 'utf8');
    assert.deepEqual(tableOrder(markdown), { shopee: ['arcface@full', 'arcface'] });
    assert.ok(markdown.includes('](charts/shopee/arcface%40full.png)'));
    const header = markdown
      .split('\n')
      .find((l) => l.startsWith('| # |'))!
      .split(' | ');
    assert.equal(tableRowOf(markdown, 'shopee', 'arcface@full')[header.indexOf('seed F1')], '0.700', 'the seed is looked up by experiment');
    assert.deepEqual((await readdir(join(dir, 'charts', 'shopee'))).filter((f) => f.endsWith('.png')).sort(), [
      'arcface.png',
      'arcface@full.png',
      'overlay.png',
    ]);
  });

  test('a bad row writes nothing and leaves the previous leaderboard as it was', async () => {
    const fresh = await tempResults();
    await writeRow(fresh, makeRow('arcface', REAL, 0.68));
    await writeRow(fresh, makeRow('fused', REAL, 0.75, { precision: 1.5 }));
    await assert.rejects(regenerateLeaderboard(fresh), /fused\.json: field "precision"/);
    assert.deepEqual((await readdir(fresh)).sort(), ['shopee']);
    assert.deepEqual((await readdir(join(fresh, 'shopee'))).sort(), ['arcface.json', 'fused.json']);

    const existing = await tempResults();
    await writeRow(existing, makeRow('arcface', REAL, 0.68));
    await regenerateLeaderboard(existing);
    const before = await readFile(join(existing, 'LEADERBOARD.md'), 'utf8');
    const chartsBefore = await readdir(join(existing, 'charts', 'shopee'));
    await writeRow(existing, makeRow('fused', REAL, 0.75, { f1: { val: null, test: -1 } }));
    await assert.rejects(regenerateLeaderboard(existing), /fused\.json: field "f1\.test"/);
    assert.equal(await readFile(join(existing, 'LEADERBOARD.md'), 'utf8'), before);
    assert.deepEqual(await readdir(join(existing, 'charts', 'shopee')), chartsBefore);
    assert.ok(
      !(await readdir(existing, { recursive: true })).some((f) => f.endsWith('.tmp') || f.includes('.lock')),
      'no temp files or lock left',
    );
  });

  test('4 processes that each write a row and regenerate at once end with every row on the leaderboard', async () => {
    const dir = await tempResults();
    const experiments = ['arcface', 'fused', 'text-idf', 'phash'];
    const regenerate = fileURLToPath(new URL('./index.ts', import.meta.url));
    const rows = fileURLToPath(new URL('../../results/src/test-rows.ts', import.meta.url));
    const script = (experiment: string, f1: number) => `
      import { regenerateLeaderboard } from ${JSON.stringify(regenerate)};
      import { makeRow, writeRow, REAL } from ${JSON.stringify(rows)};
      await writeRow(${JSON.stringify(dir)}, makeRow(${JSON.stringify(experiment)}, REAL, ${f1}));
      await regenerateLeaderboard(${JSON.stringify(dir)});`;
    const exits = await Promise.all(
      experiments.map(
        (experiment, i) =>
          new Promise<number | null>((resolve) => {
            const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(experiment, 0.5 + i / 10)], {
              stdio: 'inherit',
            });
            child.on('exit', resolve);
          }),
      ),
    );
    assert.deepEqual(exits, [0, 0, 0, 0]);
    const markdown = await readFile(join(dir, 'LEADERBOARD.md'), 'utf8');
    assert.deepEqual(tableOrder(markdown), { shopee: ['phash', 'text-idf', 'fused', 'arcface'] });
    assert.deepEqual((await readdir(join(dir, 'charts', 'shopee'))).filter((f) => f.endsWith('.png')).sort(), [
      'arcface.png',
      'fused.png',
      'overlay.png',
      'phash.png',
      'text-idf.png',
    ]);
    assert.ok(
      !(await readdir(dir, { recursive: true })).some((f) => f.endsWith('.tmp') || f.includes('.lock')),
      'no temp files or lock left',
    );
  });
});

test('regenerateLeaderboard on a missing folder says so and creates nothing', async () => {
  const missing = join(await tempResults(), 'results');
  await assert.rejects(regenerateLeaderboard(missing), /no results folder at .*results: run an experiment first/);
  await assert.rejects(readdir(missing), { code: 'ENOENT' });
});
