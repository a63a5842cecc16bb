// Rendering a chart spec to its files. Kept apart from the specs (charts.ts) because vega, vega-lite's
// compiler and sharp take seconds to load: the leaderboard imports this module only when a chart changed.
import sharp from 'sharp';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '@prodmatch/results';
import { specText } from './charts.ts';

// Twice the SVG's 72-dpi user units, so the PNG stays sharp on high-density screens.
const PNG_DENSITY = 144;

export interface RenderedChart {
  spec: string;
  svg: string;
  png: Buffer;
}

/** vega-lite -> vega -> headless View (no canvas needed) -> SVG; the PNG is rasterised from that SVG by sharp. */
export async function renderChartFiles(spec: TopLevelSpec): Promise<RenderedChart> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const png = await sharp(Buffer.from(svg), { density: PNG_DENSITY }).png().toBuffer();
    return { spec: specText(spec), svg, png };
  } finally {
    view.finalize();
  }
}

/** Writes <outBase>.vl.json, <outBase>.svg and <outBase>.png, each atomically. */
export async function renderChart(spec: TopLevelSpec, outBase: string): Promise<void> {
  await writeChartFiles(await renderChartFiles(spec), outBase);
}

export async function writeChartFiles(chart: RenderedChart, outBase: string): Promise<void> {
  // The spec goes last: chartIsCurrent trusts an up-to-date .vl.json to mean its SVG and PNG are there too.
  await writeFileAtomic(`${outBase}.svg`, chart.svg);
  await writeFileAtomic(`${outBase}.png`, chart.png);
  await writeFileAtomic(`${outBase}.vl.json`, chart.spec);
}
