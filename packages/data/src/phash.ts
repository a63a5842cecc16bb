// The Kaggle image_phash column was made with Python's `imagehash.phash`:
//   image.convert('L').resize((32, 32), ANTIALIAS) -> 2-D DCT-II -> top-left 8x8 -> bit = coef > median.
// sharp/libvips can neither reproduce Pillow's fixed-point luma nor its Lanczos coefficients, and a
// different resampler flips several of the 64 bits, so both steps are ported here from Pillow's
// Convert.c / Resample.c to keep our hashes comparable with the real column bit for bit.

const HASH_SIZE = 8;
const DCT_SIZE = HASH_SIZE * 4;
// Pillow keeps 8-bit resampling coefficients in 22-bit fixed point (32 - 8 - 2).
const PRECISION_BITS = 22;

function lanczos3(x: number): number {
  if (x <= -3 || x >= 3) return 0;
  return sinc(x) * sinc(x / 3);
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

interface Coefficients {
  kernelSize: number;
  first: Int32Array; // first source index per output sample
  count: Int32Array; // number of source samples used
  weights: Int32Array; // fixed-point weights, kernelSize per output sample
}

const coefficientCache = new Map<string, Coefficients>();

function coefficients(inSize: number, outSize: number): Coefficients {
  const key = `${inSize}>${outSize}`;
  let c = coefficientCache.get(key);
  if (!c) coefficientCache.set(key, (c = precomputeCoefficients(inSize, outSize)));
  return c;
}

function precomputeCoefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 3 * filterScale;
  const kernelSize = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * kernelSize);
  const row = new Float64Array(kernelSize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // Pillow truncates (int)(v + 0.5) toward zero, which Math.trunc reproduces for negatives too.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      row[x] = lanczos3((x + xmin - center + 0.5) / filterScale);
      total += row[x];
    }
    for (let x = 0; x < kernelSize; x++) {
      const w = x < xmax && total !== 0 ? row[x] / total : 0;
      weights[xx * kernelSize + x] = w < 0 ? Math.trunc(-0.5 + w * (1 << PRECISION_BITS)) : Math.trunc(0.5 + w * (1 << PRECISION_BITS));
    }
    first[xx] = xmin;
    count[xx] = xmax;
  }
  return { kernelSize, first, count, weights };
}

function clip8(value: number): number {
  if (value <= 0) return 0;
  const v = Math.floor(value / (1 << PRECISION_BITS));
  return Math.min(v, 255);
}

/** Pillow's `Image.resize(size, LANCZOS)` for an 8-bit single-channel image (horizontal pass first). */
export function resizeLanczosLikePillow(gray: Uint8Array, width: number, height: number, outWidth: number, outHeight: number): Uint8Array {
  const horiz = coefficients(width, outWidth);
  const vert = coefficients(height, outHeight);
  const needHorizontal = outWidth !== width;
  const needVertical = outHeight !== height;
  const half = 1 << (PRECISION_BITS - 1);

  let source = gray;
  let sourceWidth = width;
  let rowOffset = 0;
  if (needHorizontal) {
    // Like Pillow, only the source rows the vertical pass will read are resampled.
    const yFirst = needVertical ? vert.first[0] : 0;
    const yLast = needVertical ? vert.first[outHeight - 1] + vert.count[outHeight - 1] : height;
    const rows = yLast - yFirst;
    rowOffset = yFirst;
    const temp = new Uint8Array(outWidth * rows);
    for (let y = 0; y < rows; y++) {
      const srcRow = (y + yFirst) * width;
      for (let xx = 0; xx < outWidth; xx++) {
        const xmin = horiz.first[xx];
        const k = xx * horiz.kernelSize;
        let acc = half;
        for (let x = 0; x < horiz.count[xx]; x++) acc += gray[srcRow + xmin + x] * horiz.weights[k + x];
        temp[y * outWidth + xx] = clip8(acc);
      }
    }
    source = temp;
    sourceWidth = outWidth;
  }
  if (!needVertical) return needHorizontal ? source : gray.slice();
  const out = new Uint8Array(outWidth * outHeight);
  for (let yy = 0; yy < outHeight; yy++) {
    const ymin = vert.first[yy] - rowOffset;
    const k = yy * vert.kernelSize;
    for (let xx = 0; xx < sourceWidth; xx++) {
      let acc = half;
      for (let y = 0; y < vert.count[yy]; y++) acc += source[(ymin + y) * sourceWidth + xx] * vert.weights[k + y];
      out[yy * outWidth + xx] = clip8(acc);
    }
  }
  return out;
}

/** Pillow's RGB -> L conversion (ITU-R 601-2 luma in 16-bit fixed point). */
export function lumaLikePillow(pixels: Uint8Array, width: number, height: number, channels: number): Uint8Array {
  const n = width * height;
  if (pixels.length < n * channels) {
    throw new Error(
      `phash: expected ${n * channels} values for ${width}x${height}x${channels}, got ${pixels.length}; pass the raw decoded pixels`,
    );
  }
  if (channels === 1 || channels === 2) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = pixels[i * channels];
    return out;
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * channels;
    out[i] = (pixels[o] * 19595 + pixels[o + 1] * 38470 + pixels[o + 2] * 7471 + 0x8000) >> 16;
  }
  return out;
}

// Unnormalised DCT-II basis (scipy.fftpack.dct default): only the first HASH_SIZE frequencies are needed.
const DCT_BASIS = (() => {
  const basis = new Float64Array(HASH_SIZE * DCT_SIZE);
  for (let k = 0; k < HASH_SIZE; k++) {
    for (let n = 0; n < DCT_SIZE; n++) basis[k * DCT_SIZE + n] = 2 * Math.cos((Math.PI * k * (2 * n + 1)) / (2 * DCT_SIZE));
  }
  return basis;
})();

/** 64-bit hash of a 32x32 grey image, as 16 hex digits (row-major bits, first bit most significant). */
function phashOf32(gray32: Uint8Array): string {
  // Columns first (axis 0), then rows (axis 1), as imagehash does; keeping only 8 frequencies each way.
  const colDct = new Float64Array(HASH_SIZE * DCT_SIZE);
  for (let k = 0; k < HASH_SIZE; k++) {
    for (let x = 0; x < DCT_SIZE; x++) {
      let s = 0;
      for (let y = 0; y < DCT_SIZE; y++) s += gray32[y * DCT_SIZE + x] * DCT_BASIS[k * DCT_SIZE + y];
      colDct[k * DCT_SIZE + x] = s;
    }
  }
  const low = new Float64Array(HASH_SIZE * HASH_SIZE);
  for (let k = 0; k < HASH_SIZE; k++) {
    for (let j = 0; j < HASH_SIZE; j++) {
      let s = 0;
      for (let x = 0; x < DCT_SIZE; x++) s += colDct[k * DCT_SIZE + x] * DCT_BASIS[j * DCT_SIZE + x];
      low[k * HASH_SIZE + j] = s;
    }
  }
  const sorted = Float64Array.from(low).sort();
  const median = (sorted[31] + sorted[32]) / 2;
  let hex = '';
  for (let nibble = 0; nibble < 16; nibble++) {
    let v = 0;
    for (let b = 0; b < 4; b++) v = (v << 1) | (low[nibble * 4 + b] > median ? 1 : 0);
    hex += v.toString(16);
  }
  return hex;
}

/**
 * imagehash-compatible perceptual hash of decoded pixels (interleaved, `channels` per pixel: 1 grey,
 * 3 RGB, 4 RGBA; values 0..255). Float input is rounded to 8 bits first, as an image file would be.
 */
export function phashHex(pixels: Float32Array | Uint8Array, width: number, height: number, channels = 1): string {
  const bytes = pixels instanceof Uint8Array ? pixels : Uint8Array.from(pixels, (v) => Math.min(255, Math.max(0, Math.round(v))));
  const gray = lumaLikePillow(bytes, width, height, channels);
  return phashOf32(resizeLanczosLikePillow(gray, width, height, DCT_SIZE, DCT_SIZE));
}

/** pHash of an image file or encoded buffer, decoded by sharp without colour management. */
export async function phashFromFile(input: string | Buffer): Promise<string> {
  // Imported here, not at the top: reading train.csv's phash column must not load libvips.
  const { default: sharp } = await import('sharp');
  const { data, info } = await sharp(input).raw().toBuffer({ resolveWithObject: true });
  return phashHex(new Uint8Array(data.buffer, data.byteOffset, data.length), info.width, info.height, info.channels);
}

/** Number of differing bits between two 16-hex-digit hashes. */
export function phashDistance(a: string, b: string): number {
  if (a.length !== 16 || b.length !== 16) throw new Error(`phash: expected two 16-digit hex hashes, got "${a}" and "${b}"`);
  const x = BigInt.asUintN(64, BigInt(`0x${a}`) ^ BigInt(`0x${b}`));
  let d = 0;
  for (let v = x; v > 0n; v &= v - 1n) d++;
  return d;
}
