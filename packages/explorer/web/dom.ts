// Small DOM and fetch helpers of the explorer page, kept apart from its state and rendering (app.ts).
import type { VisualizationSpec } from 'vega-embed';

export const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string>> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) if (value !== undefined) node.setAttribute(key, value);
  node.append(...children);
  return node;
}

export class ApiFailure extends Error {}

export async function api<T>(path: string, params: Record<string, string>): Promise<T> {
  const response = await fetch(`${path}?${new URLSearchParams(params)}`);
  const body = (await response.json()) as T | { error: string };
  if (!response.ok) throw new ApiFailure((body as { error: string }).error);
  return body as T;
}

export function say(message: string): void {
  $('message').textContent = message;
}

export const fmt = (x: number, digits = 4): string => x.toFixed(digits);

/**
 * The leaderboard's sweep chart, fitted to its column (one of two side by side when comparing): as wide as
 * the column (at most 760 px, style.css; vega-embed follows resizes), legend and axes included (autosize
 * fit-x), and shorter than on the leaderboard so the match grid stays in view. Its title, which names the
 * held thresholds and can be wider than a column, breaks after the experiment's name and is cut (with an
 * ellipsis) at the column's width.
 */
export function fittedChart(chart: unknown, columnWidth: number): VisualizationSpec {
  const spec: Record<string, unknown> = {
    ...(chart as Record<string, unknown>),
    width: 'container',
    height: 170,
    autosize: { type: 'fit-x', contains: 'padding' },
  };
  const title = spec.title as { text?: unknown; subtitle?: unknown } | undefined;
  if (title && typeof title.text === 'string') {
    const at = title.text.indexOf(': ');
    const text = at < 0 ? title.text : [title.text.slice(0, at + 1), title.text.slice(at + 2)];
    const limit = Math.max(120, columnWidth - 16);
    spec.title = { ...title, text, limit, subtitleLimit: limit };
  }
  return spec as VisualizationSpec;
}

export function fillSelect(
  select: HTMLSelectElement,
  options: { value: string; label: string; disabled?: boolean }[],
  value: string,
): void {
  select.replaceChildren(
    ...options.map((o) => {
      const option = el('option', { value: o.value }, o.label);
      option.disabled = Boolean(o.disabled);
      return option;
    }),
  );
  select.value = value;
}
