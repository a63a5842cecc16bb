import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as aq from 'arquero';
import sharp from 'sharp';
import { phashFromFile } from '../phash.ts';
import { buildCatalog, type Product } from './catalog.ts';
import { drawGroupSizes } from './group-sizes.ts';
import { officialPhoto, postingSvg, randomEdits, renderPosting, sellerPhoto, touchUp, type Edits, type Photo } from './render.ts';
import { Rng } from './rng.ts';
import { makeTitle, sellerStyle } from './titles.ts';

export { GENERATOR } from './paths.ts';
import { GENERATOR } from './paths.ts';

// How one product's postings relate, tuned so the pHash and TF-IDF baselines score as on the real
// data (see scripts/calibrate-synthetic.ts at the repo root and the README of packages/data/src/synthetic):
/** share of postings (after a group's first) that reuse another posting's exact image file */
const P_SAME_FILE = 0.08;
/** share that re-upload an earlier photo with light edits (pHash stays within a few bits) */
const P_SAME_PHOTO = 0.3;
/** share of new photos that are the family's catalogue shot, shared by all variants */
const P_OFFICIAL = 0.3;
/** share of postings copying an earlier posting's title verbatim */
const P_SAME_TITLE = 0.04;
/** test.csv holds this share of extra products (unlabelled, as on Kaggle) */
const TEST_SHARE = 0.01;

export interface GenerateOptions {
  outDir: string;
  seed: number;
  groups: number;
  imageSize: number;
  onProgress?: (done: number, total: number) => void;
  /**
   * true (default): a dataset already in outDir is replaced. false: if another process finished
   * outDir first, keep theirs (same seed, same bytes) and drop ours.
   */
  replace?: boolean;
}

export interface GenerateResult {
  rows: number;
  groups: number;
  images: number;
  seconds: number;
  /** CPU time of this process per image, which unlike wall time does not depend on other load. */
  cpuMsPerImage: number;
}

export interface SyntheticManifest {
  kind: 'synthetic';
  generator: string;
  seed: number;
  groups: number;
  imageSize: number;
  rows: number;
  testRows: number;
  images: number;
}

interface ImageJob {
  name: string;
  folder: 'train_images' | 'test_images';
  product: Product;
  photo: Photo;
  edits: Edits;
}

interface PlannedRow {
  posting_id: string;
  image: string;
  title: string;
  label_group: string;
}

function uniqueNumber(rng: Rng, digits: [number, number], used: Set<string>): string {
  for (;;) {
    const n = String(rng.int(10 ** (digits[0] - 1), 10 ** digits[1] - 1));
    if (!used.has(n)) {
      used.add(n);
      return n;
    }
  }
}

/** Plans every posting of one product: which photo, which edits, which title. */
function planGroup(
  product: Product,
  size: number,
  seed: number,
  key: string,
  folder: ImageJob['folder'],
  familyPhotos: Map<number, Photo>,
  jobs: ImageJob[],
): Array<{ image: string; title: string }> {
  const rng = Rng.derive(seed, key);
  // Titles draw from their own stream, so a change to title noise leaves every image as it was.
  const titleRng = Rng.derive(seed, `${key}:titles`);
  const shots: Array<{ photo: Photo; edits: Edits }> = [];
  const postings: Array<{ image: string; title: string }> = [];
  const newImage = (photo: Photo, edits: Edits): string => {
    const name = `${rng.hex(32)}.jpg`;
    jobs.push({ name, folder, product, photo, edits });
    shots.push({ photo, edits });
    return name;
  };
  for (let i = 0; i < size; i++) {
    const r = rng.next();
    let image: string;
    if (i > 0 && r < P_SAME_FILE) image = rng.pick(postings).image;
    else if (i > 0 && r < P_SAME_FILE + P_SAME_PHOTO) {
      const shot = rng.pick(shots);
      image = newImage(shot.photo, touchUp(shot.edits, rng));
    } else {
      let photo: Photo;
      if (rng.chance(P_OFFICIAL)) {
        photo = familyPhotos.get(product.family.id) ?? officialPhoto(Rng.derive(seed, `family-photo:${product.family.id}`));
        familyPhotos.set(product.family.id, photo);
      } else photo = sellerPhoto(rng);
      image = newImage(photo, randomEdits(rng));
    }
    const title =
      i > 0 && titleRng.chance(P_SAME_TITLE) ? titleRng.pick(postings).title : makeTitle(product, sellerStyle(titleRng), titleRng);
    postings.push({ image, title });
  }
  return postings;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Temp folders of runs that were killed (not just failed) are left behind; drop those of dead pids. */
function removeStaleTempDirs(parent: string, name: string): void {
  const prefix = `.${name}.tmp-`;
  for (const entry of readdirSync(parent)) {
    const pid = Number.parseInt(entry.slice(prefix.length), 10);
    if (entry.startsWith(prefix) && Number.isInteger(pid) && !isAlive(pid)) rmSync(join(parent, entry), { recursive: true, force: true });
  }
}

async function mapPool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

function writeCsv(path: string, rows: object[], columns: string[]): void {
  // arquero quotes a field only when it holds a comma, quote or newline, as Kaggle's train.csv does.
  writeFileSync(path, aq.from(rows).select(columns).toCSV());
}

/**
 * Generates a Kaggle-layout synthetic dataset into `outDir` (see `replace`). Everything is
 * written into a sibling temp folder first and renamed at the end, so an interrupted run leaves no
 * folder that looks complete.
 */
export async function generateSyntheticDataset(opts: GenerateOptions): Promise<GenerateResult> {
  const { outDir, seed, groups, imageSize } = opts;
  if (!Number.isInteger(groups) || groups < 1) throw new Error(`synthetic: --groups must be a positive integer, got ${groups}`);
  if (!Number.isInteger(imageSize) || imageSize < 32 || imageSize > 1024)
    throw new Error(`synthetic: --image-size must be an integer in 32..1024, got ${imageSize}`);
  if (!Number.isInteger(seed)) throw new Error(`synthetic: --seed must be an integer, got ${seed}`);
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const testGroups = Math.max(1, Math.round(groups * TEST_SHARE));
  const products = buildCatalog(groups + testGroups, Rng.derive(seed, 'catalog'));
  const sizes = drawGroupSizes(groups + testGroups, Rng.derive(seed, 'group-sizes'));
  const ids = Rng.derive(seed, 'ids');
  const usedIds = new Set<string>();
  const usedGroups = new Set<string>();
  const familyPhotos = new Map<number, Photo>();
  const jobs: ImageJob[] = [];
  const train: PlannedRow[] = [];
  const test: PlannedRow[] = [];
  products.forEach((product, g) => {
    const isTest = g >= groups;
    const labelGroup = uniqueNumber(ids, [9, 10], usedGroups);
    const postings = planGroup(product, sizes[g], seed, `group:${g}`, isTest ? 'test_images' : 'train_images', familyPhotos, jobs);
    for (const p of postings) {
      const row = {
        posting_id: `${isTest ? 'test' : 'train'}_${uniqueNumber(ids, [9, 10], usedIds)}`,
        image: p.image,
        title: p.title,
        label_group: labelGroup,
      };
      (isTest ? test : train).push(row);
    }
  });
  // Rows are listed by image name, as in Kaggle's file, so groups are not contiguous.
  train.sort((a, b) => (a.image < b.image ? -1 : a.image > b.image ? 1 : a.posting_id < b.posting_id ? -1 : 1));

  mkdirSync(dirname(outDir), { recursive: true });
  removeStaleTempDirs(dirname(outDir), basename(outDir));
  const tmpDir = join(dirname(outDir), `.${basename(outDir)}.tmp-${process.pid}`);
  rmSync(tmpDir, { recursive: true, force: true });
  mkdirSync(join(tmpDir, 'train_images'), { recursive: true });
  mkdirSync(join(tmpDir, 'test_images'), { recursive: true });
  // Images are tiny, so parallelism comes from rendering several at once, not threads per image.
  const previousConcurrency = sharp.concurrency();
  sharp.concurrency(1);
  try {
    const phash = new Map<string, string>();
    let done = 0;
    await mapPool(jobs, 4, async (job) => {
      const jpeg = await renderPosting(postingSvg(job.product, job.photo, job.edits, imageSize), job.edits);
      writeFileSync(join(tmpDir, job.folder, job.name), jpeg);
      // Hash the decoded JPEG, as Kaggle hashed the files it published.
      phash.set(job.name, await phashFromFile(jpeg));
      opts.onProgress?.(++done, jobs.length);
    });
    const withHash = (rows: PlannedRow[]) => rows.map((r) => ({ ...r, image_phash: phash.get(r.image)! }));
    writeCsv(join(tmpDir, 'train.csv'), withHash(train), ['posting_id', 'image', 'image_phash', 'title', 'label_group']);
    writeCsv(join(tmpDir, 'test.csv'), withHash(test), ['posting_id', 'image', 'image_phash', 'title']);
    const manifest: SyntheticManifest = {
      kind: 'synthetic',
      generator: GENERATOR,
      seed,
      groups,
      imageSize,
      rows: train.length,
      testRows: test.length,
      images: jobs.length,
    };
    writeFileSync(join(tmpDir, 'dataset.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    if (existsSync(outDir) && opts.replace !== false) {
      const old = `${tmpDir}-old`;
      renameSync(outDir, old);
      renameSync(tmpDir, outDir);
      rmSync(old, { recursive: true, force: true });
    } else {
      try {
        renameSync(tmpDir, outDir);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
        rmSync(tmpDir, { recursive: true, force: true });
      }
    }
  } catch (err) {
    rmSync(tmpDir, { recursive: true, force: true });
    throw err;
  } finally {
    sharp.concurrency(previousConcurrency);
  }
  const cpu = process.cpuUsage(cpuStart);
  return {
    rows: train.length,
    groups,
    images: jobs.length,
    seconds: (performance.now() - started) / 1000,
    cpuMsPerImage: (cpu.user + cpu.system) / 1000 / jobs.length,
  };
}
