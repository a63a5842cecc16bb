import type { Tf } from '@prodmatch/tf';
import type { TopKAccumulator } from './topk.ts';

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
 * Multiplies tiles on a tfjs backend and streams them into a `TopKAccumulator`. The gallery rows of a
 * tile are transposed because tfjs-wasm multiplies with transposeB through a naive loop, not XNNPACK;
 * each gallery block is transposed once and kept (the whole gallery once, in tiles) since a search
 * visits it for every row block. The small tile operand, not the whole gallery, becomes XNNPACK's
 * packed weights, so they stay in cache while the tile's rows stream past them.
 */
export class TileSearcher {
  private readonly transposed = new Map<number, ReturnType<Tf['tensor2d']>>();
  /** Seconds spent so far in the tiles' matrix products (upload and read-back included). */
  multiplySeconds = 0;
  /** Seconds spent so far streaming the products through the accumulator. */
  selectSeconds = 0;

  constructor(
    private readonly tf: Tf,
    private readonly plan: BlockPlan,
    private readonly queries: Float32Array,
    private readonly gallery: Float32Array,
  ) {}

  search(tile: BlockTile, acc: TopKAccumulator): void {
    const { tf } = this;
    const { dim } = this.plan;
    const rows = tile.rowEnd - tile.rowStart;
    const cols = tile.colEnd - tile.colStart;
    let right = this.transposed.get(tile.colStart);
    if (!right) {
      const block = this.gallery.subarray(tile.colStart * dim, tile.colEnd * dim);
      right = tf.tidy(() => tf.transpose(tf.tensor2d(block, [cols, dim])));
      this.transposed.set(tile.colStart, right);
    }
    const gallery = right;
    const start = performance.now();
    const product = tf.tidy(() =>
      tf.matMul(tf.tensor2d(this.queries.subarray(tile.rowStart * dim, tile.rowEnd * dim), [rows, dim]), gallery),
    );
    const sims = product.dataSync() as Float32Array;
    product.dispose();
    const multiplied = performance.now();
    acc.scanBlock(sims, rows, cols, tile.rowStart, tile.colStart, tile.mirrored);
    this.multiplySeconds += (multiplied - start) / 1000;
    this.selectSeconds += (performance.now() - multiplied) / 1000;
  }

  dispose(): void {
    for (const tensor of this.transposed.values()) tensor.dispose();
    this.transposed.clear();
  }
}
