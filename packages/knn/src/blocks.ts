import type { Tf } from '@prodmatch/tf';
import { TopKAccumulator } from './topk.ts';

/**
 * One exact search cut into tiles of the similarity matrix. With `symmetric` (the gallery is the
 * query set) only the tiles on and above the diagonal are multiplied: sim(i, j) = sim(j, i), so each
 * tile above it serves its rows and, read by columns, the rows of its mirror tile. That halves the
 * matrix product, which is where the time goes.
 */
export interface BlockPlan {
  queryRows: number;
  galleryRows: number;
  dim: number;
  k: number;
  blockSize: number;
  symmetric: boolean;
}

export interface BlockTile {
  rowStart: number;
  rowEnd: number;
  colStart: number;
  colEnd: number;
  /** Above the diagonal of a symmetric search: the tile also serves its columns' rows. */
  mirrored: boolean;
}

export function tileCount(plan: BlockPlan): number {
  const rowBlocks = Math.ceil(plan.queryRows / plan.blockSize);
  if (plan.symmetric) return (rowBlocks * (rowBlocks + 1)) / 2;
  return rowBlocks * Math.ceil(plan.galleryRows / plan.blockSize);
}

/** The t-th tile, row block by row block (0 <= t < tileCount(plan)). */
export function tileAt(plan: BlockPlan, t: number): BlockTile {
  const { blockSize: bs } = plan;
  let rowBlock: number;
  let colBlock: number;
  if (plan.symmetric) {
    // Row block i owns the tiles (i, i..n-1): n - i of them.
    const n = Math.ceil(plan.queryRows / bs);
    rowBlock = 0;
    let first = 0;
    while (first + (n - rowBlock) <= t) first += n - rowBlock++;
    colBlock = rowBlock + (t - first);
  } else {
    const colBlocks = Math.ceil(plan.galleryRows / bs);
    rowBlock = Math.floor(t / colBlocks);
    colBlock = t % colBlocks;
  }
  return {
    rowStart: rowBlock * bs,
    rowEnd: Math.min((rowBlock + 1) * bs, plan.queryRows),
    colStart: colBlock * bs,
    colEnd: Math.min((colBlock + 1) * bs, plan.galleryRows),
    mirrored: plan.symmetric && colBlock !== rowBlock,
  };
}

/**
 * Multiplies one tile on the tfjs backend and streams it into `acc`. The gallery rows are transposed
 * per tile because tfjs-wasm multiplies with transposeB through a naive loop, not XNNPACK; the small
 * tile operand (not the whole gallery) becomes XNNPACK's packed weights, so they stay in cache while
 * the tile's rows stream past them.
 */
export function searchTile(tf: Tf, plan: BlockPlan, queries: Float32Array, gallery: Float32Array, tile: BlockTile, acc: TopKAccumulator): void {
  const { dim } = plan;
  const rows = tile.rowEnd - tile.rowStart;
  const cols = tile.colEnd - tile.colStart;
  const product = tf.tidy(() => {
    const left = tf.tensor2d(queries.subarray(tile.rowStart * dim, tile.rowEnd * dim), [rows, dim]);
    const right = tf.tensor2d(gallery.subarray(tile.colStart * dim, tile.colEnd * dim), [cols, dim]);
    return tf.matMul(left, tf.transpose(right));
  });
  const sims = product.dataSync() as Float32Array;
  product.dispose();
  acc.scanBlock(sims, rows, cols, tile.rowStart, tile.colStart, tile.mirrored);
}
