// Seeded randomness. Every product and posting draws from its own stream, derived from the dataset
// seed and a stable key, so output does not depend on the order in which async renders finish.
import { seededRandom } from '../random.ts';

/** 32-bit FNV-1a of a string, used to derive stream seeds from keys. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class Rng {
  private readonly draw: () => number;

  constructor(seed: number) {
    this.draw = seededRandom(seed);
  }

  /** A new independent stream for `key`, derived from this seed (not from the current state). */
  static derive(seed: number, key: string): Rng {
    return new Rng(hashString(`${seed >>> 0}:${key}`));
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.draw();
  }

  float(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Integer in [min, max] inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Index drawn with probability proportional to weights[i]. */
  weighted(weights: readonly number[]): number {
    const total = weights.reduce((s, w) => s + w, 0);
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }

  /** Hex string of `digits` random digits (for image file names and ids). */
  hex(digits: number): string {
    let out = '';
    while (out.length < digits)
      out += Math.floor(this.next() * 65536)
        .toString(16)
        .padStart(4, '0');
    return out.slice(0, digits);
  }
}
