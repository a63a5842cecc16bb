// The data `pnpm bench:knn` searches: the real titles (and larger sets derived from them), their word
// TF-IDF (the text channel's features), two dense embeddings of them, and clustered image-like vectors.
// Bench-only: @prodmatch/text and @prodmatch/text-encoder depend on this package, so they are imported by
// path here rather than declared as dependencies (which would make the workspace graph cyclic).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { readPostingsCsv } from '@prodmatch/data';
import { l2Normalize, type CsrMatrix, type DenseMatrix } from '../src/index.ts';
import { seededRandom } from '../src/testing.ts';
import { tfidfVectors, tokenizeTitle } from '../../text/src/index.ts';

export interface Titles {
  titles: string[];
  /** label_group per title; a derived copy's groups are its own (`<group>#<copy>`). */
  labels: string[];
}

export function readTitles(path: string): Titles {
  const { postings } = readPostingsCsv(path);
  return { titles: postings.map((p) => p.title), labels: postings.map((p) => p.labelGroup ?? '') };
}

/**
 * `rows` titles from the real ones: copy 0 is the real set, each later copy drops one random word of
 * every title of two or more words (so copies are near, not identical, duplicates) and has its own groups.
 */
export function deriveTitles(real: Titles, rows: number, seed: number): Titles {
  const random = seededRandom(seed);
  const titles: string[] = [];
  const labels: string[] = [];
  for (let i = 0; titles.length < rows; i++) {
    const copy = Math.floor(i / real.titles.length);
    const r = i % real.titles.length;
    if (copy === 0) {
      titles.push(real.titles[r]);
      labels.push(real.labels[r]);
      continue;
    }
    const words = real.titles[r].split(/\s+/).filter((w) => w.length > 0);
    if (words.length > 1) words.splice(Math.floor(random() * words.length), 1);
    titles.push(words.join(' '));
    labels.push(`${real.labels[r]}#${copy}`);
  }
  return { titles, labels };
}

/** The text channel's word TF-IDF (fused-text's `text`: title tokenizer keeping glued forms, binary tf, IDF with min_df 2, L2 rows). */
export function wordTfidf(titles: readonly string[]): CsrMatrix {
  const docs = titles.map((t) => tokenizeTitle(t, { keepGlued: true }));
  return tfidfVectors(docs, { weighting: 'binary', idfOptions: { minDf: 2 }, norm: 'l2' });
}

/**
 * A fixed Gaussian random projection of sparse rows to `dim` dense dims, rows L2-normalised: the
 * cheap real-title dense embedding (cosines of the TF-IDF rows are kept up to about 1/sqrt(dim)).
 */
export function randomProjection(m: CsrMatrix, dim: number, seed: number): DenseMatrix {
  const random = seededRandom(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const basis = Float32Array.from({ length: m.cols * dim }, gauss);
  const data = new Float32Array(m.rows * dim);
  for (let r = 0; r < m.rows; r++) {
    const out = r * dim;
    for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) {
      const v = m.values[p];
      const base = m.indices[p] * dim;
      for (let j = 0; j < dim; j++) data[out + j] += v * basis[base + j];
    }
  }
  return l2Normalize({ rows: m.rows, dim, data });
}

/** Group sizes of the real data (one entry per label group). */
export function groupSizes(labels: readonly string[]): number[] {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return [...counts.values()];
}

export interface ClusterSpec {
  rows: number;
  dim: number;
  /** Group sizes are drawn from these (the real data's). */
  sizes: readonly number[];
  /** Product categories: group centres scatter around one of them. */
  categories: number;
  /** Noise scale (per unit norm) of a group centre around its category, and of a posting around its group. */
  groupSpread: number;
  memberSpread: number;
  seed: number;
}

/**
 * Image-like embeddings: a three-level Gaussian hierarchy (category -> product group -> posting) in
 * `dim` dims, rows L2-normalised, group sizes drawn from the real data's. A posting's group mates sit at
 * a cosine distance of roughly memberSpread^2 (ArcFace-like: within the seeds' 0.3 threshold), other
 * groups of its category further, other categories near 1.
 */
export function clusteredEmbeddings(spec: ClusterSpec): { matrix: DenseMatrix; labels: Int32Array } {
  const { rows, dim } = spec;
  const random = seededRandom(spec.seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const unitNoise = (scale: number, out: Float32Array): void => {
    const s = scale / Math.sqrt(dim);
    for (let j = 0; j < dim; j++) out[j] = gauss() * s;
  };
  const categories = Array.from({ length: spec.categories }, () => {
    const c = new Float32Array(dim);
    unitNoise(1, c);
    return c;
  });
  const data = new Float32Array(rows * dim);
  const labels = new Int32Array(rows);
  const centre = new Float32Array(dim);
  const noise = new Float32Array(dim);
  let group = 0;
  for (let r = 0; r < rows; group++) {
    const category = categories[Math.floor(random() * categories.length)];
    unitNoise(spec.groupSpread, noise);
    for (let j = 0; j < dim; j++) centre[j] = category[j] + noise[j];
    const size = Math.min(rows - r, spec.sizes[Math.floor(random() * spec.sizes.length)]);
    for (let m = 0; m < size; m++, r++) {
      unitNoise(spec.memberSpread * norm(centre), noise);
      for (let j = 0; j < dim; j++) data[r * dim + j] = centre[j] + noise[j];
      labels[r] = group;
    }
  }
  return { matrix: l2Normalize({ rows, dim, data }), labels };
}

function norm(v: Float32Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

/**
 * The learned title encoder's (text-arcface's) 512-d embeddings of `embed`, trained on `train`
 * (default settings, seed 1). Training takes minutes, so the embeddings are cached under .cache/bench-knn,
 * keyed by the titles and settings.
 */
export async function titleEncoderEmbeddings(
  train: Titles,
  embed: readonly string[],
  cacheDir: string,
  log: (line: string) => void,
): Promise<{ matrix: DenseMatrix; trainSeconds: number | null }> {
  const { DEFAULT_TITLE_ENCODER, trainTitleEncoder, embedTitles } = await import('../../text-encoder/src/index.ts');
  const key = createHash('sha256')
    .update(JSON.stringify({ config: DEFAULT_TITLE_ENCODER, seed: 1, train: train.titles, labels: train.labels, embed }))
    .digest('hex')
    .slice(0, 16);
  const path = `${cacheDir}/title-encoder-${key}.f32`;
  const dim = DEFAULT_TITLE_ENCODER.dim;
  if (existsSync(path)) {
    const bytes = readFileSync(path);
    log(`title encoder embeddings: cached ${path}`);
    return {
      matrix: { rows: embed.length, dim, data: new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4) },
      trainSeconds: null,
    };
  }
  const { initTf } = await import('@prodmatch/tf');
  const { tf } = await initTf();
  const start = performance.now();
  const { encoder } = await trainTitleEncoder(
    tf,
    train.titles,
    train.labels,
    { ...DEFAULT_TITLE_ENCODER, sampler: 'uniform' },
    { seed: 1, log },
  );
  const trainSeconds = (performance.now() - start) / 1000;
  const matrix = embedTitles(tf, encoder, embed);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, matrix.data);
  renameSync(`${path}.tmp`, path);
  return { matrix, trainSeconds };
}
