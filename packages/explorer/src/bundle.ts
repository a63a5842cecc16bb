// The page's script: web/app.ts and what it imports (vega-embed, the shared match rule) bundled by esbuild.
// Bundling vega takes most of a second, so the bundle is kept on disk keyed by its inputs.
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WriteFileError, writeFileAtomic } from '@prodmatch/results';

export const WEB_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'web');
const PACKAGE_DIR = dirname(WEB_DIR);

/** What the bundle depends on: the page's sources, the shared match rule and the installed versions. */
async function bundleKey(): Promise<string> {
  const hash = createHash('sha256');
  const files = (await readdir(WEB_DIR))
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map((f) => join(WEB_DIR, f));
  files.push(
    join(PACKAGE_DIR, 'src', 'api-types.ts'),
    join(PACKAGE_DIR, '..', 'metrics', 'src', 'combine.ts'),
    join(PACKAGE_DIR, '..', 'metrics', 'src', 'f1.ts'),
  );
  for (const name of ['vega-embed', 'vega', 'vega-lite', 'esbuild']) files.push(join(PACKAGE_DIR, 'node_modules', name, 'package.json'));
  for (const file of files) hash.update(file).update(await readFile(file));
  return hash.digest('hex').slice(0, 20);
}

export async function pageScript(cacheDir: string): Promise<Buffer> {
  const cached = join(cacheDir, `app-${await bundleKey()}.js`);
  try {
    return await readFile(cached);
  } catch {
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [join(WEB_DIR, 'app.ts')],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    const script = Buffer.from(result.outputFiles[0].contents);
    try {
      await writeFileAtomic(cached, script);
    } catch (error) {
      // Only a cache: the page still gets its script, bundled again at the next start.
      if (!(error instanceof WriteFileError)) throw error;
      console.error(`explorer: the page script is served uncached: ${error.message}`);
    }
    return script;
  }
}
