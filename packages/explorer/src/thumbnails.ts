// JPEG thumbnails made with sharp once and kept on disk: a match grid shows up to 50 images per query.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WriteFileError, writeFileAtomic } from '@prodmatch/results';

export const THUMBNAIL_SIZES = { thumb: 160, large: 360 } as const;
export type ThumbnailSize = keyof typeof THUMBNAIL_SIZES;

// Thumbnails being made, by cache file: concurrent requests for one uncached image (a page's grid and the
// query card, two sides of a comparison) share one sharp resize and one write.
const inFlight = new Map<string, Promise<Buffer>>();
// Cache folders whose write failure has been reported: one line per server, not one per image.
const reported = new Set<string>();

/**
 * The thumbnail of `dir/file` (file is a train.csv image name found by listing dir, never request text),
 * cached under cacheDir keyed by the dataset's csv hash, so two datasets' same-named images never collide.
 * The cache is only a cache: when it cannot be written (a full disk), the thumbnail is still returned, and
 * `warn` gets one line (the first time) naming the file and saying what to do.
 */
export async function thumbnail(
  cacheDir: string,
  datasetSha256: string,
  dir: string,
  file: string,
  size: ThumbnailSize,
  warn: (message: string) => void = (message) => console.error(message),
): Promise<Buffer> {
  const cached = join(cacheDir, datasetSha256.slice(0, 16), `${size}-${file}.jpg`);
  try {
    return await readFile(cached);
  } catch {
    // Not cached yet: make it, once however many requests ask at the same time.
  }
  let making = inFlight.get(cached);
  if (making === undefined) {
    making = makeThumbnail(join(dir, file), cached, THUMBNAIL_SIZES[size], (error) => {
      if (reported.has(cacheDir)) return;
      reported.add(cacheDir);
      warn(`explorer: thumbnails are served uncached: ${error.message}`);
    }).finally(() => inFlight.delete(cached));
    inFlight.set(cached, making);
  }
  return making;
}

async function makeThumbnail(source: string, cached: string, px: number, uncached: (error: WriteFileError) => void): Promise<Buffer> {
  const { default: sharp } = await import('sharp');
  const jpeg = await sharp(source).resize(px, px, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 82 }).toBuffer();
  try {
    await writeFileAtomic(cached, jpeg);
  } catch (error) {
    if (!(error instanceof WriteFileError)) throw error;
    uncached(error);
  }
  return jpeg;
}
