// The sparse half of `pnpm bench:knn`: sparseCosineWithin (inverted index with prefix filtering)
// against sparseCosineTopK (every shared term) on the text channel's word TF-IDF of the real titles
// and of larger sets derived from them, with the lists compared where the reference runs.
import {
  emptySparseWithinProfile,
  sparseCosineTopK,
  sparseCosineWithin,
  type CsrMatrix,
  type NeighbourLists,
  type SparseWithinProfile,
} from '../src/index.ts';
import { deriveTitles, wordTfidf, type Titles } from './datasets.ts';
import { exponent, showTiming, timed, type Timing } from './measure.ts';

export interface SparseRow {
  rows: number;
  vocabulary: number;
  entries: number;
  tfidf: Timing;
  /** sparseCosineTopK(m, m, k): measured, or absent above --sparse-reference-rows. */
  reference?: Timing;
  within: Timing;
  profile: SparseWithinProfile;
  /** Rows whose within-threshold list differs from the reference's cut at the threshold (0 expected). */
  differingRows?: number;
  /** Reference wall seconds (measured or extrapolated) over sparseCosineWithin's. */
  speedup: number;
  referenceExtrapolated: boolean;
}

/** Rows whose within lists differ from `reference` cut at distance <= fround(maxDistance), indices or distances. */
function differing(within: NeighbourLists, reference: NeighbourLists, maxDistance: number): number {
  const cut = Math.fround(maxDistance);
  let bad = 0;
  reference.indices.forEach((ids, i) => {
    let n = 0;
    while (n < ids.length && reference.distances[i][n] <= cut) n++;
    const got = within.indices[i];
    if (got.length !== n) {
      bad++;
      return;
    }
    for (let c = 0; c < n; c++) {
      if (got[c] !== ids[c] || within.distances[i][c] !== reference.distances[i][c]) {
        bad++;
        return;
      }
    }
  });
  return bad;
}

/**
 * Each size: derive the titles (real rows first, later copies with one word dropped), fit the word
 * TF-IDF on them, time sparseCosineWithin and (up to `referenceRows`) sparseCosineTopK. Above that the
 * reference time is extrapolated by the growth exponent between the two largest measured sizes.
 */
export async function sparseScale(
  real: Titles,
  sizes: number[],
  k: number,
  maxDistance: number,
  referenceRows: number,
  seed: number,
  log: (line: string) => void,
  onRow: (row: SparseRow) => void = () => {},
): Promise<SparseRow[]> {
  const out: SparseRow[] = [];
  for (const rows of sizes) {
    const titles = deriveTitles(real, rows, seed);
    const tfidf = await timed(() => wordTfidf(titles.titles));
    const m: CsrMatrix = tfidf.value;
    const profile: SparseWithinProfile = emptySparseWithinProfile();
    const within = await timed(() => sparseCosineWithin(m, m, k, maxDistance, { profile }));
    log(
      `sparse ${rows} rows (${m.cols} terms, ${m.indptr[m.rows]} entries): sparseCosineWithin ${showTiming(within.timing)}; ` +
        `${profile.indexedEntries} entries indexed, ${profile.candidates} candidates checked, ${profile.matches} within ${maxDistance}`,
    );
    const row: SparseRow = {
      rows,
      vocabulary: m.cols,
      entries: m.indptr[m.rows],
      tfidf: tfidf.timing,
      within: within.timing,
      profile,
      speedup: 0,
      referenceExtrapolated: false,
    };
    if (rows <= referenceRows) {
      const reference = await timed(() => sparseCosineTopK(m, m, k));
      row.reference = reference.timing;
      row.differingRows = differing(within.value, reference.value, maxDistance);
      row.speedup = reference.timing.seconds / within.timing.seconds;
      log(
        `sparse ${rows} rows: sparseCosineTopK ${showTiming(reference.timing)}; ${row.speedup.toFixed(2)}x; ${row.differingRows} rows differ`,
      );
    } else {
      const measured = out.filter((r) => r.reference);
      if (measured.length >= 2) {
        const [a, b] = measured.slice(-2);
        const p = exponent(a.rows, a.reference!.seconds, b.rows, b.reference!.seconds);
        row.speedup = (b.reference!.seconds * (rows / b.rows) ** p) / within.timing.seconds;
        row.referenceExtrapolated = true;
      }
    }
    out.push(row);
    onRow(row);
  }
  return out;
}

/** The reference's wall seconds at a row: measured, or extrapolated as `speedup` x within. */
export function referenceSeconds(row: SparseRow): number {
  return row.reference ? row.reference.seconds : row.speedup * row.within.seconds;
}
