// JPEG thumbnails made with sharp once and kept on disk: a match grid shows up to 50 images per query.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const THUMBNAIL_SIZES = { thumb: 160, large: 360 } as const;
export type ThumbnailSize = keyof typeof THUMBNAIL_SIZES;

/**
 * The thumbnail of `dir/file` (file is a train.csv image name found by listing dir, never request text),
 * cached under cacheDir keyed by the dataset's csv hash, so two datasets' same-named images never collide.
 */
export async function thumbnail(cacheDir: string, datasetSha256: string, dir: string, file: string, size: ThumbnailSize): Promise<Buffer> {
  const cached = join(cacheDir, datasetSha256.slice(0, 16), `${size}-${file}.jpg`);
  try {
    return await readFile(cached);
  } catch {
    const px = THUMBNAIL_SIZES[size];
    const { default: sharp } = await import('sharp');
    const jpeg = await sharp(join(dir, file)).resize(px, px, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 82 }).toBuffer();
    await mkdir(join(cacheDir, datasetSha256.slice(0, 16)), { recursive: true });
    const temp = `${cached}.${process.pid}.tmp`;
    await writeFile(temp, jpeg);
    await rename(temp, cached);
    return jpeg;
  }
}
