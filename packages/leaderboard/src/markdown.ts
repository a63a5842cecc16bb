import * as aq from 'arquero';
import type { ResultRow } from '@prodmatch/results';
import { rowLabel } from './read-rows.ts';
import { SEED_F1 } from './seed.ts';
import type { VersusBest } from './ties.ts';

/** Paths relative to LEADERBOARD.md. */
export interface ChartLink {
  image: string;
  spec: string;
}

export interface LeaderboardCharts {
  /** Keyed by chartKey(row). Rows without a sweep have no chart. */
  sweeps: ReadonlyMap<string, ChartLink>;
  /** Keyed by dataset name. */
  overlays: ReadonlyMap<string, ChartLink>;
  /** Two-source runs' joint-threshold heatmaps, keyed by chartKey(row). */
  joints?: ReadonlyMap<string, ChartLink>;
}

export const NO_CHARTS: LeaderboardCharts = { sweeps: new Map(), overlays: new Map() };

export function chartKey(row: ResultRow): string {
  return `${row.dataset.name}/${rowLabel(row)}`;
}

const DASH = '—';

function f3(value: number | null): string {
  return value === null ? DASH : value.toFixed(3);
}

function signed(value: number): string {
  const text = Math.abs(value).toFixed(3);
  return value > 0.0005 ? `+${text}` : value < -0.0005 ? `−${text}` : `±${text}`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} m`;
}

function formatFinished(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}

function link(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/**
 * Row order for the whole leaderboard: datasets with any real row first, then by name; inside a dataset by
 * test F1 descending (the row label breaks ties). Returns the rows grouped per dataset, in that order.
 */
export function orderRows(rows: readonly ResultRow[]): ResultRow[][] {
  if (rows.length === 0) return [];
  const ordered = aq
    .from(
      rows.map((row, index) => ({
        index,
        dataset: row.dataset.name,
        kindRank: row.dataset.kind === 'real' ? 0 : 1,
        f1Test: row.f1.test,
        label: rowLabel(row),
      })),
    )
    .groupby('dataset')
    .derive({ datasetRank: aq.op.min('kindRank') })
    .ungroup()
    .orderby('datasetRank', 'dataset', aq.desc('f1Test'), 'label');
  const datasets = ordered.array('dataset') as string[];
  const indices = ordered.array('index') as number[];
  const groups: ResultRow[][] = [];
  indices.forEach((rowIndex, i) => {
    if (i === 0 || datasets[i] !== datasets[i - 1]) groups.push([]);
    groups[groups.length - 1].push(rows[rowIndex]);
  });
  return groups;
}

function datasetHeading(rows: readonly ResultRow[]): string[] {
  const { name } = rows[0].dataset;
  const kinds = [...new Set(rows.map((r) => r.dataset.kind))].join(' + ');
  const byIdentity = new Map<string, string[]>();
  for (const r of rows) {
    const identity = `${r.dataset.rows.toLocaleString('en-US')} rows · ${r.dataset.groups.toLocaleString('en-US')} groups · csv sha256 \`${r.dataset.sha256.slice(0, 12)}\``;
    byIdentity.set(identity, [...(byIdentity.get(identity) ?? []), rowLabel(r)]);
  }
  const lines = [`## ${name} (${kinds})`, ''];
  if (byIdentity.size === 1) {
    lines.push(`${[...byIdentity.keys()][0]} · path \`${rows[0].dataset.path}\``);
  } else {
    lines.push(
      `**These rows were made from ${byIdentity.size} different versions of the dataset**; re-run the older experiments so they compare like with like:`,
      '',
    );
    for (const [identity, experiments] of byIdentity) lines.push(`- ${identity}: ${experiments.join(', ')}`);
  }
  lines.push('');
  return lines;
}

const COLUMNS = [
  '#',
  'experiment',
  'description',
  'protocol',
  'F1 test',
  'vs best (paired)',
  'F1 val',
  'threshold',
  'precision',
  'recall',
  'seed F1',
  'Δ vs seed',
  'backend',
  'total time',
  'finished',
];

const short = (value: number): string => String(Number(value.toFixed(4)));

function thresholdCell(row: ResultRow): string {
  const sources = row.thresholds ? Object.entries(row.thresholds) : [];
  if (sources.length > 1) return sources.map(([name, value]) => `${cell(name)}=${short(value)}`).join(', ');
  return row.threshold === null ? DASH : short(row.threshold);
}

/** A fused row's channels, each on its own at its chosen threshold, beside the fused F1. */
function channelLine(row: ResultRow): string | null {
  if (!row.channels || row.channels.length < 2) return null;
  const parts = row.channels.map((c) =>
    c.f1 && c.threshold !== null
      ? `${cell(c.name)} ${f3(c.f1.test)} at ${short(c.threshold)}`
      : `${cell(c.name)} (no threshold of its own)`,
  );
  return `- **${cell(rowLabel(row))}** (${cell(row.combiner?.name ?? 'union')}): ${parts.join(' · ')} → fused **${f3(row.f1.test)}**`;
}

/** Test F1 with its interval when the row has one: `**0.8506** [0.843, 0.858]`; a --seeds row's mean ± sd. */
function f1Cell(row: ResultRow): string {
  if (row.seeds) return `**${row.f1.test.toFixed(4)}** ± ${row.seeds.sd.toFixed(4)} (${row.seeds.values.length} seeds)`;
  const interval = row.f1Interval;
  return interval ? `**${row.f1.test.toFixed(4)}** [${interval.low.toFixed(3)}, ${interval.high.toFixed(3)}]` : `**${f3(row.f1.test)}**`;
}

/** The paired difference from the best row of the dataset and protocol: `−0.0004 [−0.003, 0.002] tied`. */
function versusBestCell(versus: VersusBest | undefined): string {
  if (!versus) return DASH;
  if (versus.best) return 'best';
  const s = (v: number, digits: number): string => `${v < 0 ? '−' : v > 0 ? '+' : '±'}${Math.abs(v).toFixed(digits)}`;
  return `${s(versus.difference, 4)} [${s(versus.low, 3)}, ${s(versus.high, 3)}]${versus.tied ? ' **tied**' : ''}`;
}

function tableRow(row: ResultRow, rank: number, charts: LeaderboardCharts, versusBest: VersusBestMap): string {
  const seed = Object.hasOwn(SEED_F1, row.experiment) ? SEED_F1[row.experiment] : null;
  const delta = seed !== null && row.dataset.kind === 'real' ? signed(row.f1.test - seed) : DASH;
  const chart = charts.sweeps.get(chartKey(row));
  const label = cell(rowLabel(row));
  const experiment = chart ? `[${label}](${link(chart.image)})` : label;
  const cells = [
    String(rank),
    experiment,
    cell(row.description) || DASH,
    row.protocol,
    f1Cell(row),
    versusBestCell(versusBest.get(row)),
    f3(row.f1.val),
    thresholdCell(row),
    f3(row.precision),
    f3(row.recall),
    f3(seed),
    delta,
    cell(`${row.backend.name}@${row.backend.version}`),
    formatDuration(row.timings.total),
    formatFinished(row.finishedAt),
  ];
  return `| ${cells.join(' | ')} |`;
}

/** A cv row's folds, or a --seeds row's runs, beside its F1. */
function spreadLine(row: ResultRow): string | null {
  const t = (value: Record<string, number>): string =>
    Object.entries(value)
      .map(([name, v]) => `${cell(name)}=${short(v)}`)
      .join(', ');
  if (row.cv) {
    const folds = row.cv.perFold.map((f) => `${f.f1.test.toFixed(4)} (${t(f.thresholds)})`).join(' · ');
    return `- **${cell(rowLabel(row))}**: ${row.cv.folds} folds' test F1 **${row.cv.mean.toFixed(4)} ± ${row.cv.sd.toFixed(4)}** (mean ± sd; each at its val-tuned thresholds: ${folds}); pooled out-of-fold **${row.cv.pooled.f1.toFixed(4)}** at ${t(row.cv.pooled.thresholds)}`;
  }
  if (row.seeds) {
    const runs = row.seeds.perSeed
      .map(
        (r) =>
          `seed ${r.seed} ${r.f1.test.toFixed(4)}${r.f1Interval ? ` [${r.f1Interval.low.toFixed(3)}, ${r.f1Interval.high.toFixed(3)}]` : ''}`,
      )
      .join(' · ');
    return `- **${cell(rowLabel(row))}**: ${row.seeds.values.length} seeds' F1 **${row.seeds.mean.toFixed(4)} ± ${row.seeds.sd.toFixed(4)}** (mean ± sd): ${runs}`;
  }
  return null;
}

function datasetSection(rows: readonly ResultRow[], charts: LeaderboardCharts, versusBest: VersusBestMap): string[] {
  const lines = datasetHeading(rows);
  lines.push(
    `| ${COLUMNS.join(' | ')} |`,
    `|${COLUMNS.map((c) => (/^(#|F1|threshold|precision|recall|seed|Δ|total)/.test(c) ? ' ---: ' : ' --- ')).join('|')}|`,
  );
  rows.forEach((row, i) => lines.push(tableRow(row, i + 1, charts, versusBest)));
  lines.push('');
  if (rows.every((r) => r.dataset.kind !== 'real')) {
    lines.push('Δ vs seed is left out: the seed F1s were measured on the real Shopee data, not on this synthetic set.', '');
  }
  const spreadLines = rows.map(spreadLine).filter((l): l is string => l !== null);
  if (spreadLines.length > 0) lines.push('Cross-validated and multi-seed rows:', '', ...spreadLines, '');
  const channelLines = rows.map(channelLine).filter((l): l is string => l !== null);
  if (channelLines.length > 0)
    lines.push(
      `Fused rows, each channel on its own (F1 ${rows.some((r) => r.protocol === 'full') ? 'on the reported rows' : 'test'} at the chosen threshold):`,
      '',
      ...channelLines,
      '',
    );
  lines.push('Commands that produced these rows:', '', '```sh', ...rows.map((r) => r.command.replace(/\n/g, ' ')), '```', '');
  const overlay = charts.overlays.get(rows[0].dataset.name);
  const sweeps = rows.flatMap((r) => {
    const chart = charts.sweeps.get(chartKey(r));
    return chart ? [{ row: r, chart }] : [];
  });
  if (overlay || sweeps.length > 0) lines.push(`### Threshold sweeps on ${rows[0].dataset.name}`, '');
  if (overlay) {
    lines.push(
      `![test F1 vs threshold, all experiments on ${rows[0].dataset.name}](${link(overlay.image)})`,
      '',
      `Vega-Lite spec: [overlay](${link(overlay.spec)})`,
      '',
    );
  }
  for (const { row, chart } of sweeps) {
    const label = rowLabel(row);
    lines.push(
      `#### ${label}`,
      '',
      `![${label}: F1 vs threshold](${link(chart.image)})`,
      '',
      `Vega-Lite spec: [${label}](${link(chart.spec)})`,
      '',
    );
    const joint = charts.joints?.get(chartKey(row));
    if (joint)
      lines.push(
        `![${label}: F1 over both thresholds](${link(joint.image)})`,
        '',
        `Vega-Lite spec: [${label} joint thresholds](${link(joint.spec)})`,
        '',
      );
  }
  return lines;
}

/** Each row's paired difference from the best row of its dataset and protocol (ties.ts); rows not paired are absent. */
export type VersusBestMap = ReadonlyMap<ResultRow, VersusBest>;

/** The whole results/LEADERBOARD.md, from the rows alone (plus where their charts were written, and the paired comparisons made from their predictions files). */
export function leaderboardMarkdown(
  rows: ResultRow[],
  charts: LeaderboardCharts = NO_CHARTS,
  versusBest: VersusBestMap = new Map(),
): string {
  const lines = [
    '# prodmatch leaderboard',
    '',
    '<!-- Generated from results/<dataset>/<experiment>.json by packages/leaderboard; edits are overwritten. Regenerate with `pnpm leaderboard`. -->',
    '',
    'Score: mean over postings of the F1 between predicted and true match sets (a posting always matches itself; at most 50 predictions).',
    "Protocols: `split` tunes the threshold on val groups and reports test groups; `full` fits, tunes and reports on all rows (the seed notebooks' way);",
    '`fixed` evaluates a given threshold on the test groups. Seed F1: the seed notebooks (EfficientNet-B3 at 512 px on GPU, real data); Δ vs seed = F1 test − seed F1.',
    "F1 test [low, high]: its 95% interval, a seeded bootstrap over label groups (1,000 resamples of the reported rows' groups, with replacement).",
    "`cv`: group k-fold; its F1 test is the pooled out-of-fold F1 at thresholds tuned on all out-of-fold predictions (the Kaggle recipe), the folds' mean ± sd are listed under the table.",
    'A `@seeds` row is one run per seed: F1 test is their mean ± sd.',
    "vs best (paired): F1 − the best row's F1 (same dataset, protocol and seed) on the same postings, read from both predictions files, with its 95% paired",
    'bootstrap interval (`pnpm compare A B`); **tied**: the interval includes 0, so the data do not show the row is worse. — : no predictions file, or other postings.',
    '',
  ];
  const groups = orderRows(rows);
  if (groups.length === 0)
    lines.push('No result rows yet: run `pnpm experiments` (or one experiment) to write results/<dataset>/<experiment>.json.', '');
  for (const group of groups) lines.push(...datasetSection(group, charts, versusBest));
  return lines.join('\n').replace(/\n+$/, '\n');
}
