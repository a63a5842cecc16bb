import sharp from 'sharp';
import type { Product, Shape } from './catalog.ts';
import type { Rng } from './rng.ts';

// Posting images are drawn as one SVG each (rendered by sharp/librsvg), in a 256-unit canvas that is
// rasterised at the requested image size. A *photo* is what a seller shot (pose, background, collage,
// frame); *edits* are what differs between two uploads of the same photo (crop, sticker, watermark,
// light, JPEG quality) and keep the pHash close but not always equal.

export interface Shot {
  scale: number;
  rotate: number;
  dx: number;
  dy: number;
}

export type Background =
  | { kind: 'solid'; colour: string }
  | { kind: 'gradient'; from: string; to: string; angle: number }
  | { kind: 'texture'; base: string; ink: string; pattern: 'stripes' | 'checker' | 'dots' | 'planks'; size: number; angle: number }
  | {
      kind: 'clutter';
      base: string;
      items: Array<{ shape: 'rect' | 'circle'; x: number; y: number; w: number; h: number; colour: string; angle: number }>;
    };

export interface Photo {
  background: Background;
  shots: Shot[];
  frame: { colour: string; text: string } | null;
  /** Label text size differs between product shots, so pack/amount variants photographed alike differ slightly. */
  showAmount: boolean;
}

export interface Edits {
  zoom: number;
  dx: number;
  dy: number;
  sticker: { text: string; colour: string; x: number; y: number; r: number } | null;
  watermark: { text: string; opacity: number; angle: number } | null;
  /** >1 brightens (white veil), <1 darkens (black veil). */
  brightness: number;
  /** Warm or cool light: a faint colour veil over the whole shot. */
  cast: { colour: string; opacity: number } | null;
  quality: number;
}

const STICKERS = ['PROMO', 'COD', 'SALE', 'NEW', 'ORI', '50%', 'HOT', 'FREE'];
const SELLERS = [
  'tokoberkah',
  'grosir.id',
  'sumber_jaya',
  'mitra shop',
  'official',
  'ramashop',
  'lapak99',
  'indo_store',
  'maju jaya',
  'shopfast',
];

function pastel(rng: Rng): string {
  return `hsl(${rng.int(0, 359)},${rng.int(10, 60)}%,${rng.int(70, 95)}%)`;
}

function anyColour(rng: Rng): string {
  return `hsl(${rng.int(0, 359)},${rng.int(20, 90)}%,${rng.int(20, 80)}%)`;
}

export function randomBackground(rng: Rng): Background {
  const kind = rng.weighted([0.45, 0.2, 0.15, 0.2]);
  if (kind === 0) return { kind: 'solid', colour: rng.chance(0.6) ? '#ffffff' : pastel(rng) };
  if (kind === 1) return { kind: 'gradient', from: pastel(rng), to: anyColour(rng), angle: rng.int(0, 359) };
  if (kind === 2) {
    return {
      kind: 'texture',
      base: pastel(rng),
      ink: anyColour(rng),
      pattern: rng.pick(['stripes', 'checker', 'dots', 'planks'] as const),
      size: rng.int(10, 40),
      angle: rng.int(0, 90),
    };
  }
  return {
    kind: 'clutter',
    base: pastel(rng),
    items: Array.from({ length: rng.int(3, 8) }, () => ({
      shape: rng.pick(['rect', 'circle'] as const),
      x: rng.int(0, 256),
      y: rng.int(0, 256),
      w: rng.int(20, 90),
      h: rng.int(20, 90),
      colour: anyColour(rng),
      angle: rng.int(0, 90),
    })),
  };
}

export function randomShot(rng: Rng, cell = 1): Shot {
  return {
    scale: rng.float(0.7, 1.3) * cell,
    rotate: rng.chance(0.6) ? rng.float(-6, 6) : rng.float(-35, 35),
    dx: rng.float(-30, 30) * cell,
    dy: rng.float(-25, 25) * cell,
  };
}

export function sellerPhoto(rng: Rng): Photo {
  const layout = rng.weighted([0.8, 0.1, 0.1]);
  const shots = layout === 0 ? [randomShot(rng)] : Array.from({ length: layout === 1 ? 2 : 4 }, () => randomShot(rng, 0.5));
  return {
    background: randomBackground(rng),
    shots,
    frame: rng.chance(0.2) ? { colour: anyColour(rng), text: rng.pick(SELLERS).toUpperCase() } : null,
    showAmount: rng.chance(0.8),
  };
}

/** The brand's own catalogue shot: same pose and plain background for every variant of a family. */
export function officialPhoto(rng: Rng): Photo {
  return {
    background: { kind: 'solid', colour: rng.chance(0.8) ? '#ffffff' : pastel(rng) },
    shots: [
      { scale: rng.float(0.8, 1.3), rotate: rng.chance(0.7) ? 0 : rng.float(-20, 20), dx: rng.float(-25, 25), dy: rng.float(-20, 20) },
    ],
    frame: null,
    showAmount: true,
  };
}

/** A re-upload of an earlier image: re-encoded, and sometimes slightly re-cropped, re-lit or badged. */
export function touchUp(previous: Edits, rng: Rng): Edits {
  const edits = { ...previous, quality: rng.int(60, 95) };
  if (!rng.chance(0.35)) return edits;
  if (rng.chance(0.4)) edits.zoom = previous.zoom * rng.float(1, 1.05);
  edits.dx += rng.float(-3, 3);
  edits.dy += rng.float(-3, 3);
  edits.brightness *= rng.float(0.95, 1.05);
  if (rng.chance(0.2)) edits.cast = null;
  if (!edits.sticker && rng.chance(0.3))
    edits.sticker = {
      text: rng.pick(STICKERS),
      colour: rng.pick(['#e53935', '#ff6f00', '#ee4d2d', '#d81b60']),
      x: rng.pick([30, 226]),
      y: rng.pick([30, 226]),
      r: rng.int(14, 22),
    };
  if (!edits.watermark && rng.chance(0.15))
    edits.watermark = { text: rng.pick(SELLERS), opacity: rng.float(0.1, 0.3), angle: rng.pick([0, -30, -45]) };
  return edits;
}

export function randomEdits(rng: Rng): Edits {
  return {
    zoom: rng.chance(0.4) ? rng.float(1, 1.25) : 1,
    dx: rng.float(-12, 12),
    dy: rng.float(-12, 12),
    sticker: rng.chance(0.3)
      ? {
          text: rng.pick(STICKERS),
          colour: rng.pick(['#e53935', '#ff6f00', '#ee4d2d', '#d81b60']),
          x: rng.pick([36, 220]),
          y: rng.pick([36, 220]),
          r: rng.int(18, 30),
        }
      : null,
    watermark: rng.chance(0.25) ? { text: rng.pick(SELLERS), opacity: rng.float(0.15, 0.45), angle: rng.pick([0, -30, -45]) } : null,
    brightness: rng.float(0.8, 1.2),
    cast: rng.chance(0.35)
      ? { colour: rng.pick(['#ffb74d', '#ffe082', '#81d4fa', '#b39ddb', '#a5d6a7']), opacity: rng.float(0.08, 0.25) }
      : null,
    quality: rng.int(55, 95),
  };
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function backgroundSvg(bg: Background, id: string): string {
  switch (bg.kind) {
    case 'solid':
      return `<rect width="256" height="256" fill="${bg.colour}"/>`;
    case 'gradient':
      return `<defs><linearGradient id="${id}g" gradientTransform="rotate(${bg.angle} 0.5 0.5)"><stop offset="0" stop-color="${bg.from}"/><stop offset="1" stop-color="${bg.to}"/></linearGradient></defs><rect width="256" height="256" fill="url(#${id}g)"/>`;
    case 'texture': {
      const s = bg.size;
      const tile = {
        stripes: `<rect width="${s / 2}" height="${s}" fill="${bg.ink}"/>`,
        checker: `<rect width="${s / 2}" height="${s / 2}" fill="${bg.ink}"/><rect x="${s / 2}" y="${s / 2}" width="${s / 2}" height="${s / 2}" fill="${bg.ink}"/>`,
        dots: `<circle cx="${s / 2}" cy="${s / 2}" r="${s / 5}" fill="${bg.ink}"/>`,
        planks: `<rect width="${s}" height="${s}" fill="${bg.ink}" opacity="0.35"/><rect y="${s - 2}" width="${s}" height="2" fill="${bg.ink}"/>`,
      }[bg.pattern];
      return `<defs><pattern id="${id}p" width="${s}" height="${s}" patternUnits="userSpaceOnUse" patternTransform="rotate(${bg.angle})">${tile}</pattern></defs><rect width="256" height="256" fill="${bg.base}"/><rect width="256" height="256" fill="url(#${id}p)" opacity="0.6"/>`;
    }
    case 'clutter':
      return `<rect width="256" height="256" fill="${bg.base}"/>${bg.items
        .map((it) =>
          it.shape === 'rect'
            ? `<rect x="${it.x - it.w / 2}" y="${it.y - it.h / 2}" width="${it.w}" height="${it.h}" rx="6" fill="${it.colour}" transform="rotate(${it.angle} ${it.x} ${it.y})"/>`
            : `<ellipse cx="${it.x}" cy="${it.y}" rx="${it.w / 2}" ry="${it.h / 2}" fill="${it.colour}"/>`,
        )
        .join('')}`;
  }
}

/** Outline of a product shape centred on (0,0), about 180 units tall, `w` units wide. */
function outline(shape: Shape, w: number): { body: string; extra: string; label: { x: number; y: number; w: number; h: number } } {
  const h = 180;
  const x = -w / 2;
  const y = -h / 2;
  switch (shape) {
    case 'bottle':
      return {
        body: `M${x + w * 0.35},${y + 30} h${w * 0.3} v15 q${w * 0.35},10 ${w * 0.35},40 v${h - 95} q0,10 -10,10 h${-(w - 20)} q-10,0 -10,-10 v${-(h - 95)} q0,-30 ${w * 0.35},-40 z`,
        extra: `<rect x="${x + w * 0.33}" y="${y}" width="${w * 0.34}" height="32" rx="4" fill="ACCENT"/>`,
        label: { x: x + 6, y: y + 95, w: w - 12, h: 60 },
      };
    case 'box':
      return {
        body: `M${x},${y + 20} h${w - 20} v${h - 20} h${-(w - 20)} z`,
        extra: `<path d="M${x},${y + 20} l20,-20 h${w - 20} l-20,20 z" fill="ACCENT"/><path d="M${x + w - 20},${y + 20} l20,-20 v${h - 20} l-20,20 z" fill="#000" opacity="0.25"/>`,
        label: { x: x + 8, y: y + 70, w: w - 36, h: 70 },
      };
    case 'jar':
      return {
        body: `M${x},${y + 45} q0,-10 10,-10 h${w - 20} q10,0 10,10 v${h - 55} q0,10 -10,10 h${-(w - 20)} q-10,0 -10,-10 z`,
        extra: `<rect x="${x + 5}" y="${y + 5}" width="${w - 10}" height="32" rx="5" fill="ACCENT"/>`,
        label: { x: x + 4, y: y + 75, w: w - 8, h: 65 },
      };
    case 'pouch':
      return {
        body: `M${x + 8},${y + 12} h${w - 16} q10,${h / 2} 0,${h - 12} h${-(w - 16)} q-10,${-(h / 2)} 0,${-(h - 12)} z`,
        extra: `<rect x="${x + 8}" y="${y}" width="${w - 16}" height="14" fill="ACCENT"/><path d="M${x + 8},${y + 14} ${Array.from({ length: 10 }, (_, i) => `l${(w - 16) / 20},5 l${(w - 16) / 20},-5`).join(' ')}" fill="none" stroke="#000" stroke-opacity="0.3"/>`,
        label: { x: x + 12, y: y + 60, w: w - 24, h: 75 },
      };
    case 'can':
      return {
        body: `M${x},${y + 15} v${h - 30} a${w / 2},15 0 0 0 ${w},0 v${-(h - 30)} z`,
        extra: `<ellipse cx="0" cy="${y + 15}" rx="${w / 2}" ry="15" fill="ACCENT"/><ellipse cx="0" cy="${y + 15}" rx="${w / 2 - 8}" ry="10" fill="#bbb"/>`,
        label: { x: x, y: y + 55, w, h: 75 },
      };
    case 'tube':
      return {
        body: `M${x},${y + 10} h${w} l${-w * 0.2},${h - 40} h${-w * 0.6} z`,
        extra: `<rect x="${x}" y="${y}" width="${w}" height="12" fill="#ccc"/><rect x="${-w * 0.18}" y="${y + h - 32}" width="${w * 0.36}" height="32" rx="4" fill="ACCENT"/>`,
        label: { x: x + w * 0.12, y: y + 40, w: w * 0.76, h: 60 },
      };
    case 'shirt':
      return {
        body: `M${-w * 0.2},${y + 10} q${w * 0.2},25 ${w * 0.4},0 l${w * 0.55},30 l-20,40 l${-w * 0.17},-15 v${h - 70} h${-w * 0.76} v${-(h - 70)} l${-w * 0.17},15 l-20,-40 z`,
        extra: `<path d="M${-w * 0.2},${y + 10} q${w * 0.2},25 ${w * 0.4},0" fill="none" stroke="ACCENT" stroke-width="6"/>`,
        label: { x: -w * 0.25, y: y + 60, w: w * 0.5, h: 45 },
      };
    case 'case':
      return {
        body: `M${x + 18},${y} h${w - 36} q18,0 18,18 v${h - 36} q0,18 -18,18 h${-(w - 36)} q-18,0 -18,-18 v${-(h - 36)} q0,-18 18,-18 z`,
        extra: `<rect x="${x + 10}" y="${y + 10}" width="42" height="52" rx="10" fill="#222" opacity="0.85"/><circle cx="${x + 31}" cy="${y + 25}" r="8" fill="#555"/><circle cx="${x + 31}" cy="${y + 47}" r="8" fill="#555"/>`,
        label: { x: x + 15, y: y + 95, w: w - 30, h: 55 },
      };
  }
}

function logoSvg(logo: string, cx: number, cy: number, r: number, colour: string): string {
  switch (logo) {
    case 'circle':
      return `<circle cx="${cx}" cy="${cy}" r="${r}" fill="${colour}"/><circle cx="${cx}" cy="${cy}" r="${r * 0.5}" fill="#fff"/>`;
    case 'star':
      return `<path d="${Array.from({ length: 10 }, (_, i) => {
        const a = (Math.PI / 5) * i - Math.PI / 2;
        const rr = i % 2 ? r * 0.45 : r;
        return `${i ? 'L' : 'M'}${(cx + rr * Math.cos(a)).toFixed(1)},${(cy + rr * Math.sin(a)).toFixed(1)}`;
      }).join(' ')} z" fill="${colour}"/>`;
    case 'diamond':
      return `<path d="M${cx},${cy - r} L${cx + r},${cy} L${cx},${cy + r} L${cx - r},${cy} z" fill="${colour}"/>`;
    case 'leaf':
      return `<path d="M${cx - r},${cy + r} Q${cx - r},${cy - r} ${cx + r},${cy - r} Q${cx + r},${cy + r} ${cx - r},${cy + r} z" fill="${colour}"/>`;
    default:
      return `<rect x="${cx - r}" y="${cy - r * 0.5}" width="${2 * r}" height="${r}" fill="${colour}"/><path d="M${cx - r},${cy - r * 0.5} l-6,${r / 2} l6,${r / 2} z" fill="${colour}"/>`;
  }
}

function productSvg(product: Product, id: string, showAmount: boolean): string {
  const f = product.family;
  const w = 110 * f.aspect * (f.type.shape === 'shirt' ? 1.5 : 1);
  const o = outline(f.type.shape, w);
  const patterns: Record<string, string> = {
    none: '',
    stripes: Array.from(
      { length: 8 },
      (_, i) => `<rect x="${-w + i * 30}" y="-100" width="10" height="200" fill="${f.accent}" opacity="0.5" transform="rotate(20)"/>`,
    ).join(''),
    dots: Array.from(
      { length: 24 },
      (_, i) => `<circle cx="${-w / 2 + (i % 6) * (w / 5)}" cy="${-80 + Math.floor(i / 6) * 50}" r="6" fill="${f.accent}" opacity="0.6"/>`,
    ).join(''),
    band: `<rect x="${-w}" y="30" width="${2 * w}" height="40" fill="${f.accent}"/>`,
    wave: `<path d="M${-w},20 q${w / 4},-30 ${w / 2},0 t${w / 2},0 t${w / 2},0 t${w / 2},0 v100 h${-2 * w} z" fill="${f.accent}" opacity="0.8"/>`,
    split: `<rect x="0" y="-100" width="${w}" height="200" fill="${f.accent}" opacity="0.7"/>`,
  };
  const l = o.label;
  const amount = product.size ?? (product.amount !== null ? `${product.amount} ${f.type.unit}` : '');
  const labelText =
    `<text x="${l.x + l.w / 2}" y="${l.y + l.h * 0.45}" font-family="DejaVu Sans" font-weight="bold" font-size="${Math.min(20, (l.w / Math.max(4, f.brand.length)) * 1.5)}" text-anchor="middle" fill="${f.accent}">${esc(f.brand.toUpperCase())}</text>` +
    (showAmount && amount
      ? `<text x="${l.x + l.w / 2}" y="${l.y + l.h * 0.8}" font-family="DejaVu Sans" font-size="11" text-anchor="middle" fill="#333">${esc(amount)}</text>`
      : '');
  const body = o.body;
  return (
    `<defs><clipPath id="${id}c"><path d="${body}"/></clipPath></defs>` +
    `<path d="${body}" fill="${product.body}"/>` +
    `<g clip-path="url(#${id}c)">${patterns[f.pattern]}</g>` +
    o.extra.replaceAll('ACCENT', f.accent) +
    (f.type.shape === 'shirt' ? '' : `<rect x="${l.x}" y="${l.y}" width="${l.w}" height="${l.h}" rx="4" fill="${f.label}"/>`) +
    logoSvg(f.logo, l.x + l.w / 2, l.y - 18, 13, f.accent) +
    labelText +
    `<path d="${body}" fill="none" stroke="#000" stroke-opacity="0.35" stroke-width="2"/>`
  );
}

/** Several units side by side for multi-pack variants (drawn up to three). */
function packSvg(product: Product, id: string, showAmount: boolean): string {
  const n = Math.min(product.pack, 3);
  if (n === 1) return productSvg(product, id, showAmount);
  const step = 70;
  return (
    Array.from(
      { length: n },
      (_, i) =>
        `<g transform="translate(${(i - (n - 1) / 2) * step} ${i % 2 ? 6 : 0}) scale(${1 / Math.sqrt(n)})">${productSvg(product, `${id}u${i}`, showAmount)}</g>`,
    ).join('') +
    `<text x="0" y="112" font-family="DejaVu Sans" font-weight="bold" font-size="16" text-anchor="middle" fill="#c62828">isi ${product.pack}</text>`
  );
}

export function postingSvg(product: Product, photo: Photo, edits: Edits, size: number): string {
  const cells =
    photo.shots.length === 1
      ? [[128, 128]]
      : photo.shots.length === 2
        ? [
            [64, 128],
            [192, 128],
          ]
        : [
            [64, 64],
            [192, 64],
            [64, 192],
            [192, 192],
          ];
  const shots = photo.shots
    .map((s, i) => {
      const [cx, cy] = cells[i];
      return `<g transform="translate(${(cx + s.dx).toFixed(1)} ${(cy + s.dy).toFixed(1)}) rotate(${s.rotate.toFixed(1)}) scale(${s.scale.toFixed(3)})">${packSvg(product, `s${i}`, photo.showAmount)}</g>`;
    })
    .join('');
  const grid =
    photo.shots.length === 1
      ? ''
      : `<path d="M128,0 V256${photo.shots.length === 4 ? ' M0,128 H256' : ''}" stroke="#fff" stroke-width="4"/>`;
  let inner = backgroundSvg(photo.background, 'b') + shots + grid;
  if (photo.frame) {
    inner =
      `<rect width="256" height="256" fill="${photo.frame.colour}"/><g transform="translate(16 12) scale(0.875)">${inner}</g>` +
      `<text x="128" y="250" font-family="DejaVu Sans" font-weight="bold" font-size="13" text-anchor="middle" fill="#fff">${esc(photo.frame.text)}</text>`;
  }
  const e = edits;
  const view = 256 / e.zoom;
  const vx = (256 - view) / 2 + e.dx;
  const vy = (256 - view) / 2 + e.dy;
  // Lighting is drawn as veils in the SVG: far cheaper than a colour-space round trip per image.
  let overlay =
    e.brightness > 1
      ? `<rect width="256" height="256" fill="#fff" opacity="${(e.brightness - 1).toFixed(3)}"/>`
      : e.brightness < 1
        ? `<rect width="256" height="256" fill="#000" opacity="${(1 - e.brightness).toFixed(3)}"/>`
        : '';
  if (e.cast) overlay += `<rect width="256" height="256" fill="${e.cast.colour}" opacity="${e.cast.opacity.toFixed(3)}"/>`;
  if (e.sticker) {
    overlay += `<circle cx="${e.sticker.x}" cy="${e.sticker.y}" r="${e.sticker.r}" fill="${e.sticker.colour}"/><text x="${e.sticker.x}" y="${e.sticker.y + 4}" font-family="DejaVu Sans" font-weight="bold" font-size="${(e.sticker.r * 0.6).toFixed(0)}" text-anchor="middle" fill="#fff">${esc(e.sticker.text)}</text>`;
  }
  if (e.watermark) {
    overlay += `<text x="128" y="140" font-family="DejaVu Sans" font-size="22" text-anchor="middle" fill="#fff" stroke="#000" stroke-width="0.5" opacity="${e.watermark.opacity.toFixed(2)}" transform="rotate(${e.watermark.angle} 128 128)">${esc(e.watermark.text)}</text>`;
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 256 256">` +
    `<svg viewBox="${vx.toFixed(1)} ${vy.toFixed(1)} ${view.toFixed(1)} ${view.toFixed(1)}" width="256" height="256" preserveAspectRatio="xMidYMid slice">${inner}</svg>` +
    overlay +
    '</svg>'
  );
}

/** Renders a posting's SVG to JPEG bytes at the edits' quality. */
export async function renderPosting(svg: string, edits: Edits): Promise<Buffer> {
  return sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).jpeg({ quality: edits.quality }).toBuffer();
}
