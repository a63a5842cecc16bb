// The postings `pnpm bench:scale` matches, and how its runs are compared and charted.
//
// Derivation: copy 0 is the real train.csv rows; every later copy c is the same rows made into other
// products, so each copy has the real data's group sizes and near-duplicate structure inside itself
// and its own groups. In copy c, every product-specific title word (one in fewer than
// COMMON_WORD_SHARE of the real titles) is rewritten by a per-copy letter and digit substitution, and
// every phash is XORed with a per-copy 64-bit mask. Group mates of one copy stay as alike as in the real
// data (the same substitution, the same mask: Hamming distances inside a copy are unchanged), while a
// copy's rows look like other products to another copy's: new brand and model words, hashes ~32 bits
// apart. Common words ("original", "murah", sizes, colours) stay shared, as in a larger real catalogue.
// (`bench:submit` derives its 70k as near-duplicates of the real rows instead: right for Kaggle's test,
// wrong here, where a copy with one word dropped would be the same product filed under another group.)
import { seededRandom, type Posting } from '@prodmatch/data';
import type { TopLevelSpec } from '@prodmatch/leaderboard';

/** Words in at least this share of the real titles are shared by every copy. */
export const COMMON_WORD_SHARE = 0.005;

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';

function shuffled(chars: string, random: () => number): string {
  const a = [...chars];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.join('');
}

/** Lower-cased words of a title, as the substitution sees them (split on anything but letters and digits). */
const wordsOf = (title: string): string[] => title.toLowerCase().match(/[a-z0-9]+/g) ?? [];

/** Words in at least COMMON_WORD_SHARE of the titles (counted once per title). */
export function commonWords(titles: readonly string[]): Set<string> {
  const df = new Map<string, number>();
  for (const t of titles) for (const w of new Set(wordsOf(t))) df.set(w, (df.get(w) ?? 0) + 1);
  const min = COMMON_WORD_SHARE * titles.length;
  return new Set([...df].filter(([, n]) => n >= min).map(([w]) => w));
}

export interface DerivedCopy {
  title(title: string): string;
  phash(hex: string): string;
}

/** Copy `copy` (>= 1): a substitution of letters and of digits, and a phash mask, from (seed, copy). */
export function derivedCopy(copy: number, common: ReadonlySet<string>, seed: number): DerivedCopy {
  const random = seededRandom(seed * 1000 + copy);
  const letters = shuffled(LETTERS, random);
  const digits = shuffled(DIGITS, random);
  const mask = (BigInt(Math.floor(random() * 2 ** 32)) << 32n) | BigInt(Math.floor(random() * 2 ** 32));
  const substitute = (word: string): string =>
    common.has(word) ? word : word.replace(/[a-z0-9]/g, (c) => (c >= 'a' ? letters[c.charCodeAt(0) - 97] : digits[c.charCodeAt(0) - 48]));
  return {
    title: (title) => title.toLowerCase().replace(/[a-z0-9]+/g, substitute),
    phash: (hex) => (BigInt(`0x${hex}`) ^ mask).toString(16).padStart(16, '0'),
  };
}

/** `rows` postings: the real rows, then derived copies of them (see the file's head). */
export function derivePostings(real: readonly Posting[], rows: number, seed: number): Posting[] {
  const common = commonWords(real.map((p) => p.title));
  const copies: DerivedCopy[] = [];
  const out: Posting[] = [];
  for (let i = 0; i < rows; i++) {
    const copy = Math.floor(i / real.length);
    const p = real[i % real.length];
    if (copy === 0) {
      out.push({ ...p, postingId: `scale_${i}` });
      continue;
    }
    copies[copy] ??= derivedCopy(copy, common, seed);
    const d = copies[copy];
    out.push({
      ...p,
      postingId: `scale_${i}`,
      title: d.title(p.title),
      imagePhash: d.phash(p.imagePhash),
      labelGroup: `${p.labelGroup}#${copy}`,
    });
  }
  return out;
}

/** test.csv text (no label_group, as Kaggle's). */
export function testCsv(postings: readonly Posting[]): string {
  const quote = (s: string): string => `"${s.replace(/"/g, '""')}"`;
  const lines = ['posting_id,image,image_phash,title'];
  for (const p of postings) lines.push(`${p.postingId},${p.image},${p.imagePhash},${quote(p.title)}`);
  return `${lines.join('\n')}\n`;
}

/** posting_id -> its matches, self excluded, from a submission.csv the runner wrote (posting_id,matches). */
export function readSubmission(text: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of text.split(/\r?\n/).slice(1)) {
    if (!line) continue;
    const [id, matches = ''] = line.split(',');
    out.set(id, new Set(matches.split(' ').filter((m) => m && m !== id)));
  }
  return out;
}

export interface MatchRecall {
  /** Matches (pairs, self excluded) of the reference run that the measured run also returned, over all of them. */
  recall: number;
  referenceMatches: number;
  measuredMatches: number;
  /** Matches of the measured run that the reference run did not return. */
  extra: number;
}

export function matchRecall(reference: Map<string, Set<string>>, measured: Map<string, Set<string>>): MatchRecall {
  let found = 0;
  let referenceMatches = 0;
  let measuredMatches = 0;
  let extra = 0;
  for (const [id, truth] of reference) {
    const got = measured.get(id) ?? new Set<string>();
    referenceMatches += truth.size;
    measuredMatches += got.size;
    for (const m of truth) if (got.has(m)) found++;
    for (const m of got) if (!truth.has(m)) extra++;
  }
  return { recall: referenceMatches === 0 ? 1 : found / referenceMatches, referenceMatches, measuredMatches, extra };
}

/** Growth exponent between two sizes: log(t2 / t1) / log(n2 / n1). */
export const growthExponent = (n1: number, t1: number, n2: number, t2: number): number => Math.log(t2 / t1) / Math.log(n2 / n1);

export interface ChartPoint {
  experiment: string;
  search: string;
  rows: number;
  measure: string;
  value: number;
}

/** Wall seconds per stage and peak memory against postings, on log-log axes (a power law is a line). */
export function scaleChartSpec(points: ChartPoint[], title: string, subtitle: string): TopLevelSpec {
  const x = { field: 'rows', type: 'quantitative' as const, title: 'postings', scale: { type: 'log' as const } };
  const color = { field: 'measure', type: 'nominal' as const, title: null };
  const shape = { field: 'run', type: 'nominal' as const, title: null };
  const panel = (unit: string, yTitle: string) => ({
    width: 360,
    height: 260,
    transform: [{ filter: { field: 'unit', equal: unit } }, { calculate: "datum.experiment + ' (' + datum.search + ')'", as: 'run' }],
    mark: { type: 'line' as const, point: true },
    encoding: {
      x,
      y: { field: 'value', type: 'quantitative' as const, title: yTitle, scale: { type: 'log' as const } },
      color,
      shape,
      detail: shape,
    },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle },
    config: { background: 'white', font: 'DejaVu Sans', view: { stroke: null } },
    data: { values: points.map((p) => ({ ...p, unit: p.measure === 'peak RSS' ? 'MB' : 's' })) },
    hconcat: [panel('s', 'seconds'), panel('MB', 'peak RSS (MB)')],
    resolve: { scale: { color: 'independent' } },
  };
}
