// The explorer's HTTP server (node:http): the page, its bundled script, and a small JSON API.
// Every answer to a bad request is a 4xx with a one-line reason; nothing is read from a path a request names.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PredictionsFileError, ResultRowError } from '@prodmatch/results';
import type { ApiError } from './api-types.ts';
import { pageScript, WEB_DIR } from './bundle.ts';
import { Explorer, ExplorerRequestError, type WorstFilter } from './explorer.ts';
import { thumbnail, THUMBNAIL_SIZES, type ThumbnailSize } from './thumbnails.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface ExplorerOptions {
  resultsDir?: string;
  /** Dataset folders (--data), keyed by their folder name, which is the dataset's name in the rows. */
  dataDirs?: string[];
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Bundles and thumbnails; default <repo>/.cache/explorer. */
  cacheDir?: string;
}

export interface RunningExplorer {
  url: string;
  explorer: Explorer;
  close(): Promise<void>;
}

const WORST_FILTERS: readonly WorstFilter[] = ['all', 'fp', 'fn'];
const MAX_WORST = 500;

function param(url: URL, name: string): string {
  const value = url.searchParams.get(name);
  if (value === null || value === '') throw new ExplorerRequestError(400, `missing parameter "${name}"`);
  return value;
}

function oneOf<T extends string>(url: URL, name: string, options: readonly T[], fallback: T): T {
  const value = url.searchParams.get(name) ?? fallback;
  if (!options.includes(value as T))
    throw new ExplorerRequestError(400, `parameter "${name}" must be one of ${options.join(', ')}, got "${value}"`);
  return value as T;
}

/** `t.<list>=<value>` parameters: the thresholds to apply, by source list name. */
function thresholds(url: URL): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, text] of url.searchParams) {
    if (!key.startsWith('t.')) continue;
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value))
      throw new ExplorerRequestError(400, `threshold "${key}" must be a number, got "${text}"`);
    out[key.slice(2)] = value;
  }
  return out;
}

function limit(url: URL): number {
  const text = url.searchParams.get('limit') ?? '50';
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > MAX_WORST)
    throw new ExplorerRequestError(400, `parameter "limit" must be an integer in 1..${MAX_WORST}, got "${text}"`);
  return value;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, cache = 'no-store'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': cache, 'x-content-type-options': 'nosniff' });
  res.end(body);
}

const json = (res: ServerResponse, value: unknown): void => send(res, 200, 'application/json; charset=utf-8', JSON.stringify(value));

export type ExplorerHandler = ((req: IncomingMessage, res: ServerResponse) => Promise<void>) & {
  /** The page script being bundled (or read from the cache) since the handler was made. */
  pageScript: Promise<Buffer>;
};

export function explorerHandler(explorer: Explorer, cacheDir: string): ExplorerHandler {
  const script = pageScript(join(cacheDir, 'bundle'));
  script.catch(() => undefined);
  const thumbnails = join(cacheDir, 'thumbnails');
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://explorer.invalid');
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        throw new ExplorerRequestError(405, `method ${req.method} not allowed; the explorer only answers GET`);
      switch (url.pathname) {
        case '/':
          return send(res, 200, 'text/html; charset=utf-8', await readFile(join(WEB_DIR, 'index.html')));
        case '/style.css':
          return send(res, 200, 'text/css; charset=utf-8', await readFile(join(WEB_DIR, 'style.css')));
        case '/app.js':
          return send(res, 200, 'text/javascript; charset=utf-8', await script);
        case '/api/datasets':
          return json(res, explorer.datasets());
        case '/api/experiment':
          return json(res, await explorer.detail(param(url, 'dataset'), param(url, 'exp')));
        case '/api/search':
          return json(res, await explorer.search(param(url, 'dataset'), param(url, 'exp'), url.searchParams.get('q') ?? ''));
        case '/api/query':
          return json(res, await explorer.query(param(url, 'dataset'), param(url, 'exp'), param(url, 'posting')));
        case '/api/gallery':
          return json(
            res,
            await explorer.gallery(
              param(url, 'dataset'),
              param(url, 'exp'),
              thresholds(url),
              oneOf(url, 'filter', WORST_FILTERS, 'all'),
              limit(url),
            ),
          );
        case '/api/image': {
          const size = oneOf(url, 'size', Object.keys(THUMBNAIL_SIZES) as ThumbnailSize[], 'thumb');
          const postingId = param(url, 'posting');
          const image = await explorer.imageFile(param(url, 'dataset'), postingId);
          if (image === null)
            throw new ExplorerRequestError(404, `posting "${postingId}" has no image file in its dataset's train_images/`);
          return send(res, 200, 'image/jpeg', await thumbnail(thumbnails, image.sha256, image.dir, image.file, size), 'max-age=3600');
        }
        default:
          throw new ExplorerRequestError(404, `no such page or API: ${url.pathname}`);
      }
    } catch (error) {
      const known = error instanceof ExplorerRequestError;
      // Data-file errors (predictions, rows, train.csv) carry their own one-line, actionable message.
      const reported =
        known ||
        error instanceof PredictionsFileError ||
        error instanceof ResultRowError ||
        (error instanceof Error && error.name === 'DataError');
      if (!reported) console.error(`explorer: ${req.method} ${url.pathname}:`, error);
      const message = reported
        ? (error as Error).message.split('\n')[0]
        : `internal error answering ${url.pathname}; the server's log has the details`;
      const body: ApiError = { error: message };
      send(res, known ? (error as ExplorerRequestError).status : 500, 'application/json; charset=utf-8', JSON.stringify(body));
    }
  };
  return Object.assign(handle, { pageScript: script });
}

/** Reads the result rows, bundles the page (or finds the bundle cached) and listens; 127.0.0.1 unless a host is given. */
export async function startExplorer(options: ExplorerOptions = {}): Promise<RunningExplorer> {
  const dataDirs = new Map((options.dataDirs ?? []).map((dir) => [resolve(dir).split(/[\\/]/).pop()!, resolve(dir)]));
  const cacheDir = options.cacheDir ?? join(REPO_ROOT, '.cache', 'explorer');
  const explorer = await Explorer.open({
    resultsDir: resolve(options.resultsDir ?? join(REPO_ROOT, 'results')),
    dataDirs,
    repoRoot: REPO_ROOT,
  });
  const handler = explorerHandler(explorer, cacheDir);
  const server: Server = createServer((req, res) => void handler(req, res));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 8765, host, () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    explorer,
    // Waits for the bundle too, so nothing is written into the cache folder after close (a test removes it).
    close: async () => {
      await new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      });
      await handler.pageScript.catch(() => undefined);
    },
  };
}
