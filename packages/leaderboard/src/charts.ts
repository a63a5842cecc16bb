import { access, readFile } from 'node:fs/promises';
import type { TopLevelSpec } from 'vega-lite';
import { rowLabel } from './read-rows.ts';
import type { ResultRow } from '@prodmatch/results';

export type { TopLevelSpec };

const WIDTH = 480;
const HEIGHT = 300;

const F1_AXIS = { field: 'f1', type: 'quantitative' as const, title: 'mean row F1', scale: { domain: [0, 1] } };
const THRESHOLD_AXIS = { field: 'threshold', type: 'quantitative' as const, title: 'threshold', scale: { zero: false } };

/** What a row's thresholds measure: cosine distance unless its features say otherwise (phash: Hamming bits).
 *  Sweeps in different units never share an axis. */
export function thresholdUnit(row: ResultRow): string {
  const first = row.thresholds ? Object.keys(row.thresholds)[0] : undefined;
  const channel = row.channels?.find((c) => c.name === first);
  if (channel) return channel.unit;
  return typeof row.params.distance === 'string' ? row.params.distance : 'cosine distance';
}
// DejaVu is what sharp's librsvg finds on a bare Debian image, so the PNG's text matches the SVG's.
const CONFIG = { background: 'white', font: 'DejaVu Sans', view: { stroke: null } };

const THRESHOLD_ORIGIN: Record<ResultRow['protocol'], string> = {
  split: 'chosen on val groups',
  full: 'chosen on all rows',
  fixed: 'given on the command line',
  cv: 'chosen on all out-of-fold rows',
};

function fmt(value: number): string {
  return String(Number(value.toFixed(3)));
}

/**
 * A two-source run's tuning F1 over both threshold grids (a heatmap), with the chosen pair marked: shows
 * whether the optimum is a sharp peak or a ridge along which one channel can stand in for the other.
 */
export function jointGridSpec(row: ResultRow): TopLevelSpec {
  const grid = row.jointGrid;
  if (!grid) throw new Error(`jointGridSpec: row ${rowLabel(row)} has no joint grid`);
  const chosen = row.thresholds ? [{ x: row.thresholds[grid.x], y: row.thresholds[grid.y], label: 'chosen' }] : [];
  const x = { field: 'x', type: 'ordinal' as const, title: `${grid.x} threshold (${grid.xUnit})`, sort: 'ascending' as const };
  const y = { field: 'y', type: 'ordinal' as const, title: `${grid.y} threshold (${grid.yUnit})`, sort: 'descending' as const };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${rowLabel(row)} on ${row.dataset.name}: F1 on ${grid.on} over both thresholds`,
      subtitle: `protocol ${row.protocol}; chosen ${grid.x}=${fmt(chosen[0]?.x ?? NaN)}, ${grid.y}=${fmt(chosen[0]?.y ?? NaN)}; test F1 ${fmt(row.f1.test)}`,
    },
    width: WIDTH,
    height: HEIGHT,
    config: CONFIG,
    layer: [
      {
        data: { values: grid.points },
        mark: { type: 'rect' },
        encoding: {
          x,
          y,
          color: { field: 'f1', type: 'quantitative', title: `F1 (${grid.on})`, scale: { scheme: 'viridis' } },
          tooltip: [
            { field: 'x', title: grid.x },
            { field: 'y', title: grid.y },
            { field: 'f1', format: '.4f' },
          ],
        },
      },
      {
        data: { values: chosen },
        mark: { type: 'point', shape: 'cross', size: 160, color: 'red', strokeWidth: 2 },
        encoding: { x, y },
      },
    ],
  };
}

/** An error bar from the row's interval at its chosen threshold; none for rows without an interval. */
function intervalLayers(row: ResultRow): NonNullable<Extract<TopLevelSpec, { layer: unknown }>['layer']> {
  if (!row.f1Interval || row.threshold === null) return [];
  const values = [{ threshold: row.threshold, low: row.f1Interval.low, high: row.f1Interval.high }];
  return [
    {
      data: { values },
      mark: { type: 'errorbar', ticks: { size: 12, thickness: 2 }, color: '#222', thickness: 2 },
      encoding: {
        x: { field: 'threshold', type: 'quantitative' },
        y: { ...F1_AXIS, field: 'low' },
        y2: { field: 'high' },
        tooltip: [
          { field: 'low', format: '.4f' },
          { field: 'high', format: '.4f' },
        ],
      },
    },
  ];
}

/** F1 on val and test against the threshold, with the chosen threshold marked by a rule and the test F1's interval there. */
export function sweepChartSpec(row: ResultRow): TopLevelSpec {
  const points = row.sweep.flatMap((p) => [
    ...(p.f1Val === null ? [] : [{ threshold: p.threshold, split: 'val', f1: p.f1Val }]),
    { threshold: p.threshold, split: 'test', f1: p.f1Test },
  ]);
  const chosenLabel = row.threshold === null ? [] : [{ threshold: row.threshold, label: `chosen ${fmt(row.threshold)}` }];
  const sources = row.thresholds ? Object.keys(row.thresholds) : [];
  const which =
    sources.length > 1
      ? `${sources[0]} threshold (${sources
          .slice(1)
          .map((s) => `${s}=${fmt((row.thresholds as Record<string, number>)[s])}`)
          .join(', ')} held)`
      : 'threshold';
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${rowLabel(row)} on ${row.dataset.name}: F1 vs ${which}`,
      subtitle: `protocol ${row.protocol} (threshold ${THRESHOLD_ORIGIN[row.protocol]}); test F1 ${fmt(row.f1.test)}${row.f1Interval ? ` [${fmt(row.f1Interval.low)}, ${fmt(row.f1Interval.high)}] (95%, bootstrap over label groups)` : ''}`,
    },
    width: WIDTH,
    height: HEIGHT,
    config: CONFIG,
    layer: [
      {
        data: { values: points },
        mark: { type: 'line', point: true },
        encoding: {
          x: { ...THRESHOLD_AXIS, title: `threshold (${thresholdUnit(row)})` },
          y: F1_AXIS,
          color: {
            field: 'split',
            type: 'nominal',
            title: 'split',
            scale: { domain: ['val', 'test'], range: ['#4c78a8', '#f58518'] },
          },
          tooltip: [{ field: 'split' }, { field: 'threshold' }, { field: 'f1', format: '.3f' }],
        },
      },
      // The test F1's 95% interval (bootstrap over label groups) at the chosen threshold.
      ...intervalLayers(row),
      {
        data: { values: chosenLabel },
        mark: { type: 'rule', strokeDash: [4, 3], color: '#555' },
        encoding: { x: { field: 'threshold', type: 'quantitative' } },
      },
      {
        data: { values: chosenLabel },
        mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, dy: 4, color: '#333' },
        encoding: { x: { field: 'threshold', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label' } },
      },
    ],
  };
  return spec;
}

// Tableau 10, then eight strong hues unlike any of them (navy, maroon, olive, magenta, cyan, lime, black,
// violet): lighter twins of the first ten would be told apart from them only with effort on a white ground.
const SERIES_COLOURS = [
  '#4c78a8',
  '#f58518',
  '#e45756',
  '#72b7b2',
  '#54a24b',
  '#eeca3b',
  '#b279a2',
  '#ff9da6',
  '#9d755d',
  '#bab0ac',
  '#000075',
  '#800000',
  '#808000',
  '#f032e6',
  '#42d4f4',
  '#bfef45',
  '#222222',
  '#911eb4',
];

/** One colour per series: the palette above, then evenly spaced hues once it runs out, never a repeat. */
export function seriesColours(count: number): string[] {
  if (count <= SERIES_COLOURS.length) return SERIES_COLOURS.slice(0, count);
  return Array.from({ length: count }, (_, i) => `hsl(${Math.round((360 * i) / count)}, ${i % 2 ? 55 : 75}%, ${i % 2 ? 62 : 42}%)`);
}

/** Every sweep of one dataset overlaid (test F1, colour = experiment), each with its chosen threshold as a dot. */
export function sweepOverlaySpec(rows: ResultRow[]): TopLevelSpec {
  const datasets = [...new Set(rows.map((r) => r.dataset.name))];
  if (datasets.length !== 1) throw new Error(`sweepOverlaySpec needs rows of one dataset, got ${datasets.length} (${datasets.join(', ')})`);
  // One panel per threshold unit (cosine distance, Hamming bits), each with its own x scale.
  const values = rows.flatMap((r) => [
    ...r.sweep.map((p) => ({ kind: 'sweep', unit: thresholdUnit(r), experiment: rowLabel(r), threshold: p.threshold, f1: p.f1Test })),
    ...(r.threshold !== null && r.sweep.length > 0
      ? [
          {
            kind: 'chosen',
            unit: thresholdUnit(r),
            experiment: rowLabel(r),
            threshold: r.threshold,
            f1: r.f1.test,
            ...(r.f1Interval ? { low: r.f1Interval.low, high: r.f1Interval.high } : {}),
          },
        ]
      : []),
  ]);
  // An explicit domain and range: the default 10-colour scheme repeats from the 11th series on.
  const series = [...new Set(values.map((v) => v.experiment))];
  const color = {
    field: 'experiment',
    type: 'nominal',
    title: 'experiment',
    scale: { domain: series, range: seriesColours(series.length) },
  } as const;
  const x = { ...THRESHOLD_AXIS, title: null };
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${datasets[0]}: test F1 vs threshold, all experiments`,
      subtitle: "dots: each experiment's chosen threshold, with its test F1's 95% interval; one panel per threshold unit",
    },
    config: CONFIG,
    data: { values },
    facet: { column: { field: 'unit', type: 'nominal', title: null, header: { labelFontSize: 13 } } },
    resolve: { scale: { x: 'independent' } },
    spec: {
      width: Math.round(WIDTH * 0.75),
      height: HEIGHT,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'sweep'" }],
          mark: { type: 'line' },
          encoding: { x, y: F1_AXIS, color, tooltip: [{ field: 'experiment' }, { field: 'threshold' }, { field: 'f1', format: '.3f' }] },
        },
        {
          transform: [{ filter: "datum.kind === 'chosen'" }],
          mark: { type: 'point', filled: true, size: 60 },
          encoding: { x, y: F1_AXIS, color },
        },
        {
          transform: [{ filter: "datum.kind === 'chosen' && isValid(datum.low)" }],
          mark: { type: 'errorbar', ticks: true },
          encoding: { x, y: { ...F1_AXIS, field: 'low' }, y2: { field: 'high' }, color },
        },
      ],
    },
  };
  return spec;
}

/** The spec as its .vl.json file holds it. */
export const specText = (spec: TopLevelSpec): string => `${JSON.stringify(spec, null, 2)}\n`;

/** True when outBase.vl.json already holds exactly this spec, so its SVG/PNG need not be re-rendered. */
export async function chartIsCurrent(spec: TopLevelSpec, outBase: string): Promise<boolean> {
  try {
    const existing = await readFile(`${outBase}.vl.json`, 'utf8');
    if (existing !== specText(spec)) return false;
    await Promise.all([access(`${outBase}.svg`), access(`${outBase}.png`)]);
    return true;
  } catch {
    return false;
  }
}
