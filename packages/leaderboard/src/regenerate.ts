import type { Dirent } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { chartIsCurrent, jointGridSpec, sweepChartSpec, sweepOverlaySpec, type TopLevelSpec } from './charts.ts';
import type { RenderedChart } from './render-chart.ts';
import { chartKey, leaderboardMarkdown, orderRows, type ChartLink } from './markdown.ts';
import { readResultRows, rowLabel } from './read-rows.ts';
import { writeFileAtomic, withDirectoryLock, type LockOptions } from '@prodmatch/results';
import { compareWithBest } from './ties.ts';

export const LEADERBOARD_FILE = 'LEADERBOARD.md';
export const CHARTS_DIR = 'charts';
/** Hidden, so readResultRows and the charts sweep never mistake it for a dataset. */
export const LOCK_DIR = '.leaderboard.lock';

interface PlannedChart {
  base: string;
  spec: TopLevelSpec;
  link: ChartLink;
}

function plan(resultsDir: string, dataset: string, name: string, spec: TopLevelSpec): PlannedChart {
  const base = join(resultsDir, CHARTS_DIR, dataset, name);
  const rel = relative(resultsDir, base).split('\\').join('/');
  return { base, spec, link: { image: `${rel}.png`, spec: `${rel}.vl.json` } };
}

/** Deletes chart files under charts/ that no current row produced (a row file was removed or renamed). */
async function removeOrphanCharts(chartsDir: string, keep: ReadonlySet<string>): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(chartsDir, { recursive: true, withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.isFile() || !/\.(vl\.json|svg|png)$/.test(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    if (!keep.has(path.replace(/\.(vl\.json|svg|png)$/, ''))) await rm(path, { force: true });
  }
}

export interface RegenerateOptions {
  lock?: LockOptions;
  /**
   * Default true. When false and some chart changed, nothing is written and `written` is false: the caller
   * (a text run, which must not load vega and sharp) then renders the leaderboard in a process of its own.
   */
  renderCharts?: boolean;
}

export interface RegeneratedLeaderboard {
  markdownPath: string;
  charts: number;
  /** Charts that changed (and were rendered, when written). */
  stale: number;
  written: boolean;
}

/**
 * Rebuilds results/LEADERBOARD.md and results/charts/ from the row files alone, holding a lock across
 * processes so that concurrent experiments finishing together serialise and the last one sees every row.
 * All rows are validated and all charts rendered in memory before anything is written, so a bad row
 * leaves the previous leaderboard untouched. Charts whose spec has not changed are not re-rendered.
 */
export async function regenerateLeaderboard(resultsDir: string, options: RegenerateOptions = {}): Promise<RegeneratedLeaderboard> {
  const found = await stat(resultsDir).catch(() => null);
  if (!found?.isDirectory())
    throw new Error(
      `no results folder at ${resultsDir}: run an experiment first, or pass the folder that holds <dataset>/<experiment>.json`,
    );
  return withDirectoryLock(
    join(resultsDir, LOCK_DIR),
    async () => {
      const rows = await readResultRows(resultsDir);
      const planned: PlannedChart[] = [];
      const sweeps = new Map<string, ChartLink>();
      const overlays = new Map<string, ChartLink>();
      const joints = new Map<string, ChartLink>();
      for (const group of orderRows(rows)) {
        const dataset = group[0].dataset.name;
        const withSweep = group.filter((r) => r.sweep.length > 0);
        if (withSweep.length === 0) continue;
        const overlay = plan(resultsDir, dataset, 'overlay', sweepOverlaySpec(withSweep));
        overlays.set(dataset, overlay.link);
        planned.push(overlay);
        for (const row of withSweep) {
          const chart = plan(resultsDir, dataset, rowLabel(row), sweepChartSpec(row));
          sweeps.set(chartKey(row), chart.link);
          planned.push(chart);
          if (row.jointGrid) {
            const joint = plan(resultsDir, dataset, `${rowLabel(row)}.joint`, jointGridSpec(row));
            joints.set(chartKey(row), joint.link);
            planned.push(joint);
          }
        }
      }
      const markdownPath = join(resultsDir, LEADERBOARD_FILE);
      const stale: PlannedChart[] = [];
      for (const chart of planned) if (!(await chartIsCurrent(chart.spec, chart.base))) stale.push(chart);
      if (stale.length > 0 && options.renderCharts === false)
        return { markdownPath, charts: planned.length, stale: stale.length, written: false };
      const markdown = leaderboardMarkdown(rows, { sweeps, overlays, joints }, await compareWithBest(rows, resultsDir));
      if (stale.length > 0) {
        const { renderChartFiles, writeChartFiles } = await import('./render-chart.ts');
        const rendered: { chart: PlannedChart; files: RenderedChart }[] = [];
        for (const chart of stale) rendered.push({ chart, files: await renderChartFiles(chart.spec) });
        for (const { chart, files } of rendered) await writeChartFiles(files, chart.base);
      }
      await removeOrphanCharts(join(resultsDir, CHARTS_DIR), new Set(planned.map((c) => c.base)));
      await writeFileAtomic(markdownPath, markdown);
      return { markdownPath, charts: planned.length, stale: stale.length, written: true };
    },
    options.lock,
  );
}
