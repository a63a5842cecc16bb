/** scikit-learn's default `token_pattern` `(?u)\b\w\w+\b` after `lowercase=True`: maximal runs of two or more
 *  word characters. Python's `\w` is letters, digits (all numeric categories) and underscore. */
const SKLEARN_TOKEN = /[\p{L}\p{N}_]{2,}/gu;

/** Tokens exactly as `TfidfVectorizer()` would produce them, so a reference configuration can be reproduced. */
export function sklearnTokenize(text: string): string[] {
  return text.toLowerCase().match(SKLEARN_TOKEN) ?? [];
}

export interface TitleTokenizerOptions {
  /** Split glued number/letter runs (`150ml` -> `150 ml`, `km1990` -> `km 1990`) so sizes and model codes match
   *  however the seller spaced them. Default true. */
  splitNumbers?: boolean;
  /** With `splitNumbers`, also keep the glued form (`150ml`) as a token: the pair is more specific than either half.
   *  Default false. */
  keepGlued?: boolean;
  /** Map unit spellings to one form (`gram`, `gr`, `grm` -> `g`; `liter`, `ltr` -> `l`; `pc` -> `pcs` ...).
   *  Default true. */
  canonicalUnits?: boolean;
  /** Shortest token kept, in characters; numbers are always kept (`Redmi 8` differs from `Redmi 9`), and so are
   *  canonical units (`g`, `l`, `m`). Default 2. */
  minLength?: number;
}

/** Unit spellings seen in the titles, mapped to one form. Only applied to whole tokens. */
const UNIT_ALIASES: ReadonlyMap<string, string> = new Map([
  ['gram', 'g'],
  ['grams', 'g'],
  ['gr', 'g'],
  ['grm', 'g'],
  ['gm', 'g'],
  ['kilo', 'kg'],
  ['kilogram', 'kg'],
  ['liter', 'l'],
  ['litre', 'l'],
  ['ltr', 'l'],
  ['lt', 'l'],
  ['mililiter', 'ml'],
  ['milliliter', 'ml'],
  ['mls', 'ml'],
  ['pc', 'pcs'],
  ['pieces', 'pcs'],
  ['piece', 'pcs'],
  ['biji', 'pcs'],
  ['meter', 'm'],
  ['mtr', 'm'],
  ['centimeter', 'cm'],
  ['senti', 'cm'],
  ['milimeter', 'mm'],
  ['inch', 'in'],
  ['inchi', 'in'],
  ['inci', 'in'],
  ['tahun', 'thn'],
  ['th', 'thn'],
  ['year', 'thn'],
  ['years', 'thn'],
]);

/** One-letter units survive the minimum length: `397 g` must not lose its `g`. */
const UNITS: ReadonlySet<string> = new Set(UNIT_ALIASES.values());

const MARKS = /\p{M}+/gu;
/** Decimal separators between digits (`4,5` and `4.5`) are kept inside the number: `1.56` is one lens index. */
const DECIMAL = /(\p{N})[.,](?=\p{N})/gu;
/** Apostrophes inside a word are dropped, so `L'oreal` and `Loreal` are one brand. */
const APOSTROPHE = /(?<=\p{L})['’`](?=\p{L})/gu;
const WORD = /[\p{L}\p{N}]+(?:\.[\p{N}]+)?/gu;
const NUMBER_LETTER_BOUNDARY = /(?<=\p{N})(?=\p{L})|(?<=\p{L})(?=\p{N})/u;
const IS_NUMBER = /^\p{N}/u;

/**
 * Tokenizer for Shopee product titles (Indonesian / English): case-folded, accents removed, punctuation and
 * the `b"..."` wrappers and in-word apostrophes dropped, decimal commas read as points, numbers split from units and model letters,
 * unit spellings unified.
 */
export function tokenizeTitle(title: string, opts: TitleTokenizerOptions = {}): string[] {
  const splitNumbers = opts.splitNumbers ?? true;
  const keepGlued = opts.keepGlued ?? false;
  const canonicalUnits = opts.canonicalUnits ?? true;
  const minLength = opts.minLength ?? 2;

  const text = title.normalize('NFKD').replace(MARKS, '').toLowerCase().replace(DECIMAL, '$1.').replace(APOSTROPHE, '');
  const out: string[] = [];
  const push = (token: string): void => {
    const canonical = canonicalUnits ? (UNIT_ALIASES.get(token) ?? token) : token;
    if (canonical.length >= minLength || IS_NUMBER.test(canonical) || (canonicalUnits && UNITS.has(canonical))) out.push(canonical);
  };
  for (const [word] of text.matchAll(WORD)) {
    if (!splitNumbers) {
      push(word);
      continue;
    }
    const parts = word.split(NUMBER_LETTER_BOUNDARY);
    for (const part of parts) push(part);
    if (keepGlued && parts.length > 1) {
      out.push(parts.map((p) => (canonicalUnits ? (UNIT_ALIASES.get(p) ?? p) : p)).join(''));
    }
  }
  return out;
}

/** Character n-grams of each word padded with spaces, as scikit-learn's `analyzer='char_wb'` builds them. */
export function charNgrams(words: readonly string[], minN: number, maxN: number): string[] {
  if (!(minN >= 1 && maxN >= minN)) throw new Error(`charNgrams: need 1 <= minN <= maxN, got ${minN}..${maxN}`);
  const out: string[] = [];
  for (const word of words) {
    const padded = [...` ${word} `];
    for (let n = minN; n <= maxN; n++) {
      // A word no longer than n counts once, whole, and ends that word's n-grams (scikit-learn does the same).
      if (padded.length <= n) {
        out.push(padded.join(''));
        break;
      }
      for (let i = 0; i + n <= padded.length; i++) out.push(padded.slice(i, i + n).join(''));
    }
  }
  return out;
}
