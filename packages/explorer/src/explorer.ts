// What the explorer knows: the result rows (read at start-up, small) and, loaded on first use and kept,
// each opened experiment's predictions and its dataset's postings.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
// Start-up reads rows only: the leaderboard's charts (vega) and the dataset loader (arquero, sharp) are
// imported when an experiment is first opened, which keeps `pnpm explore` starting fast.
import { readResultRows, rowLabel } from '@prodmatch/leaderboard/read-rows';
import { DISTANCE_RANGE, predictionsPathFor, type ResultRow } from '@prodmatch/results';
import type {
  DatasetSummary,
  ExperimentDetail,
  ExperimentSummary,
  GalleryScores,
  ListSummary,
  PostingCard,
  QueryDetail,
} from './api-types.ts';
import { Gallery, type GalleryOutcome } from './gallery.ts';
import type { DatasetPostings } from './postings.ts';

/** A request the explorer cannot answer; `status` is the HTTP status, the message one line. */
export class ExplorerRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ExplorerSources {
  resultsDir: string;
  /** Dataset folders by dataset name (--data); other datasets are found at their rows' dataset.path. */
  dataDirs: ReadonlyMap<string, string>;
  /** What a row's relative dataset.path is relative to. */
  repoRoot: string;
}

export type WorstFilter = 'all' | 'fp' | 'fn';

export interface OpenExperiment {
  row: ResultRow;
  gallery: Gallery;
  postings: DatasetPostings;
  /** Lower-cased titles in gallery order, for search. */
  titles: string[];
  storedF1: number;
}

const SEARCH_LIMIT = 20;

/**
 * The `limit` lowest-F1 rows (F1 below 1) passing the filter, lowest first; ties: more of the filter's error
 * kind (false positives unless filtering on false negatives) first, then gallery order. One pass keeping a
 * short sorted list, not a sort of the whole gallery.
 */
function worstRows(scores: GalleryOutcome, filter: WorstFilter, limit: number): number[] {
  const { rowF1, falsePositives: fp, falseNegatives: fn } = scores;
  const heavier = filter === 'fn' ? fn : fp;
  const before = (a: number, b: number) =>
    rowF1[a] < rowF1[b] || (rowF1[a] === rowF1[b] && (heavier[a] > heavier[b] || (heavier[a] === heavier[b] && a < b)));
  const kept: number[] = [];
  for (let i = 0; i < rowF1.length; i++) {
    if (rowF1[i] >= 1 || (filter === 'fp' && !(fp[i] > fn[i])) || (filter === 'fn' && !(fn[i] > fp[i]))) continue;
    if (kept.length === limit && !before(i, kept[limit - 1])) continue;
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(i, kept[mid])) hi = mid;
      else lo = mid + 1;
    }
    kept.splice(lo, 0, i);
    if (kept.length > limit) kept.pop();
  }
  return kept;
}

/** Words of a search box: lower-cased, split on white space. */
function searchWords(query: string): string[] {
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w.length > 0);
}

export class Explorer {
  private readonly opened = new Map<string, Promise<OpenExperiment>>();
  private readonly datasetLoads = new Map<string, Promise<DatasetPostings>>();

  private constructor(
    private readonly sources: ExplorerSources,
    private readonly rows: Map<string, Map<string, ResultRow>>,
  ) {}

  /** Reads the result rows only; predictions and datasets wait until an experiment is opened. */
  static async open(sources: ExplorerSources): Promise<Explorer> {
    if (!existsSync(sources.resultsDir))
      throw new ExplorerRequestError(
        500,
        `${sources.resultsDir}: no such results folder; pass --results DIR (a folder of <dataset>/<experiment>.json rows)`,
      );
    const rows = new Map<string, Map<string, ResultRow>>();
    for (const row of await readResultRows(sources.resultsDir)) {
      const byId = rows.get(row.dataset.name) ?? new Map<string, ResultRow>();
      byId.set(rowLabel(row), row);
      rows.set(row.dataset.name, byId);
    }
    return new Explorer(sources, rows);
  }

  private predictionsPath(row: ResultRow): string {
    return predictionsPathFor(join(this.sources.resultsDir, row.dataset.name, `${rowLabel(row)}.json`));
  }

  private summary(row: ResultRow): ExperimentSummary {
    const hasPredictions = existsSync(this.predictionsPath(row));
    return {
      id: rowLabel(row),
      experiment: row.experiment,
      description: row.description,
      protocol: row.protocol,
      f1Test: row.f1.test,
      unavailable: hasPredictions ? null : 'no predictions file: re-run the experiment to write one',
    };
  }

  datasets(): DatasetSummary[] {
    // Real data first, as on the leaderboard.
    const all = [...this.rows.values()].map((byId) => {
      const first = [...byId.values()][0];
      const experiments = [...byId.values()]
        .map((r) => this.summary(r))
        .sort((a, b) => Number(a.unavailable !== null) - Number(b.unavailable !== null) || b.f1Test - a.f1Test);
      return { name: first.dataset.name, kind: first.dataset.kind, rows: first.dataset.rows, groups: first.dataset.groups, experiments };
    });
    return all.sort((a, b) => Number(a.kind !== 'real') - Number(b.kind !== 'real') || a.name.localeCompare(b.name));
  }

  private row(dataset: string, id: string): ResultRow {
    const byId = this.rows.get(dataset);
    if (!byId)
      throw new ExplorerRequestError(
        404,
        `unknown dataset "${dataset}"; the results folder has ${[...this.rows.keys()].join(', ') || 'none'}`,
      );
    const row = byId.get(id);
    if (!row) throw new ExplorerRequestError(404, `unknown experiment "${id}" on dataset "${dataset}"; see /api/datasets for the list`);
    return row;
  }

  private datasetDir(row: ResultRow): string {
    return this.sources.dataDirs.get(row.dataset.name) ?? resolve(this.sources.repoRoot, row.dataset.path);
  }

  private postings(row: ResultRow): Promise<DatasetPostings> {
    const dir = this.datasetDir(row);
    let load = this.datasetLoads.get(dir);
    if (!load) {
      load = (async () => {
        if (!existsSync(join(dir, 'train.csv')))
          throw new ExplorerRequestError(409, `dataset "${row.dataset.name}": no train.csv in ${dir}; pass --data DIR pointing at it`);
        const { DatasetPostings } = await import('./postings.ts');
        return DatasetPostings.load(dir);
      })();
      this.datasetLoads.set(dir, load);
      load.catch(() => this.datasetLoads.delete(dir));
    }
    return load;
  }

  /** Loads (once) the experiment's predictions and its dataset; concurrent callers share the load. */
  experiment(dataset: string, id: string): Promise<OpenExperiment> {
    const row = this.row(dataset, id);
    const key = `${dataset}/${id}`;
    let load = this.opened.get(key);
    if (!load) {
      const path = this.predictionsPath(row);
      if (!existsSync(path))
        throw new ExplorerRequestError(409, `experiment "${id}" has no predictions file (${path}); re-run it to write one`);
      load = (async () => {
        const [gallery, postings] = await Promise.all([Gallery.load(path), this.postings(row)]);
        if (gallery.header.dataset.sha256 !== postings.sha256) {
          throw new ExplorerRequestError(
            409,
            `${path} was made on another train.csv than the one in ${postings.dataset.dir} (sha256 differs); pass --data DIR for the dataset it ran on`,
          );
        }
        const titles = gallery.postingIds.map((postingId) => {
          const posting = postings.posting(postingId);
          if (!posting)
            throw new ExplorerRequestError(
              409,
              `${path}: posting ${postingId} is not in ${postings.dataset.train.path}; re-run the experiment`,
            );
          return posting.title.toLowerCase();
        });
        return { row, gallery, postings, titles, storedF1: gallery.storedScores().f1 };
      })();
      this.opened.set(key, load);
      load.catch(() => this.opened.delete(key));
    }
    return load;
  }

  async detail(dataset: string, id: string): Promise<ExperimentDetail> {
    const [open, { sweepChartSpec }] = await Promise.all([this.experiment(dataset, id), import('@prodmatch/leaderboard')]);
    const { header } = open.gallery;
    const lists: ListSummary[] = header.lists.map((l) => {
      const stops = [...new Set([...l.grid, ...(l.threshold === null ? [] : [l.threshold])])].sort((a, b) => a - b);
      return {
        name: l.name,
        unit: l.unit,
        source: l.source,
        threshold: l.threshold,
        minMatches: l.minMatches,
        stops,
        range: [...DISTANCE_RANGE[l.unit]],
      };
    });
    return {
      ...this.summary(open.row),
      dataset,
      gallery: header.gallery,
      rows: header.rows,
      lists,
      combiner: header.combiner,
      recomputable: header.recomputable,
      minMatches: header.minMatches,
      cap: header.cap,
      storedF1: open.storedF1,
      chart: sweepChartSpec(open.row),
    };
  }

  private card(open: OpenExperiment, index: number): PostingCard {
    const postingId = open.gallery.postingIds[index];
    const posting = open.postings.posting(postingId)!;
    return {
      index,
      postingId,
      title: posting.title,
      labelGroup: open.gallery.labelGroups[index],
      hasImage: open.postings.imageOf(postingId) !== null,
    };
  }

  /** Gallery postings whose id contains the query, or whose title contains every word of it; ids first. */
  async search(dataset: string, id: string, query: string): Promise<PostingCard[]> {
    const open = await this.experiment(dataset, id);
    const words = searchWords(query);
    if (words.length === 0) return [];
    const needle = query.trim();
    const byId: number[] = [];
    const byTitle: number[] = [];
    for (let i = 0; i < open.titles.length && byId.length < SEARCH_LIMIT; i++) {
      if (open.gallery.postingIds[i].includes(needle)) byId.push(i);
      else if (byTitle.length < SEARCH_LIMIT && words.every((w) => open.titles[i].includes(w))) byTitle.push(i);
    }
    return [...byId, ...byTitle].slice(0, SEARCH_LIMIT).map((i) => this.card(open, i));
  }

  async query(dataset: string, id: string, postingId: string): Promise<QueryDetail> {
    const open = await this.experiment(dataset, id);
    const index = open.gallery.postingIds.indexOf(postingId);
    if (index < 0) {
      const inDataset = open.postings.posting(postingId) !== undefined;
      throw new ExplorerRequestError(
        404,
        inDataset
          ? `posting "${postingId}" is not in ${id}'s gallery (${open.gallery.header.gallery})`
          : `no posting "${postingId}" in dataset "${dataset}"`,
      );
    }
    const neighbours = open.gallery.neighbours(index);
    const storedMatches = open.gallery.storedMatches(index);
    const truth = open.gallery.truth(index);
    const postings: Record<string, PostingCard> = {};
    for (const j of [index, ...storedMatches, ...truth, ...Object.values(neighbours).flatMap(([indices]) => indices)])
      postings[j] ??= this.card(open, j);
    return { posting: postings[index], neighbours, pairs: open.gallery.pairReasons(index), storedMatches, truth, postings };
  }

  /**
   * Mean scores and the worst rows at the given thresholds (source list name -> value; missing ones keep the
   * run's choice). Each experiment keeps its last per-row scores, so a slider move re-matches only the rows it
   * can change.
   */
  async gallery(dataset: string, id: string, given: Record<string, number>, filter: WorstFilter, limit: number): Promise<GalleryScores> {
    const open = await this.experiment(dataset, id);
    const { header } = open.gallery;
    const thresholds = open.gallery.chosenThresholds();
    for (const [name, value] of Object.entries(given)) {
      const list = header.lists.find((l) => l.name === name);
      if (!list?.source)
        throw new ExplorerRequestError(
          400,
          `threshold for "${name}": ${id} has no such source list (it has ${header.lists
            .filter((l) => l.source)
            .map((l) => l.name)
            .join(', ')})`,
        );
      if (!header.recomputable && value !== thresholds[name])
        throw new ExplorerRequestError(
          400,
          `${id}'s matches (combiner ${header.combiner.name}) are not a thresholded union: its thresholds cannot be changed`,
        );
      const [min, max] = DISTANCE_RANGE[list.unit];
      if (!(value >= min && value <= max))
        throw new ExplorerRequestError(400, `threshold for "${name}" must be within ${min}..${max} (${list.unit}), got ${value}`);
      thresholds[name] = value;
    }
    const scores = header.recomputable ? open.gallery.scoresAt(thresholds) : open.gallery.storedScores();
    const worst = worstRows(scores, filter, limit).map((index) => {
      const postingId = open.gallery.postingIds[index];
      return {
        index,
        postingId,
        title: open.postings.posting(postingId)!.title,
        f1: scores.rowF1[index],
        falsePositives: scores.falsePositives[index],
        falseNegatives: scores.falseNegatives[index],
      };
    });
    return { thresholds, f1: scores.f1, precision: scores.precision, recall: scores.recall, worst };
  }

  /** The image file of a posting, looked up by id only: [images folder, file name], or null if it has none. */
  async imageFile(dataset: string, postingId: string): Promise<{ dir: string; file: string; sha256: string } | null> {
    const byId = this.rows.get(dataset);
    if (!byId) throw new ExplorerRequestError(404, `unknown dataset "${dataset}"`);
    const postings = await this.postings([...byId.values()][0]);
    if (!postings.posting(postingId)) throw new ExplorerRequestError(404, `no posting "${postingId}" in dataset "${dataset}"`);
    const file = postings.imageOf(postingId);
    return file === null ? null : { dir: postings.dataset.trainImagesDir, file, sha256: postings.sha256 };
  }
}
