// The explorer page: plain DOM. The query's matches are recomputed here with the runner's own rule
// (matchesWithin); the gallery's mean F1 and worst rows come from the server, which holds every row.
import { matchesWithin, rowF1, rowScoring } from '@prodmatch/metrics';
import embed from 'vega-embed';
import { $, api, ApiFailure, el, fillSelect, fittedChart, fmt, say } from './dom.ts';
import type { DatasetSummary, ExperimentDetail, GalleryScores, PostingCard, QueryDetail, RowScore } from '../src/api-types.ts';

type WorstFilter = 'all' | 'fp' | 'fn';

/** One experiment on screen (the first, or the one it is compared with). */
interface Side {
  detail: ExperimentDetail;
  /** The slider positions, by source list. */
  thresholds: Record<string, number>;
  /** The current query in this experiment's gallery; a string says why there is none. */
  query: QueryDetail | string | null;
  element: HTMLElement;
  /** A gallery request is out; `stale`: the thresholds changed since it was sent. */
  busy: boolean;
  stale: boolean;
}

const state = {
  datasets: [] as DatasetSummary[],
  dataset: '',
  sides: [] as Side[],
  postingId: null as string | null,
  filter: 'all' as WorstFilter,
};

function image(card: PostingCard, size: 'thumb' | 'large'): HTMLElement {
  if (!card.hasImage) return el('div', { class: 'placeholder' }, 'no image');
  return el('img', {
    src: `/api/image?${new URLSearchParams({ dataset: state.dataset, posting: card.postingId, size })}`,
    alt: card.title,
    loading: 'lazy',
  });
}

/** The query's F1 under its matches, by metrics' rowF1 (the runner's and the server's definition). */
function queryF1(side: Side, query: QueryDetail, matches: readonly number[]): number {
  const { rows, cap } = side.detail;
  // The page knows the query's label group by its members: label 1 for them, 0 for every other posting.
  const group = new Int32Array(rows);
  for (const j of query.truth) group[j] = 1;
  return rowF1(rowScoring(group, Int32Array.of(rows - query.truth.length, query.truth.length), cap), query.posting.index, matches);
}

function currentMatches(side: Side, query: QueryDetail): number[] {
  const { detail } = side;
  if (!detail.recomputable) return query.storedMatches;
  const lists = detail.lists
    .filter((l) => l.source)
    .map((l) => {
      const [indices, distances] = query.neighbours[l.name];
      // float32, as in the searches and the server's copy, so the rule compares exactly as the runner did.
      return { indices, distances: Float32Array.from(distances), threshold: side.thresholds[l.name], minMatches: l.minMatches };
    });
  return matchesWithin(query.posting.index, lists, { minMatches: detail.minMatches, cap: detail.cap });
}

function distancesOf(side: Side, query: QueryDetail, j: number): string {
  return side.detail.lists
    .map((l) => {
      const [indices, distances] = query.neighbours[l.name];
      const at = indices.indexOf(j);
      return `${l.name} ${at < 0 ? '—' : String(Number(distances[at].toFixed(4)))}`;
    })
    .join(' · ');
}

function card(side: Side, query: QueryDetail, j: number, kind: 'tp' | 'fp' | 'missed'): HTMLElement {
  const posting = query.postings[j];
  const label = j === query.posting.index ? 'self' : kind === 'tp' ? 'true' : kind === 'fp' ? 'false' : 'missed';
  return el(
    'div',
    {
      class: `card ${kind}`,
      'data-index': String(j),
      'data-posting': posting.postingId,
      title: `label group ${posting.labelGroup ?? '—'}`,
    },
    image(posting, 'thumb'),
    el('span', { class: 'mark' }, label),
    el('div', { class: 'title' }, posting.title),
    el('div', { class: 'distances' }, distancesOf(side, query, j)),
  );
}

function renderQueryCard(): void {
  const box = $('query');
  box.replaceChildren();
  const query = state.sides.map((s) => s.query).find((q): q is QueryDetail => typeof q === 'object' && q !== null);
  if (!query) return;
  const scores = state.sides.map((side) => {
    if (typeof side.query !== 'object' || side.query === null) return el('dd', {}, typeof side.query === 'string' ? side.query : '—');
    const f1 = queryF1(side, side.query, currentMatches(side, side.query));
    return el('dd', { class: 'row-f1', 'data-row-f1': String(f1), 'data-experiment': side.detail.id }, fmt(f1, 3));
  });
  const rows: HTMLElement[] = [
    el('dt', {}, 'posting'),
    el('dd', {}, query.posting.postingId),
    el('dt', {}, 'title'),
    el('dd', { id: 'query-title' }, query.posting.title),
    el('dt', {}, 'label group'),
    el('dd', {}, query.posting.labelGroup ?? '—'),
  ];
  state.sides.forEach((side, i) => rows.push(el('dt', {}, `row F1, ${side.detail.id}`), scores[i]));
  box.append(el('div', { class: 'card query' }, image(query.posting, 'large'), el('dl', {}, ...rows)));
}

function renderMatches(side: Side): void {
  const box = side.element.querySelector<HTMLElement>('.matches')!;
  box.replaceChildren();
  if (side.query === null) return;
  if (typeof side.query === 'string') {
    box.append(el('p', { class: 'note' }, side.query));
    return;
  }
  const query = side.query;
  const truth = new Set(query.truth);
  const matches = currentMatches(side, query);
  const predicted = new Set(matches);
  const missed = query.truth.filter((j) => !predicted.has(j));
  const wrong = matches.filter((j) => !truth.has(j)).length;
  box.append(
    el('h3', {}, `Predicted matches: ${matches.length} (${matches.length - wrong} true, ${wrong} false)`),
    el('div', { class: 'grid predicted' }, ...matches.map((j) => card(side, query, j, truth.has(j) ? 'tp' : 'fp'))),
    el('h3', {}, `True matches missed: ${missed.length}`),
    el('div', { class: 'grid missed' }, ...missed.map((j) => card(side, query, j, 'missed'))),
  );
}

function renderWorst(rows: RowScore[]): void {
  $('worst').replaceChildren(
    ...rows.map((r) =>
      el(
        'li',
        { 'data-posting': r.postingId },
        el('span', { class: 'score' }, `F1 ${fmt(r.f1, 2)} · ${r.falsePositives} fp · ${r.falseNegatives} fn`),
        el('div', { class: 'id' }, r.postingId),
        r.title,
      ),
    ),
  );
}

/**
 * Asks the server for the gallery's scores at this side's thresholds. One request at a time per side: moves
 * made while one is out are folded into a single follow-up with the latest thresholds, so a dragged slider
 * never queues work on the server.
 */
async function refreshGallery(side: Side): Promise<void> {
  side.stale = true;
  if (side.busy) return;
  side.busy = true;
  try {
    while (side.stale) {
      side.stale = false;
      const params: Record<string, string> = {
        dataset: state.dataset,
        exp: side.detail.id,
        filter: state.filter,
        limit: side === state.sides[0] ? '40' : '1',
      };
      if (side.detail.recomputable) for (const [name, value] of Object.entries(side.thresholds)) params[`t.${name}`] = String(value);
      try {
        const scores = await api<GalleryScores>('/api/gallery', params);
        if (side.stale) continue;
        const line = side.element.querySelector<HTMLElement>('.scores')!;
        line.dataset.f1 = String(scores.f1);
        // Counts answers, so a test or bench can wait for the next one even when the F1 does not change.
        line.dataset.answers = String(Number(line.dataset.answers ?? '0') + 1);
        line.textContent = `gallery (${side.detail.gallery}, ${side.detail.rows} rows): mean F1 ${fmt(scores.f1)}, precision ${fmt(scores.precision)}, recall ${fmt(scores.recall)}`;
        if (side === state.sides[0]) renderWorst(scores.worst);
      } catch (error) {
        say((error as Error).message);
      }
    }
  } finally {
    side.busy = false;
  }
}

function slider(side: Side, list: ExperimentDetail['lists'][number]): HTMLElement {
  const start = Math.max(0, list.stops.indexOf(side.thresholds[list.name]));
  const input = el('input', {
    type: 'range',
    min: '0',
    max: String(list.stops.length - 1),
    step: '1',
    value: String(start),
    'data-list': list.name,
    'aria-label': `${list.name} threshold`,
  });
  const output = el('output', {}, String(list.stops[start]));
  input.disabled = !side.detail.recomputable;
  input.addEventListener('input', () => {
    const value = list.stops[Number(input.value)];
    side.thresholds[list.name] = value;
    output.textContent = String(value);
    renderMatches(side);
    renderQueryCard();
    void refreshGallery(side);
  });
  return el('div', { class: 'slider' }, el('label', {}, `${list.name} (${list.unit})`), input, output);
}

function renderSide(side: Side): void {
  const { detail } = side;
  const sliders = detail.lists.filter((l) => l.source).map((l) => slider(side, l));
  const chart = el('div', { class: 'chart' });
  side.element.replaceChildren(
    el('h2', {}, detail.id),
    el(
      'p',
      { class: 'description' },
      `${detail.description} · protocol ${detail.protocol} · combiner ${detail.combiner.name} · stored F1 ${fmt(detail.storedF1)} (row: test F1 ${fmt(detail.f1Test)})`,
    ),
    ...sliders,
    ...(detail.recomputable
      ? []
      : [
          el(
            'p',
            { class: 'note' },
            `The ${detail.combiner.name} combiner is not a thresholded union: the stored matches are shown and the sliders are off.`,
          ),
        ]),
    el('p', { class: 'scores' }),
    chart,
    el('div', { class: 'matches' }),
  );
  void embed(chart, fittedChart(detail.chart, chart.clientWidth), { actions: false, renderer: 'svg' }).catch((error: Error) =>
    chart.append(el('p', { class: 'note' }, `chart: ${error.message}`)),
  );
}

async function loadQuery(side: Side): Promise<void> {
  if (state.postingId === null) {
    side.query = null;
    return;
  }
  try {
    side.query = await api<QueryDetail>('/api/query', { dataset: state.dataset, exp: side.detail.id, posting: state.postingId });
  } catch (error) {
    if (!(error instanceof ApiFailure)) throw error;
    side.query = error.message;
  }
}

function writeHash(): void {
  const params = new URLSearchParams({ dataset: state.dataset });
  state.sides.forEach((s, i) => params.set(i === 0 ? 'a' : 'b', s.detail.id));
  if (state.postingId) params.set('posting', state.postingId);
  history.replaceState(null, '', `#${params}`);
}

async function showPosting(postingId: string | null): Promise<void> {
  state.postingId = postingId;
  await Promise.all(state.sides.map(loadQuery));
  renderQueryCard();
  state.sides.forEach(renderMatches);
  writeHash();
}

async function openExperiments(ids: string[]): Promise<void> {
  say('');
  const container = $('sides');
  try {
    const details = await Promise.all(ids.map((exp) => api<ExperimentDetail>('/api/experiment', { dataset: state.dataset, exp })));
    state.sides = details.map((detail) => {
      const thresholds: Record<string, number> = {};
      for (const l of detail.lists) if (l.source && l.threshold !== null) thresholds[l.name] = l.threshold;
      return {
        detail,
        thresholds,
        query: null,
        element: el('div', { class: 'side', 'data-experiment': detail.id }),
        busy: false,
        stale: false,
      };
    });
  } catch (error) {
    state.sides = [];
    container.replaceChildren();
    say((error as Error).message);
    return;
  }
  $('worst-of').textContent = `(${ids[0]})`;
  container.replaceChildren(...state.sides.map((s) => s.element));
  state.sides.forEach(renderSide);
  await Promise.all(state.sides.map(refreshGallery));
  await showPosting(state.postingId);
}

async function chooseDataset(name: string, a?: string, b?: string): Promise<void> {
  const dataset = state.datasets.find((d) => d.name === name) ?? state.datasets[0];
  state.dataset = dataset.name;
  fillSelect(
    $('dataset'),
    state.datasets.map((d) => ({ value: d.name, label: `${d.name} (${d.kind}, ${d.rows} rows)` })),
    dataset.name,
  );
  const options = dataset.experiments.map((e) => ({
    value: e.id,
    label: `${e.id} · F1 ${fmt(e.f1Test, 3)}${e.unavailable ? ' · no predictions' : ''}`,
    disabled: e.unavailable !== null,
  }));
  const openable = dataset.experiments.filter((e) => e.unavailable === null).map((e) => e.id);
  const first = a && openable.includes(a) ? a : openable[0];
  fillSelect($('exp-a'), options, first ?? '');
  fillSelect($('exp-b'), [{ value: '', label: '(none)' }, ...options], b && openable.includes(b) ? b : '');
  if (!first) {
    state.sides = [];
    $('sides').replaceChildren();
    say(`No experiment on ${dataset.name} has a predictions file yet: run one (e.g. pnpm --filter text-tfidf run experiment) and reload.`);
    return;
  }
  await openExperiments([first, ...(b && openable.includes(b) && b !== first ? [b] : [])]);
}

async function search(text: string): Promise<void> {
  const side = state.sides[0];
  if (!side) return;
  const found = text.trim() === '' ? [] : await api<PostingCard[]>('/api/search', { dataset: state.dataset, exp: side.detail.id, q: text });
  if (($('search') as HTMLInputElement).value !== text) return;
  $('search-results').replaceChildren(
    ...found.map((p) => el('li', { 'data-posting': p.postingId }, el('div', { class: 'id' }, p.postingId), p.title)),
  );
  $('search-results').dataset.query = text;
}

function onPick(list: HTMLElement): void {
  list.addEventListener('click', (event) => {
    const item = (event.target as HTMLElement).closest('li');
    if (item?.dataset.posting) void showPosting(item.dataset.posting);
  });
}

async function main(): Promise<void> {
  state.datasets = await api<DatasetSummary[]>('/api/datasets', {});
  if (state.datasets.length === 0) {
    say('No result rows in the results folder: run an experiment first.');
    return;
  }
  const hash = new URLSearchParams(location.hash.slice(1));
  state.postingId = hash.get('posting');
  $('dataset').addEventListener('change', () => void chooseDataset(($('dataset') as HTMLSelectElement).value));
  const reopen = () => {
    const a = ($('exp-a') as HTMLSelectElement).value;
    const b = ($('exp-b') as HTMLSelectElement).value;
    void openExperiments([a, ...(b && b !== a ? [b] : [])]).then(writeHash);
  };
  $('exp-a').addEventListener('change', reopen);
  $('exp-b').addEventListener('change', reopen);
  $('search').addEventListener('input', () => void search(($('search') as HTMLInputElement).value).catch((e: Error) => say(e.message)));
  $('worst-filter').addEventListener('change', (event) => {
    state.filter = (event.target as HTMLInputElement).value as WorstFilter;
    if (state.sides[0]) void refreshGallery(state.sides[0]);
  });
  onPick($('search-results'));
  onPick($('worst'));
  await chooseDataset(hash.get('dataset') ?? '', hash.get('a') ?? undefined, hash.get('b') ?? undefined);
  document.body.dataset.ready = 'true';
}

main().catch((error: Error) => say(error.message));
