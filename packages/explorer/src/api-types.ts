// The JSON the explorer's server sends and its page reads. Types only: the page's bundle imports them too.

export interface ExperimentSummary {
  /** The row file's stem, e.g. "text-idf@full": what the page and the API call an experiment. */
  id: string;
  experiment: string;
  description: string;
  protocol: string;
  f1Test: number;
  /** Why the experiment cannot be opened (no predictions file yet), or null when it can. */
  unavailable: string | null;
}

export interface DatasetSummary {
  name: string;
  kind: 'real' | 'synthetic';
  rows: number;
  groups: number;
  experiments: ExperimentSummary[];
}

export interface ListSummary {
  name: string;
  unit: string;
  /** Sources are thresholded into the matches and get a slider; other lists are shown beside each match. */
  source: boolean;
  threshold: number | null;
  minMatches: number;
  /** Slider stops: the tuned grid, with the chosen threshold added when it is not on the grid. */
  stops: number[];
  /** Accepted threshold range for this list's unit (the API's 4xx bound). */
  range: [number, number];
}

export interface ExperimentDetail extends ExperimentSummary {
  dataset: string;
  gallery: string;
  rows: number;
  lists: ListSummary[];
  combiner: { name: string; params: Record<string, unknown> };
  recomputable: boolean;
  minMatches: number;
  cap: number;
  /** Mean F1 of the stored matches over the gallery (the row's own figure, re-scored from the predictions). */
  storedF1: number;
  /** The row's Vega-Lite sweep chart. */
  chart: unknown;
}

export interface PostingCard {
  /** Index in the experiment's gallery (the predictions file's row order). */
  index: number;
  postingId: string;
  title: string;
  labelGroup: string | null;
  hasImage: boolean;
}

/** A learned matcher's reasons for one pair (the predictions file's `pairs`). */
export interface PairReason {
  score: number;
  features: { name: string; value: number; contribution: number | null }[];
}

export interface QueryDetail {
  posting: PostingCard;
  /** Per list: [gallery indices nearest first, distances], as stored. */
  neighbours: Record<string, [number[], number[]]>;
  /** Learned matchers (rerank): per partner's gallery index, its pair score and three features; else empty. */
  pairs: Record<string, PairReason>;
  storedMatches: number[];
  /** Gallery indices of the postings sharing the query's label group (self included). */
  truth: number[];
  /** Every posting the indices above name, keyed by gallery index. */
  postings: Record<string, PostingCard>;
}

export interface RowScore {
  index: number;
  postingId: string;
  title: string;
  f1: number;
  falsePositives: number;
  falseNegatives: number;
}

export interface GalleryScores {
  thresholds: Record<string, number>;
  f1: number;
  precision: number;
  recall: number;
  worst: RowScore[];
}

export interface ApiError {
  error: string;
}
