// Imports run downward (DESIGN.md, issue 17): results owns the row and the writer, so it may not lean on
// what reads or produces rows; the readers never import the runner; match does not need results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGES = fileURLToPath(new URL('../../', import.meta.url));

/** Every module a package's sources and benches import (static, dynamic, re-export), with the file. */
function importsOf(pkg: string): { file: string; spec: string }[] {
  const out: { file: string; spec: string }[] = [];
  for (const dir of ['src', 'bench', 'web']) {
    let files: string[];
    try {
      files = readdirSync(join(PACKAGES, pkg, dir), { recursive: true, encoding: 'utf8' });
    } catch {
      continue;
    }
    for (const file of files.filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(join(PACKAGES, pkg, dir, file), 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) out.push({ file: `${pkg}/${dir}/${file}`, spec: m[1] });
    }
  }
  return out;
}

function dependenciesOf(pkg: string): string[] {
  const json = JSON.parse(readFileSync(join(PACKAGES, pkg, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  return [...Object.keys(json.dependencies ?? {}), ...Object.keys(json.devDependencies ?? {})];
}

const rules: { pkg: string; never: RegExp; why: string }[] = [
  {
    pkg: 'results',
    never: /^(@prodmatch\/(leaderboard|explorer|runner|match|vision|tf|text|text-encoder)|@tensorflow\/|sharp$|vega|h5wasm)/,
    why: 'results is below everything that writes or reads rows, and loads nothing heavy',
  },
  { pkg: 'leaderboard', never: /^@prodmatch\/(runner|match|vision|tf)(\/|$)/, why: 'the leaderboard only reads rows' },
  { pkg: 'explorer', never: /^@prodmatch\/(runner|match|vision|tf)(\/|$)/, why: 'the explorer only reads results/' },
  { pkg: 'match', never: /^@prodmatch\/results(\/|$)/, why: 'match needs no results: its distance units live in knn' },
];

for (const { pkg, never, why } of rules) {
  test(`${pkg} imports nothing matching ${never} (${why})`, () => {
    const bad = importsOf(pkg).filter((i) => never.test(i.spec));
    assert.deepEqual(bad, []);
    assert.deepEqual(
      dependenciesOf(pkg).filter((d) => never.test(d)),
      [],
      `${pkg}/package.json`,
    );
  });
}
