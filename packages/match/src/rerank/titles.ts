import { tokenizeTitle } from '@prodmatch/text';

/**
 * Units a number in a title can carry: the title tokenizer's canonical units (it already maps `gram`,
 * `gr` to `g`, `liter` to `l`, ...) and a few more seen in Shopee titles (storage, battery, power).
 */
export const QUANTITY_UNITS: ReadonlySet<string> = new Set([
  'g',
  'kg',
  'mg',
  'l',
  'ml',
  'cl',
  'pcs',
  'm',
  'cm',
  'mm',
  'in',
  'thn',
  'gb',
  'tb',
  'mb',
  'mah',
  'w',
  'kw',
  'v',
  'cc',
  'oz',
  'lb',
  'lbs',
  'pack',
  'pak',
  'box',
  'sachet',
  'set',
  'lembar',
  'roll',
  'x',
  'hz',
  'ply',
  'watt',
  'inchi',
  'yard',
  'tab',
  'tablet',
  'kapsul',
  'caps',
]);

/** What the pair features read from one title. */
export interface TitleFacts {
  /** Distinct title tokens (text's tokenizeTitle, numbers split from units). */
  tokens: string[];
  /** Distinct numbers, canonical (`05` and `5.0` are `5`). */
  numbers: string[];
  /** Distinct quantities, `value unit` (`100 ml`): a number directly followed by a unit token. */
  quantities: string[];
}

const NUMBER = /^\d+(?:\.\d+)?$/;

/** A number token in one spelling: leading zeros and trailing decimal zeros dropped. */
export const canonicalNumber = (token: string): string => String(Number(token));

/** The tokens, numbers and quantities of a title. */
export function titleFacts(title: string): TitleFacts {
  const tokens = tokenizeTitle(title, { splitNumbers: true, keepGlued: false });
  const numbers = new Set<string>();
  const quantities = new Set<string>();
  for (let t = 0; t < tokens.length; t++) {
    if (!NUMBER.test(tokens[t])) continue;
    const value = canonicalNumber(tokens[t]);
    numbers.add(value);
    if (t + 1 < tokens.length && QUANTITY_UNITS.has(tokens[t + 1])) quantities.add(`${value} ${tokens[t + 1]}`);
  }
  return { tokens: [...new Set(tokens)], numbers: [...numbers], quantities: [...quantities] };
}

/** Per row, a sorted set of interned ids, all rows in one CSR. */
interface IdSets {
  offsets: Int32Array;
  ids: Int32Array;
}

function idSets(sets: readonly (readonly string[])[], intern: (s: string) => number): IdSets {
  const offsets = new Int32Array(sets.length + 1);
  for (let i = 0; i < sets.length; i++) offsets[i + 1] = offsets[i] + sets[i].length;
  const ids = new Int32Array(offsets[sets.length]);
  for (let i = 0; i < sets.length; i++) {
    const row = ids.subarray(offsets[i], offsets[i + 1]);
    sets[i].forEach((s, c) => (row[c] = intern(s)));
    row.sort();
  }
  return { offsets, ids };
}

/** |A ∩ B| of two rows' sorted id sets, by a merge. */
function intersection(a: IdSets, i: number, b: IdSets, j: number): number {
  let p = a.offsets[i];
  let q = b.offsets[j];
  const pe = a.offsets[i + 1];
  const qe = b.offsets[j + 1];
  let common = 0;
  while (p < pe && q < qe) {
    const x = a.ids[p];
    const y = b.ids[q];
    if (x === y) {
      common++;
      p++;
      q++;
    } else if (x < y) p++;
    else q++;
  }
  return common;
}

/**
 * The gallery's titles, parsed once and interned to integers, so each pair feature is a merge of two
 * short sorted int arrays. Quantities are kept per unit: ids sorted by unit, then value.
 */
export interface TitleIndex {
  tokens: IdSets;
  numbers: IdSets;
  quantities: IdSets;
  /** Per quantity id, its unit's id: conflicts compare values within a unit. */
  unitOf: Int32Array;
}

export function titleIndex(titles: readonly string[]): TitleIndex {
  const facts = titles.map(titleFacts);
  const vocabulary = new Map<string, number>();
  const intern = (s: string): number => {
    let id = vocabulary.get(s);
    if (id === undefined) vocabulary.set(s, (id = vocabulary.size));
    return id;
  };
  const tokens = idSets(
    facts.map((f) => f.tokens),
    intern,
  );
  const numbers = idSets(
    facts.map((f) => f.numbers),
    intern,
  );
  // Quantity ids ordered so that one unit's values sit together: intern `unit value` keys in sorted order.
  const keys = [...new Set(facts.flatMap((f) => f.quantities))].map((q) => {
    const space = q.indexOf(' ');
    return { q, unit: q.slice(space + 1), value: Number(q.slice(0, space)) };
  });
  keys.sort((a, b) => (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : a.value - b.value));
  const quantityId = new Map(keys.map((k, id) => [k.q, id]));
  const units = new Map<string, number>();
  const unitOf = Int32Array.from(keys, (k) => {
    let id = units.get(k.unit);
    if (id === undefined) units.set(k.unit, (id = units.size));
    return id;
  });
  const quantities = idSets(
    facts.map((f) => f.quantities),
    (q) => quantityId.get(q) as number,
  );
  return { tokens, numbers, quantities, unitOf };
}

/** Token counts and overlaps of one pair. */
export interface TitlePairFacts {
  tokensI: number;
  tokensJ: number;
  jaccard: number;
  numbersI: number;
  numbersJ: number;
  sharedNumbers: number;
  sharedQuantities: number;
  /** Units both titles quantify with no value in common (100 ml vs 200 ml). */
  conflictingUnits: number;
}

/** Writes one pair's title facts into `out` (reused, so a gallery's pairs allocate nothing). */
export function titlePair(index: TitleIndex, i: number, j: number, out: TitlePairFacts): TitlePairFacts {
  const { tokens, numbers, quantities, unitOf } = index;
  out.tokensI = tokens.offsets[i + 1] - tokens.offsets[i];
  out.tokensJ = tokens.offsets[j + 1] - tokens.offsets[j];
  const common = intersection(tokens, i, tokens, j);
  const union = out.tokensI + out.tokensJ - common;
  out.jaccard = union === 0 ? 0 : common / union;
  out.numbersI = numbers.offsets[i + 1] - numbers.offsets[i];
  out.numbersJ = numbers.offsets[j + 1] - numbers.offsets[j];
  out.sharedNumbers = intersection(numbers, i, numbers, j);
  out.sharedQuantities = 0;
  out.conflictingUnits = 0;
  // Walk both rows' quantities unit by unit (ids are sorted by unit, then value).
  let p = quantities.offsets[i];
  let q = quantities.offsets[j];
  const pe = quantities.offsets[i + 1];
  const qe = quantities.offsets[j + 1];
  while (p < pe && q < qe) {
    const ui = unitOf[quantities.ids[p]];
    const uj = unitOf[quantities.ids[q]];
    if (ui !== uj) {
      if (ui < uj) while (p < pe && unitOf[quantities.ids[p]] === ui) p++;
      else while (q < qe && unitOf[quantities.ids[q]] === uj) q++;
      continue;
    }
    let shared = 0;
    while (p < pe && q < qe && unitOf[quantities.ids[p]] === ui && unitOf[quantities.ids[q]] === ui) {
      const x = quantities.ids[p];
      const y = quantities.ids[q];
      if (x === y) {
        shared++;
        p++;
        q++;
      } else if (x < y) p++;
      else q++;
    }
    while (p < pe && unitOf[quantities.ids[p]] === ui) p++;
    while (q < qe && unitOf[quantities.ids[q]] === ui) q++;
    out.sharedQuantities += shared;
    if (shared === 0) out.conflictingUnits++;
  }
  return out;
}
