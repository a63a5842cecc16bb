import type { Product } from './catalog.ts';
import type { Rng } from './rng.ts';

// Listing titles with the noise of real Shopee postings: promo words, mixed Indonesian/English,
// varying unit spellings, reordering, abbreviations and typos. Variants of one family share most
// words, so titles alone cannot separate every product.

const PROMO = [
  'READY STOCK',
  'ORIGINAL',
  'COD',
  'PROMO',
  'MURAH',
  'TERLARIS',
  'BPOM',
  'HALAL',
  'BEST SELLER',
  'FREE ONGKIR',
  'DISKON',
  'NEW',
  'SALE',
  '100% ORI',
  'GROSIR',
  'TERMURAH',
  'IMPORT',
  'BISA COD',
];
const FILLER = [
  'untuk',
  'dengan',
  'free',
  'bonus',
  'asli',
  'kualitas',
  'terbaik',
  'harga',
  'grosir',
  'eceran',
  'baru',
  'stok',
  'banyak',
  'pengiriman',
  'cepat',
  'official',
  'store',
  'promo',
  'hemat',
];
const ABBREVIATIONS: Record<string, string> = {
  dengan: 'dgn',
  untuk: 'utk',
  original: 'ori',
  ORIGINAL: 'ORI',
  warna: 'wrn',
  pcs: 'pc',
  gram: 'gr',
  promo: 'prm',
  kualitas: 'kwalitas',
  murah: 'mrh',
};

function formatAmount(amount: number, unit: string, rng: Rng): string {
  if (unit === 'L' && amount < 1) return `${amount * 1000}${rng.pick(['ml', ' ml', 'ML'])}`;
  if (unit === 'kg' && rng.chance(0.4)) return `${Math.round(amount * 1000)}${rng.pick(['gr', ' gram', 'g'])}`;
  if (unit === 'gr' && amount >= 1000 && rng.chance(0.5)) return `${amount / 1000}${rng.pick(['kg', ' kg', 'KG'])}`;
  if (unit === 'pcs' || unit === 'sheet')
    return rng.pick([`${amount}${unit === 'pcs' ? 'pcs' : ' sheet'}`, `isi ${amount}`, `${amount} ${unit}`]);
  const u = rng.pick([unit, unit.toUpperCase(), unit === 'gr' ? 'gram' : unit]);
  return rng.chance(0.5) ? `${amount}${u}` : `${amount} ${u}`;
}

function formatPack(pack: number, rng: Rng): string {
  return rng.pick([`isi ${pack}`, `${pack} pcs`, `${pack}pcs`, `pack of ${pack}`, `x${pack}`, `paket ${pack}`, `${pack} pack`]);
}

function typo(word: string, rng: Rng): string {
  if (word.length < 4) return word;
  const i = rng.int(1, word.length - 2);
  switch (rng.int(0, 3)) {
    case 0:
      return word.slice(0, i) + word.slice(i + 1); // dropped letter
    case 1:
      return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2); // swapped letters
    case 2:
      return word.slice(0, i) + word[i] + word.slice(i); // doubled letter
    default:
      return word.slice(0, i) + rng.pick([...'aeiou']) + word.slice(i + 1); // wrong vowel
  }
}

/** Listing-style noise a seller applies to every title they write (one style per posting). */
export interface SellerStyle {
  caps: 'upper' | 'lower' | 'as-is';
  promo: number;
  filler: number;
  typoRate: number;
  shuffle: boolean;
  english: boolean;
}

export function sellerStyle(rng: Rng): SellerStyle {
  return {
    caps: (['upper', 'lower', 'as-is', 'as-is', 'as-is'] as const)[rng.int(0, 4)],
    promo: rng.chance(0.4) ? rng.int(1, 2) : 0,
    filler: rng.chance(0.3) ? rng.int(1, 3) : 0,
    typoRate: rng.chance(0.15) ? 0.12 : 0.02,
    shuffle: rng.chance(0.2),
    english: rng.chance(0.25),
  };
}

export function makeTitle(product: Product, style: SellerStyle, rng: Rng): string {
  const { family } = product;
  const segments: string[] = [];
  if (rng.chance(0.88)) segments.push(family.brand);
  if (family.line && rng.chance(0.7)) segments.push(family.line);
  if (rng.chance(0.9)) segments.push(family.model);
  const names = family.type.names;
  segments.push(style.english ? names[1 % names.length] : rng.pick(names));
  for (const d of family.descriptors) if (rng.chance(0.7)) segments.push(d);
  const variantWords: string[] = [];
  if (product.colour && rng.chance(0.9))
    variantWords.push(`${rng.chance(0.3) ? 'warna ' : ''}${style.english ? product.colour.en : product.colour.id}`);
  if (product.amount !== null && rng.chance(0.85)) variantWords.push(formatAmount(product.amount, family.type.unit, rng));
  if (product.pack > 1 && rng.chance(0.85)) variantWords.push(formatPack(product.pack, rng));
  if (product.size && rng.chance(0.85))
    variantWords.push(family.type.unit === 'phone' ? product.size : `${rng.chance(0.5) ? 'size ' : ''}${product.size}`);
  if (product.variantName && rng.chance(0.7)) variantWords.push(product.variantName);
  // Sellers of multi-variant listings often name several options, blurring variant boundaries.
  segments.push(...variantWords);
  for (let i = 0; i < style.filler; i++) segments.push(rng.pick(FILLER));
  if (style.shuffle) rng.shuffle(segments);
  const promos = Array.from({ length: style.promo }, () => rng.pick(PROMO));
  if (promos.length) {
    const promo = rng.chance(0.5) ? `[${promos.join(' ')}]` : promos.join(' ');
    if (rng.chance(0.7)) segments.unshift(promo);
    else segments.push(promo);
  }
  let words = segments.join(rng.chance(0.15) ? ' - ' : ' ').split(' ');
  words = words.map((w) => {
    if (ABBREVIATIONS[w] && rng.chance(0.5)) return ABBREVIATIONS[w];
    return rng.chance(style.typoRate) ? typo(w, rng) : w;
  });
  const title = words.join(' ');
  if (style.caps === 'upper') return title.toUpperCase();
  if (style.caps === 'lower') return title.toLowerCase();
  return title;
}
