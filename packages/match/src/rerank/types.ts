import type { CsrMatrix, DenseMatrix, Hash64Matrix, NeighbourLists } from '@prodmatch/knn';

/**
 * A channel's features on one gallery, by kind: dense and sparse rows are compared by cosine distance
 * (rows need not be normalised), 64-bit hashes by Hamming bits. Structurally the same union as the
 * harness's FeatureMatrix, so a channel's features pass straight through.
 */
export type ChannelMatrix =
  | { kind: 'dense'; matrix: DenseMatrix }
  | { kind: 'sparse'; matrix: CsrMatrix }
  | { kind: 'hash64'; matrix: Hash64Matrix };

/** One channel as the rerank stage sees it on one gallery: its features and its top-k lists (self first). */
export interface RerankChannel {
  /** Prefix of the channel's feature names (`word.distance`, ...). */
  name: string;
  features: ChannelMatrix;
  lists: NeighbourLists;
  /**
   * The distance taken for a neighbour that a short list leaves out, in the channel's unit: a Hamming
   * search cut at r bits (hammingWithin) misses everything beyond r, so r + 1. Default: cosine 1
   * (nothing in common), Hamming 32 (two unrelated hashes).
   */
  beyond?: number;
}

/** The default distance for neighbours a channel's list leaves out (see RerankChannel.beyond). */
export const beyondOf = (channel: RerankChannel): number => channel.beyond ?? (channel.features.kind === 'hash64' ? 32 : 1);

/** Rows of a gallery: the number of postings a channel's features describe. */
export const rowsOf = (features: ChannelMatrix): number => features.matrix.rows;
