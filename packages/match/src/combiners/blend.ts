import type { CsrMatrix, DenseMatrix, NeighbourLists } from '@prodmatch/knn';
import { asDisplay, asSource, type Combiner, type MatchList } from '../combiner.ts';
import { unionMatcher } from '../score.ts';
import type { FeatureMatrix } from '@prodmatch/features';

export interface BlendOptions {
  /** Channels to blend, each with the cosine distance within which neighbours are blended in. Others pass through. */
  channels: Readonly<Record<string, number>>;
  /** Times the blend-and-search-again step is repeated (the 1st-place solution's iterative blending). Default 1. */
  iterations?: number;
  /** At most this many nearest neighbours (self included) are blended per row. Default 8. */
  maxNeighbours?: number;
}

/**
 * Neighbourhood blending (Shopee 1st place): each posting's embedding becomes the similarity-weighted sum
 * of its own and its near neighbours' embeddings, then the gallery is searched again. Postings of one
 * product pull each other closer, so a threshold separates products more cleanly.
 */
export function blend(options: BlendOptions): Combiner {
  const iterations = options.iterations ?? 1;
  const maxNeighbours = options.maxNeighbours ?? 8;
  if (!(Number.isInteger(iterations) && iterations >= 1))
    throw new Error(`blend: iterations must be a positive integer, got ${iterations}`);
  if (!(Number.isInteger(maxNeighbours) && maxNeighbours >= 1))
    throw new Error(`blend: maxNeighbours must be a positive integer, got ${maxNeighbours}`);
  return {
    name: 'neighbourhood blending + union',
    params: { channels: { ...options.channels }, iterations, maxNeighbours, weight: 'cosine similarity' },
    sources(channels) {
      for (const name of Object.keys(options.channels)) {
        const channel = channels.find((c) => c.name === name);
        if (!channel) throw new Error(`blend: no channel "${name}" (channels: ${channels.map((c) => c.name).join(', ')})`);
        if (channel.unit !== 'cosine distance')
          throw new Error(`blend: channel "${name}" measures ${channel.unit}; only embeddings (cosine) can be blended`);
      }
      return channels.map(({ name, unit }) => ({ name, unit }));
    },
    async combine(channels, context) {
      const lists: MatchList[] = [];
      const raw: MatchList[] = [];
      for (const channel of channels) {
        const within = options.channels[channel.name];
        if (within === undefined) {
          lists.push(asSource(channel));
          continue;
        }
        let features = channel.features;
        let neighbours = channel.lists;
        for (let i = 0; i < iterations; i++) {
          features = blendedFeatures(features, neighbours, within, maxNeighbours);
          neighbours = await context.search(features, channel.lists.indices[0]?.length ?? context.k);
        }
        lists.push({ ...asSource(channel), lists: neighbours });
        raw.push({ ...asDisplay(channel), name: `${channel.name}.raw` });
      }
      return unionMatcher([...lists, ...raw]);
    },
  };
}

/** Row i -> sum over its neighbours j within `within` (self included, at most `max`) of (1 - d_ij) x_j. */
export function blendedFeatures(features: FeatureMatrix, lists: NeighbourLists, within: number, max: number): FeatureMatrix {
  const limit = Math.fround(within);
  const weightsOf = (row: number): { j: number; w: number }[] => {
    const out = [{ j: row, w: 1 }];
    const indices = lists.indices[row];
    const distances = lists.distances[row];
    for (let c = 0; c < indices.length && out.length < max && distances[c] <= limit; c++)
      if (indices[c] !== row) out.push({ j: indices[c], w: 1 - distances[c] });
    return out;
  };
  if (features.kind === 'dense') return { kind: 'dense', matrix: blendDense(features.matrix, weightsOf) };
  if (features.kind === 'sparse') return { kind: 'sparse', matrix: blendSparse(features.matrix, weightsOf) };
  throw new Error('blend: Hamming hashes cannot be blended; leave the phash channel out of blend({ channels })');
}

function blendDense(m: DenseMatrix, weightsOf: (row: number) => { j: number; w: number }[]): DenseMatrix {
  const { rows, dim, data } = m;
  const out = new Float32Array(rows * dim);
  const norms = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let d = i * dim; d < (i + 1) * dim; d++) s += data[d] * data[d];
    norms[i] = s > 0 ? 1 / Math.sqrt(s) : 0;
  }
  for (let i = 0; i < rows; i++) {
    const o = i * dim;
    for (const { j, w } of weightsOf(i)) {
      const scale = w * norms[j];
      for (let d = 0; d < dim; d++) out[o + d] += scale * data[j * dim + d];
    }
  }
  return { rows, dim, data: out };
}

function blendSparse(m: CsrMatrix, weightsOf: (row: number) => { j: number; w: number }[]): CsrMatrix {
  const { rows, cols, indptr, indices, values } = m;
  const norms = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let p = indptr[i]; p < indptr[i + 1]; p++) s += values[p] * values[p];
    norms[i] = s > 0 ? 1 / Math.sqrt(s) : 0;
  }
  const outIndptr = new Int32Array(rows + 1);
  const outIndices: number[] = [];
  const outValues: number[] = [];
  const sums = new Map<number, number>();
  for (let i = 0; i < rows; i++) {
    sums.clear();
    for (const { j, w } of weightsOf(i)) {
      const scale = w * norms[j];
      for (let p = indptr[j]; p < indptr[j + 1]; p++) sums.set(indices[p], (sums.get(indices[p]) ?? 0) + scale * values[p]);
    }
    // Columns stay sorted within a row, as CSR rows from tfidfVectors are.
    for (const c of [...sums.keys()].sort((a, b) => a - b)) {
      outIndices.push(c);
      outValues.push(sums.get(c) as number);
    }
    outIndptr[i + 1] = outIndices.length;
  }
  return { rows, cols, indptr: outIndptr, indices: Int32Array.from(outIndices), values: Float32Array.from(outValues) };
}
