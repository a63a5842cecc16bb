// A dataset's postings as the explorer needs them: by posting id, with lower-cased titles for search and
// the set of image files actually present (the real titles here come without their images).
import { readdirSync, existsSync } from 'node:fs';
import { loadDataset, type Dataset, type Posting } from '@prodmatch/data';

export class DatasetPostings {
  private readonly byId = new Map<string, Posting>();
  private readonly images: Set<string>;

  constructor(readonly dataset: Dataset) {
    for (const posting of dataset.train.postings) this.byId.set(posting.postingId, posting);
    this.images = new Set(existsSync(dataset.trainImagesDir) ? readdirSync(dataset.trainImagesDir) : []);
  }

  static load(dir: string): DatasetPostings {
    return new DatasetPostings(loadDataset(dir));
  }

  get sha256(): string {
    return this.dataset.identity.sha256;
  }

  posting(postingId: string): Posting | undefined {
    return this.byId.get(postingId);
  }

  /** The image file's name when it exists in train_images/; it comes from train.csv, never from a request. */
  imageOf(postingId: string): string | null {
    const image = this.byId.get(postingId)?.image;
    return image !== undefined && this.images.has(image) ? image : null;
  }
}
