import type { Rng } from './rng.ts';

// The product world: families (brand + product type + look) with variants (colour, amount, pack
// count). Each variant is one label_group. Families make different products look and read alike.

export type Shape = 'bottle' | 'box' | 'jar' | 'pouch' | 'can' | 'tube' | 'shirt' | 'case';
export type VariantAxis = 'colour' | 'amount' | 'pack' | 'size';

interface ProductType {
  shape: Shape;
  /** Synonyms a seller may use, Indonesian and English mixed. */
  names: string[];
  descriptors: string[];
  unit: string;
  amounts: number[];
  axes: VariantAxis[];
}

const TYPES: ProductType[] = [
  {
    shape: 'bottle',
    names: ['Shampoo', 'Sampo'],
    descriptors: ['Anti Ketombe', 'Hair Fall', 'Menthol', 'Lidah Buaya', 'Smooth', 'Hijab Fresh', 'Ginseng', 'Keratin'],
    unit: 'ml',
    amounts: [70, 170, 340, 680],
    axes: ['amount', 'amount', 'pack', 'colour'],
  },
  {
    shape: 'bottle',
    names: ['Minyak Goreng', 'Cooking Oil', 'Minyak'],
    descriptors: ['Sawit', 'Kelapa', 'Premium', 'Pouch', 'Jernih', 'Non Kolesterol'],
    unit: 'L',
    amounts: [1, 2, 5],
    axes: ['amount', 'pack'],
  },
  {
    shape: 'bottle',
    names: ['Sabun Cair', 'Body Wash', 'Sabun Mandi Cair'],
    descriptors: ['Antiseptik', 'Moisturizing', 'Sakura', 'Lemon', 'Bright', 'Refill', 'Pump'],
    unit: 'ml',
    amounts: [250, 400, 450, 825],
    axes: ['amount', 'colour', 'pack'],
  },
  {
    shape: 'box',
    names: ['Teh Celup', 'Tea Bag', 'Teh'],
    descriptors: ['Melati', 'Hijau', 'Green Tea', 'Jasmine', 'Wangi', 'Sariwangi'],
    unit: 'pcs',
    amounts: [25, 30, 50, 100],
    axes: ['amount', 'pack'],
  },
  {
    shape: 'box',
    names: ['Masker', 'Face Mask', 'Masker Medis'],
    descriptors: ['3 Ply', 'Earloop', 'Duckbill', 'Hijab', 'KF94', 'Disposable', 'Non Woven'],
    unit: 'pcs',
    amounts: [10, 20, 50],
    axes: ['colour', 'colour', 'amount'],
  },
  {
    shape: 'box',
    names: ['Tisu', 'Tissue', 'Tisu Wajah'],
    descriptors: ['Facial', 'Soft Pack', 'Travel', '2 Ply', 'Lembut', 'Tebal'],
    unit: 'sheet',
    amounts: [50, 180, 250, 600],
    axes: ['amount', 'pack'],
  },
  {
    shape: 'jar',
    names: ['Selai', 'Jam', 'Selai Roti'],
    descriptors: ['Strawberry', 'Coklat', 'Kacang', 'Nanas', 'Blueberry', 'Homemade'],
    unit: 'gr',
    amounts: [170, 330, 500],
    axes: ['colour', 'amount'],
  },
  {
    shape: 'jar',
    names: ['Krim Wajah', 'Face Cream', 'Cream'],
    descriptors: ['Whitening', 'Night Cream', 'Day Cream', 'Acne', 'Glowing', 'BPOM', 'Brightening'],
    unit: 'gr',
    amounts: [10, 15, 30, 50],
    axes: ['amount', 'pack', 'colour'],
  },
  {
    shape: 'jar',
    names: ['Madu', 'Honey', 'Madu Murni'],
    descriptors: ['Hutan', 'Asli', 'Klanceng', 'Organik', 'Raw Honey', 'Sumbawa'],
    unit: 'gr',
    amounts: [250, 500, 1000],
    axes: ['amount', 'pack'],
  },
  {
    shape: 'pouch',
    names: ['Kopi', 'Coffee', 'Kopi Bubuk'],
    descriptors: ['Arabica', 'Robusta', 'Gayo', 'Toraja', 'Bubuk', 'Biji', 'Sachet', 'Instan'],
    unit: 'gr',
    amounts: [100, 200, 250, 500, 1000],
    axes: ['amount', 'amount', 'pack'],
  },
  {
    shape: 'pouch',
    names: ['Keripik', 'Snack', 'Kripik'],
    descriptors: ['Pedas', 'Balado', 'Original', 'Singkong', 'Pisang', 'Level 5', 'Renyah'],
    unit: 'gr',
    amounts: [100, 250, 500],
    axes: ['colour', 'amount'],
  },
  {
    shape: 'pouch',
    names: ['Deterjen', 'Detergent', 'Sabun Cuci'],
    descriptors: ['Bubuk', 'Cair', 'Softener', 'Anti Noda', 'Wangi', 'Matic'],
    unit: 'kg',
    amounts: [0.8, 1.8, 4],
    axes: ['amount', 'pack'],
  },
  {
    shape: 'can',
    names: ['Susu Kental Manis', 'SKM', 'Condensed Milk'],
    descriptors: ['Coklat', 'Putih', 'Kaleng', 'Cap Enak'],
    unit: 'gr',
    amounts: [370, 490],
    axes: ['colour', 'pack'],
  },
  {
    shape: 'can',
    names: ['Sarden', 'Sardines', 'Ikan Kaleng'],
    descriptors: ['Saus Tomat', 'Cabai', 'Ekstra Pedas', 'Mackerel', 'Kaleng'],
    unit: 'gr',
    amounts: [155, 425],
    axes: ['amount', 'colour', 'pack'],
  },
  {
    shape: 'tube',
    names: ['Pasta Gigi', 'Toothpaste', 'Odol'],
    descriptors: ['Whitening', 'Herbal', 'Fresh Mint', 'Sensitive', 'Siwak', 'Anak'],
    unit: 'gr',
    amounts: [75, 120, 190],
    axes: ['amount', 'pack', 'colour'],
  },
  {
    shape: 'tube',
    names: ['Sunscreen', 'Sunblock', 'Tabir Surya'],
    descriptors: ['SPF 50', 'PA++++', 'Gel', 'Matte', 'Waterproof', 'Aqua'],
    unit: 'ml',
    amounts: [30, 50, 100],
    axes: ['amount', 'colour'],
  },
  {
    shape: 'shirt',
    names: ['Kaos Polos', 'T-Shirt', 'Kaos', 'Tshirt'],
    descriptors: ['Cotton Combed', '30s', 'Oversize', 'Unisex', 'Lengan Pendek', 'Distro', 'Pria Wanita'],
    unit: 'size',
    amounts: [0],
    axes: ['colour', 'colour', 'size'],
  },
  {
    shape: 'shirt',
    names: ['Daster', 'Dress', 'Baju Tidur'],
    descriptors: ['Batik', 'Rayon', 'Jumbo', 'Busui', 'Motif Bunga', 'Adem', 'Lengan Pendek'],
    unit: 'size',
    amounts: [0],
    axes: ['colour', 'size'],
  },
  {
    shape: 'case',
    names: ['Case', 'Casing HP', 'Softcase', 'Hardcase'],
    descriptors: ['Silikon', 'Anti Crack', 'Transparan', 'Macaron', 'Bening', 'Shockproof', 'Motif'],
    unit: 'phone',
    amounts: [0],
    axes: ['size', 'colour', 'colour'],
  },
];

export const COLOURS: Array<{ id: string; en: string; rgb: string }> = [
  { id: 'Merah', en: 'Red', rgb: '#d7263d' },
  { id: 'Biru', en: 'Blue', rgb: '#1b4f9c' },
  { id: 'Hijau', en: 'Green', rgb: '#2e933c' },
  { id: 'Kuning', en: 'Yellow', rgb: '#f5c400' },
  { id: 'Hitam', en: 'Black', rgb: '#202020' },
  { id: 'Putih', en: 'White', rgb: '#f2f2f2' },
  { id: 'Ungu', en: 'Purple', rgb: '#6a3d9a' },
  { id: 'Pink', en: 'Pink', rgb: '#f48fb1' },
  { id: 'Oranye', en: 'Orange', rgb: '#f57c00' },
  { id: 'Coklat', en: 'Brown', rgb: '#7b4a2a' },
  { id: 'Abu', en: 'Grey', rgb: '#8d8d8d' },
  { id: 'Navy', en: 'Navy', rgb: '#1a2340' },
  { id: 'Maroon', en: 'Maroon', rgb: '#6d1a2a' },
  { id: 'Tosca', en: 'Teal', rgb: '#1aa39a' },
  { id: 'Cream', en: 'Cream', rgb: '#efe3c2' },
];
const SIZES = ['S', 'M', 'L', 'XL', 'XXL', 'All Size', 'Jumbo'];
const PHONES = [
  'Samsung A12',
  'Samsung A52',
  'iPhone 11',
  'iPhone 12 Pro',
  'Oppo A5s',
  'Oppo A15',
  'Vivo Y12',
  'Vivo Y20',
  'Xiaomi Redmi 9',
  'Redmi Note 10',
  'Realme C11',
  'Realme 5i',
];
const SYLLABLES = [
  'sa',
  'ri',
  'ma',
  'ko',
  'ne',
  'lo',
  'ta',
  'bi',
  'ku',
  'ra',
  'zo',
  'vi',
  'do',
  'ge',
  'mi',
  'pu',
  'la',
  'se',
  'no',
  'ka',
  'tu',
  'wi',
  'ya',
  'fe',
];
const LINES = ['Gold', 'Fresh', 'Pro', 'Natural', 'Classic', 'Plus', 'Active', 'Kids', 'Premium', 'Lite', 'Max', 'Care', 'Daily', 'Ultra'];
const PATTERNS = ['none', 'stripes', 'dots', 'band', 'wave', 'split'] as const;
const LOGOS = ['circle', 'star', 'diamond', 'leaf', 'ribbon'] as const;

export interface Family {
  id: number;
  brand: string;
  /** Product line name or model code (e.g. "Glossy Stain", "PMA 9505"): the words that identify a family. */
  model: string;
  line: string | null;
  type: ProductType;
  typeIndex: number;
  descriptors: string[];
  body: string;
  accent: string;
  label: string;
  pattern: (typeof PATTERNS)[number];
  logo: (typeof LOGOS)[number];
  aspect: number;
  axis: VariantAxis;
}

export interface Product {
  family: Family;
  variant: number;
  colour: (typeof COLOURS)[number] | null;
  amount: number | null;
  pack: number;
  size: string | null;
  body: string;
  /** Shade/flavour/edition name some sellers add, e.g. "02 Apple Shower". */
  variantName: string | null;
}

function brandName(rng: Rng): string {
  const n = rng.int(2, 3);
  let s = '';
  for (let i = 0; i < n; i++) s += rng.pick(SYLLABLES);
  if (rng.chance(0.2)) s += rng.pick(['x', 'n', 'k', 'l']);
  return s[0].toUpperCase() + s.slice(1);
}

function inventedWord(rng: Rng): string {
  let s = '';
  for (let i = rng.int(2, 3); i > 0; i--) s += rng.pick(SYLLABLES);
  return s[0].toUpperCase() + s.slice(1);
}

function modelName(rng: Rng): string {
  if (rng.chance(0.35)) {
    const letters = String.fromCharCode(65 + rng.int(0, 25)) + (rng.chance(0.6) ? String.fromCharCode(65 + rng.int(0, 25)) : '');
    return `${letters}${rng.chance(0.3) ? ' ' : ''}${rng.int(10, 9999)}`;
  }
  return rng.chance(0.5) ? `${inventedWord(rng)} ${inventedWord(rng)}` : inventedWord(rng);
}

function randomColour(rng: Rng): string {
  const h = rng.int(0, 359);
  const s = rng.int(35, 90);
  const l = rng.int(25, 70);
  return `hsl(${h},${s}%,${l}%)`;
}

/** Families with 1, 2, 3 or 6 variants until `groups` products exist; brands are shared across types. */
export function buildCatalog(groups: number, rng: Rng): Product[] {
  const brands = Array.from({ length: Math.max(4, Math.round(groups / 1.3)) }, () => brandName(rng));
  const products: Product[] = [];
  for (let f = 0; products.length < groups; f++) {
    const typeIndex = rng.int(0, TYPES.length - 1);
    const type = TYPES[typeIndex];
    const family: Family = {
      id: f,
      brand: rng.pick(brands),
      model: modelName(rng),
      line: rng.chance(0.5) ? rng.pick(LINES) : null,
      type,
      typeIndex,
      descriptors: rng.shuffle([...type.descriptors]).slice(0, rng.int(1, 3)),
      body: randomColour(rng),
      accent: randomColour(rng),
      label: rng.chance(0.6) ? '#ffffff' : randomColour(rng),
      pattern: rng.pick(PATTERNS),
      logo: rng.pick(LOGOS),
      aspect: rng.float(0.7, 1.4),
      axis: rng.pick(type.axes),
    };
    // About 60% of products have sibling variants: enough look-alikes to hurt, as in the real data.
    const variants = Math.min(groups - products.length, [1, 2, 3, 6][rng.weighted([0.7, 0.12, 0.08, 0.1])]);
    const colours = rng.shuffle([...COLOURS]);
    const amounts = rng.shuffle([...type.amounts]);
    const sizes = rng.shuffle(type.unit === 'phone' ? [...PHONES] : [...SIZES]);
    const baseAmount = rng.pick(type.amounts);
    for (let v = 0; v < variants; v++) {
      const product: Product = {
        family,
        variant: v,
        colour: null,
        amount: type.unit === 'size' || type.unit === 'phone' ? null : baseAmount,
        pack: 1,
        size: null,
        body: family.body,
        variantName: rng.chance(0.4) ? `${String(v + 1).padStart(2, '0')} ${inventedWord(rng)}` : null,
      };
      // Axes with few values (amounts) run out; later variants then vary by pack count instead.
      if (family.axis === 'colour') {
        product.colour = colours[v % colours.length];
        product.body = product.colour.rgb;
      } else if (family.axis === 'amount' && v < amounts.length) product.amount = amounts[v];
      else if (family.axis === 'size') product.size = sizes[v % sizes.length];
      else product.pack = [1, 2, 3, 6, 12, 24][v % 6];
      products.push(product);
    }
  }
  return products;
}
