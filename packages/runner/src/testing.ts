// Fixtures for the runner's tests: tiny Kaggle-layout datasets and experiment workspaces run as child
// processes (the way turbo and pnpm run them). Kept out of *.test.ts so several test files share them.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { REPO_ROOT } from './paths.ts';

const HEADER = 'posting_id,image,image_phash,title,label_group';

/** 12 products x 3 postings: titles share product words, phashes differ by a bit within a product. */
export function miniTextDataset(parent = mkdtempSync(join(tmpdir(), 'prodmatch-runner-')), name = 'mini'): string {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  const lines = [HEADER];
  const words = ['kopi', 'sabun', 'tas', 'sepatu', 'kaos', 'botol', 'lampu', 'kabel', 'madu', 'teh', 'susu', 'gula'];
  words.forEach((word, g) => {
    for (let j = 0; j < 3; j++) {
      const hash = ((BigInt(g + 1) * 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn) ^ BigInt(j);
      lines.push(
        `p${g}_${j},img${g}_${j}.jpg,${hash.toString(16).padStart(16, '0')},"${word} ${word}${g} original promo ${j}",${1000 + g}`,
      );
    }
  });
  writeFileSync(join(dir, 'train.csv'), `${lines.join('\n')}\n`);
  return dir;
}

/** 10 products x 3 postings; a product is a colour and a shape, its postings move and resize it. */
export async function miniImageDataset(withImages = true): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-images-'));
  mkdirSync(join(dir, 'train_images'));
  const colours = ['#e6194b', '#3cb44b', '#ffe119', '#4363d8', '#f58231', '#911eb4', '#46f0f0', '#f032e6', '#bcf60c', '#008080'];
  const lines = [HEADER];
  for (let g = 0; g < colours.length; g++) {
    for (let j = 0; j < 3; j++) {
      const image = `g${g}_${j}.jpg`;
      const shape =
        g % 2 === 0
          ? `<circle cx="${28 + 4 * j}" cy="32" r="${18 - j}" fill="${colours[g]}"/>`
          : `<rect x="${12 + 3 * j}" y="14" width="${34 - j}" height="${30 + j}" fill="${colours[g]}"/>`;
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="${j === 2 ? '#fafafa' : '#ffffff'}"/>${shape}</svg>`;
      if (withImages)
        await sharp(Buffer.from(svg))
          .jpeg()
          .toFile(join(dir, 'train_images', image));
      lines.push(`p${g}_${j},${image},${(g * 3 + j).toString(16).padStart(16, '0')},product ${g},${100 + g}`);
    }
  }
  writeFileSync(join(dir, 'train.csv'), `${lines.join('\n')}\n`);
  return dir;
}

/** The flags of a test's run: its data and results folders, no progress bars and, unless asked, no leaderboard. */
export function runFlags(data: string, results: string, options: { leaderboard?: boolean } = {}): string[] {
  return ['--data', data, '--results', results, '--no-progress', ...(options.leaderboard ? [] : ['--no-leaderboard'])];
}

/** Tiny image runs: 32-px images in batches of 8. */
export const TINY_IMAGES: readonly string[] = ['--img-size', '32', '--batch-size', '8'];

export interface ExperimentProcess {
  child: ChildProcess;
  /** Everything written to stderr so far. */
  stderr: () => string;
  /** Resolves with the exit code (null when the process died of a signal it did not handle). */
  exit: Promise<number | null>;
  /** Resolves once stderr matches `pattern`, with the match; rejects if the process exits first. */
  waitFor: (pattern: RegExp) => Promise<RegExpExecArray>;
}

/** Starts experiments/<name>/experiment.ts as `pnpm --filter <name> run experiment` would, on the wasm backend. */
export function startExperiment(name: string, args: string[], env: NodeJS.ProcessEnv = {}): ExperimentProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'experiments', name, 'experiment.ts'), ...args], {
    cwd: join(REPO_ROOT, 'experiments', name),
    env: { ...process.env, PRODMATCH_BACKEND: 'wasm', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
    for (const listener of listeners) listener();
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = (pattern: RegExp): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const match = pattern.exec(stderr);
        if (match) {
          listeners.delete(check);
          resolve(match);
        }
      };
      listeners.add(check);
      check();
      void exit.then((code) => {
        if (listeners.delete(check)) reject(new Error(`${name} exited (${code}) before printing ${pattern}:\n${stderr}`));
      });
    });
  return { child, stderr: () => stderr, exit, waitFor };
}

/** Runs an experiment to the end: its exit code and stderr. */
export async function runExperimentProcess(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stderr: string }> {
  const run = startExperiment(name, args, env);
  const code = await run.exit;
  return { code, stderr: run.stderr() };
}

/** Temp files and lock folders anywhere under `dir`: what an interrupted write must not leave behind. */
export function leftovers(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((path) => path.endsWith('.tmp') || /\.lock($|[\\/])/.test(path));
}
