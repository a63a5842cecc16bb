import { reversePairs, type CandidatePairs } from './candidates.ts';
import { nthNeighbourDistance, pairDistances, pairRanks, sharedNeighbours } from './channel-features.ts';
import { titleIndex, titlePair, type TitlePairFacts } from './titles.ts';
import type { RerankChannel } from './types.ts';

/** What a feature measures, for permutation importance by family. */
export type FeatureFamily = 'similarity' | 'rank' | 'gap' | 'neighbourhood' | 'title' | 'numbers';

/** Neighbours per row compared by the shared-neighbours feature. */
export const SHARED_NEIGHBOURS = 10;

export interface PairFeature {
  name: string;
  family: FeatureFamily;
  /** The channel it reads, or null for title features. */
  channel: string | null;
  doc: string;
}

/**
 * Every candidate pair's features: column f is `columns[f]`, one float32 per pair in the candidates'
 * order. `features[f]` names and documents column f. Models read columns (never per-pair objects).
 */
export interface PairTable {
  pairs: number;
  features: PairFeature[];
  columns: Float32Array[];
}

/** The features one channel contributes, in column order (their docs are the definitions). */
export function channelFeatureList(name: string, unit: 'cosine distance' | 'Hamming bits'): PairFeature[] {
  const f = (suffix: string, family: FeatureFamily, doc: string): PairFeature => ({
    name: `${name}.${suffix}`,
    family,
    channel: name,
    doc,
  });
  return [
    f('distance', 'similarity', `exact ${unit} of i and j in ${name}`),
    f('rank_ij', 'rank', `position of j among i's ${name} neighbours (1 = nearest other posting; one past the longest list when absent)`),
    f('rank_ji', 'rank', `position of i among j's ${name} neighbours (same convention)`),
    f('gap1_i', 'gap', `${name} distance(i, j) minus i's distance to its nearest other posting`),
    f(
      'gap5_i',
      'gap',
      `${name} distance(i, j) minus i's distance to its 5th nearest other posting (the channel's "beyond" distance when its list is shorter)`,
    ),
    f('gap1_j', 'gap', `${name} distance(i, j) minus j's distance to its nearest other posting`),
    f('gap5_j', 'gap', `${name} distance(i, j) minus j's distance to its 5th nearest other posting`),
    f('shared10', 'neighbourhood', `postings other than i and j among both rows' first ${SHARED_NEIGHBOURS} other ${name} neighbours`),
  ];
}

/** The title features, in column order. */
export const TITLE_FEATURES: readonly PairFeature[] = [
  {
    name: 'title.tokens_i',
    family: 'title',
    channel: null,
    doc: "distinct tokens in i's title (text's tokenizeTitle, numbers split from units)",
  },
  { name: 'title.tokens_j', family: 'title', channel: null, doc: "distinct tokens in j's title" },
  { name: 'title.jaccard', family: 'title', channel: null, doc: 'token Jaccard |A ∩ B| / |A ∪ B| of the two titles' },
  { name: 'numbers.count_i', family: 'numbers', channel: null, doc: "distinct numbers in i's title (`05` = `5`)" },
  { name: 'numbers.count_j', family: 'numbers', channel: null, doc: "distinct numbers in j's title" },
  { name: 'numbers.shared', family: 'numbers', channel: null, doc: 'numbers in both titles' },
  { name: 'numbers.only_i', family: 'numbers', channel: null, doc: "numbers in i's title and not in j's" },
  { name: 'numbers.only_j', family: 'numbers', channel: null, doc: "numbers in j's title and not in i's" },
  {
    name: 'numbers.shared_quantities',
    family: 'numbers',
    channel: null,
    doc: 'quantities (a number followed by a unit: 100 ml) in both titles',
  },
  {
    name: 'numbers.conflicting_units',
    family: 'numbers',
    channel: null,
    doc: 'units both titles quantify with no value in common (100 ml vs 200 ml)',
  },
];

export interface PairTableInput {
  pairs: CandidatePairs;
  /** Each channel's features and lists on this gallery, in the order their features are laid out. */
  channels: readonly RerankChannel[];
  /** The gallery's titles, row-aligned with the channels. */
  titles: readonly string[];
}

/** The feature list a pair table of these channels has, without computing it. */
export function pairFeatureList(channels: readonly Pick<RerankChannel, 'name' | 'features'>[]): PairFeature[] {
  return [
    ...channels.flatMap((c) => channelFeatureList(c.name, c.features.kind === 'hash64' ? 'Hamming bits' : 'cosine distance')),
    ...TITLE_FEATURES,
  ];
}

/** Computes every feature of every candidate pair (see pairFeatureList for the definitions). */
export function pairTable({ pairs, channels, titles }: PairTableInput): PairTable {
  if (titles.length !== pairs.rows) throw new Error(`pairTable: ${titles.length} titles for ${pairs.rows} rows`);
  const names = new Set<string>();
  for (const c of channels) {
    if (names.has(c.name)) throw new Error(`pairTable: two channels are named "${c.name}"`);
    names.add(c.name);
    if (c.lists.indices.length !== pairs.rows)
      throw new Error(`pairTable: channel ${c.name} lists ${c.lists.indices.length} rows, the candidates ${pairs.rows}`);
  }
  const n = pairs.left.length;
  const { left, right } = pairs;
  const reverse = reversePairs(pairs);
  const columns: Float32Array[] = [];
  for (const channel of channels) {
    const distance = pairDistances(channel.features, pairs, reverse);
    const rankIJ = pairRanks(channel, pairs);
    const rankJI = new Float32Array(n);
    for (let p = 0; p < n; p++) rankJI[p] = rankIJ[reverse[p]];
    const first = nthNeighbourDistance(channel, 1);
    const fifth = nthNeighbourDistance(channel, 5);
    const gap = (reference: Float32Array, side: Int32Array): Float32Array => {
      const out = new Float32Array(n);
      for (let p = 0; p < n; p++) out[p] = distance[p] - reference[side[p]];
      return out;
    };
    columns.push(
      distance,
      rankIJ,
      rankJI,
      gap(first, left),
      gap(fifth, left),
      gap(first, right),
      gap(fifth, right),
      sharedNeighbours(channel, pairs, SHARED_NEIGHBOURS),
    );
  }
  const index = titleIndex(titles);
  const title = TITLE_FEATURES.map(() => new Float32Array(n));
  const facts: TitlePairFacts = {
    tokensI: 0,
    tokensJ: 0,
    jaccard: 0,
    numbersI: 0,
    numbersJ: 0,
    sharedNumbers: 0,
    sharedQuantities: 0,
    conflictingUnits: 0,
  };
  for (let p = 0; p < n; p++) {
    titlePair(index, left[p], right[p], facts);
    title[0][p] = facts.tokensI;
    title[1][p] = facts.tokensJ;
    title[2][p] = facts.jaccard;
    title[3][p] = facts.numbersI;
    title[4][p] = facts.numbersJ;
    title[5][p] = facts.sharedNumbers;
    title[6][p] = facts.numbersI - facts.sharedNumbers;
    title[7][p] = facts.numbersJ - facts.sharedNumbers;
    title[8][p] = facts.sharedQuantities;
    title[9][p] = facts.conflictingUnits;
  }
  columns.push(...title);
  const features = pairFeatureList(channels);
  if (features.length !== columns.length) throw new Error(`pairTable: ${features.length} feature names for ${columns.length} columns`);
  return { pairs: n, features, columns };
}

/** Feature indices by family (or by channel, title features under "title"), for permutation importance. */
export function featureGroups(table: Pick<PairTable, 'features'>, by: 'family' | 'channel'): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  table.features.forEach((f, column) => {
    const key = by === 'family' ? f.family : (f.channel ?? f.family);
    groups.set(key, [...(groups.get(key) ?? []), column]);
  });
  return groups;
}
