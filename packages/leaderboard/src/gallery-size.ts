// The leaderboard's gallery-size section, from results/bench/gallery-size.json (`pnpm bench:gallery-size`):
// per dataset and fused experiment, a chart of F1 against the scored gallery's size with one line per
// tuned size (and the split row's thresholds), the same as a table, and the held-out measurements.
import type { GallerySizeBench, GallerySizeExperiment, GallerySizeRun } from '@prodmatch/results';
import type { TopLevelSpec } from './charts.ts';
import type { ChartLink } from './markdown.ts';

/** Chart name under charts/<dataset>/ for one experiment's curve. */
export const gallerySizeChartName = (experiment: string, disjoint = false): string =>
  `gallery-size${disjoint ? '-disjoint' : ''}.${experiment}`;

const tunedLabel = (e: GallerySizeExperiment, tunedSize: number): string => {
  if (tunedSize === 0) return `split row (val ${e.splitRow?.valRows ?? '?'} rows)`;
  return `tuned at ${e.tuned.find((t) => t.size === tunedSize)?.rows ?? tunedSize} rows`;
};

/** F1 against the scored gallery's rows (log scale), one line per tuned threshold set. */
export function gallerySizeChartSpec(run: GallerySizeRun, e: GallerySizeExperiment): TopLevelSpec {
  const order = [...new Set(e.cells.map((c) => c.tunedSize))].sort((a, b) => a - b);
  const values = e.cells.map((c) => ({
    tuned: tunedLabel(e, c.tunedSize),
    order: order.indexOf(c.tunedSize),
    rows: c.scoredRows,
    f1: c.f1,
  }));
  const domain = order.map((size) => tunedLabel(e, size));
  const x = { field: 'rows', type: 'quantitative' as const, title: 'scored gallery (rows)', scale: { type: 'log' as const, nice: false } };
  const y = { field: 'f1', type: 'quantitative' as const, title: 'mean row F1', scale: { zero: false } };
  const color = {
    field: 'tuned',
    type: 'nominal' as const,
    title: 'thresholds',
    scale: { domain, scheme: 'viridis' },
    sort: domain,
    legend: { labelLimit: 320 },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${e.experiment} on ${run.dataset.name}: thresholds tuned at one gallery size, scored at another`,
      // One line per clause of the pool's description, so that a long one does not widen the chart.
      subtitle: [
        ...`galleries drawn by label group from ${e.pool.what}`.split('; '),
        `tuning and scoring galleries drawn independently (seeds ${run.seed}, ${run.seed + 1})`,
      ],
    },
    width: 480,
    height: 300,
    config: { background: 'white', font: 'DejaVu Sans', view: { stroke: null } },
    data: { values },
    encoding: { x, y, color },
    layer: [
      { mark: { type: 'line', strokeWidth: 1.5 }, encoding: { detail: { field: 'order', type: 'ordinal' } } },
      {
        mark: { type: 'point', filled: true, size: 40 },
        encoding: {
          tooltip: [
            { field: 'tuned', title: 'thresholds' },
            { field: 'rows', title: 'scored rows' },
            { field: 'f1', format: '.4f' },
          ],
        },
      },
    ],
  };
}

const thresholdsText = (thresholds: Record<string, number>): string =>
  Object.entries(thresholds)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

const signed = (value: number): string => `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(4)}`;

/** One experiment's table: tuned sets down, scored sizes across, the best F1 of each column in bold. */
function experimentLines(run: GallerySizeRun, e: GallerySizeExperiment, chart: ChartLink | undefined): string[] {
  const scored = [...new Map(e.cells.map((c) => [c.scoredSize, c.scoredRows])).entries()].sort((a, b) => a[0] - b[0]);
  const tunedSizes = [...new Set(e.cells.map((c) => c.tunedSize))].sort((a, b) => a - b);
  const best = new Map(scored.map(([size]) => [size, Math.max(...e.cells.filter((c) => c.scoredSize === size).map((c) => c.f1))]));
  const lines = [
    `#### ${e.experiment} on ${run.dataset.name}`,
    '',
    `Galleries from ${e.pool.what}: ${e.pool.rows} rows, ${e.pool.groups} groups; ${e.seconds.toFixed(0)} s.`,
    '',
  ];
  if (chart)
    lines.push(
      `![${e.experiment}: F1 by scored gallery size, per tuned size](${chart.image})`,
      '',
      `Vega-Lite spec: [${e.experiment} gallery size](${chart.spec})`,
      '',
    );
  lines.push(
    `| thresholds | ${e.sources.map((s) => s.name).join(' · ')} | ${scored.map(([, rows]) => `F1 @ ${rows}`).join(' | ')} |`,
    `| --- | --- |${scored.map(() => ' ---: ').join('|')}|`,
  );
  for (const tunedSize of tunedSizes) {
    const thresholds = tunedSize === 0 ? e.splitRow?.thresholds : e.tuned.find((t) => t.size === tunedSize)?.thresholds;
    const cells = scored.map(([size]) => {
      const cell = e.cells.find((c) => c.tunedSize === tunedSize && c.scoredSize === size);
      if (!cell) return '—';
      const text = cell.f1.toFixed(4);
      return cell.f1 === best.get(size) ? `**${text}**` : text;
    });
    lines.push(`| ${tunedLabel(e, tunedSize)} | ${thresholds ? thresholdsText(thresholds) : '—'} | ${cells.join(' | ')} |`);
  }
  lines.push('');
  for (const h of e.heldOut) {
    lines.push(
      `- Held out ${h.rows} rows (fit on ${h.fitSizes.join(', ')}): the fitted curve's thresholds (${thresholdsText(h.fitted.thresholds)}) score ${h.fitted.f1.toFixed(4)}, the split row's ${h.splitRow.f1.toFixed(4)}: ${signed(h.gain.difference)} [${signed(h.gain.low)}, ${signed(h.gain.high)}] paired over groups, P(gain > 0) ${h.gain.pGreater.toFixed(3)}; tuned on that size (another draw${h.size >= e.pool.rows ? ', here the same rows: in sample' : ''}) ${h.tunedHere.f1.toFixed(4)}.`,
    );
  }
  if (e.heldOut.length > 0) lines.push('');
  return lines;
}

/** The whole section; empty when there is no benchmark file. `charts` is keyed by `<dataset>/<chart name>`. */
export function gallerySizeMarkdown(bench: GallerySizeBench | null, charts: ReadonlyMap<string, ChartLink>): string[] {
  if (!bench || bench.runs.length === 0) return [];
  const lines = [
    '## Thresholds and gallery size',
    '',
    'The best distance cut depends on how many postings the gallery holds. `pnpm bench:gallery-size` tunes each fused',
    "experiment's thresholds on dev galleries of several sizes (whole label groups, seeded), scores every tuned set and the",
    "split row's on an independent gallery of every size, and fits each threshold against log(rows); `pnpm submit` reads",
    "that fit for test.csv's size. Held-out sizes are left out of the fit to measure it (from results/bench/gallery-size.json).",
    '',
  ];
  for (const run of bench.runs) {
    lines.push(
      `### ${run.dataset.name} (${run.dataset.rows} rows)${run.disjoint ? ', tuned and scored on disjoint halves of the groups' : ''}`,
      '',
      `\`${run.command}\` at ${run.gitCommit ?? 'an unknown commit'}, ${run.finishedAt.slice(0, 16).replace('T', ' ')}Z; ${run.seconds.toFixed(0)} s at load ${run.load.start.toFixed(1)} -> ${run.load.end.toFixed(1)}.`,
      '',
    );
    for (const e of run.experiments)
      lines.push(...experimentLines(run, e, charts.get(`${run.dataset.name}/${gallerySizeChartName(e.experiment, run.disjoint)}`)));
  }
  return lines;
}
