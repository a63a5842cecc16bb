// `turbo run experiment` must be a cache hit when nothing changed, and a hit must restore the row and its
// predictions file. Turbo (2.11) hashes the committed files that match a task's outputs as inputs of that
// task, so a row rewritten with new timings on every run made every re-run a miss (issue 13).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { REPO_ROOT } from './paths.ts';
import { miniTextDataset } from './testing.ts';

/** What every experiment workspace's turbo.json declares: its rows and predictions files, any variant. */
function experimentOutputs(name: string): string[] {
  return ['json', 'predictions.jsonl.gz'].flatMap((ext) => [
    `$TURBO_ROOT$/results/*/${name}.${ext}`,
    `$TURBO_ROOT$/results/*/${name}@*.${ext}`,
  ]);
}

const readJson = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, 'utf8'));

test('every experiment workspace declares its rows and predictions files as turbo outputs, and nothing under results/ as input', () => {
  const root = readJson(join(REPO_ROOT, 'turbo.json')) as { tasks: { experiment: { inputs: string[]; env: string[] } } };
  assert.ok(!root.tasks.experiment.inputs.some((glob) => glob.includes('results')), 'results/ is never an input');
  for (const name of ['PRODMATCH_DATA', 'PRODMATCH_BACKEND', 'PRODMATCH_SEED', 'PRODMATCH_PROTOCOL'])
    assert.ok(root.tasks.experiment.env.includes(name), name);
  const dirs = readdirSync(join(REPO_ROOT, 'experiments'), { withFileTypes: true }).filter(
    (d) => d.isDirectory() && existsSync(join(REPO_ROOT, 'experiments', d.name, 'package.json')),
  );
  assert.ok(dirs.length >= 12);
  for (const { name } of dirs) {
    const pkg = readJson(join(REPO_ROOT, 'experiments', name, 'package.json')) as { name: string; scripts?: Record<string, string> };
    assert.equal(pkg.name, name, `experiments/${name}: the package name is the folder name, so --filter=${name} and the row name agree`);
    assert.ok(pkg.scripts?.experiment, `experiments/${name}: no "experiment" script`);
    const turbo = join(REPO_ROOT, 'experiments', name, 'turbo.json');
    const expected = { extends: ['//'], tasks: { experiment: { outputs: experimentOutputs(name) } } };
    assert.ok(existsSync(turbo), `experiments/${name}/turbo.json is missing; write ${JSON.stringify(expected)}`);
    // A workspace may add inputs (a spec it builds on) or dependsOn (a checkpoint it reuses), never a results/ input.
    const config = readJson(turbo) as {
      extends: string[];
      tasks: { experiment: { outputs: string[]; inputs?: string[]; dependsOn?: string[] } };
    };
    assert.deepEqual(config.extends, expected.extends, `experiments/${name}/turbo.json: extends`);
    assert.deepEqual(config.tasks.experiment.outputs, expected.tasks.experiment.outputs, `experiments/${name}/turbo.json: outputs`);
    assert.ok(
      !(config.tasks.experiment.inputs ?? []).some((glob) => glob.includes('results')),
      `experiments/${name}/turbo.json: results/ is never an input`,
    );
  }
});

/**
 * A throw-away git repository with this working tree's root config, packages and one experiment, sharing
 * the installed node_modules, so turbo hashes, runs and restores there and never touches this repo's
 * results/ or cache.
 */
function repoCopy(parent: string, experiment: string): string {
  const copy = join(parent, 'repo');
  mkdirSync(join(copy, 'experiments'), { recursive: true });
  for (const file of [
    'package.json',
    'pnpm-workspace.yaml',
    'pnpm-lock.yaml',
    'turbo.json',
    'tsconfig.base.json',
    'tsconfig.json',
    '.gitignore',
  ]) {
    cpSync(join(REPO_ROOT, file), join(copy, file));
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(copy, 'node_modules'));
  // Workspace links inside node_modules are relative, so they resolve to the copy's packages.
  const skip = (src: string): boolean => !/[\\/](\.turbo|dist|\.cache)$/.test(src);
  cpSync(join(REPO_ROOT, 'packages'), join(copy, 'packages'), { recursive: true, verbatimSymlinks: true, filter: skip });
  cpSync(join(REPO_ROOT, 'experiments', experiment), join(copy, 'experiments', experiment), {
    recursive: true,
    verbatimSymlinks: true,
    filter: skip,
  });
  git(copy, 'init', '-q');
  commitAll(copy, 'copy');
  return copy;
}

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], {
    cwd,
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, `git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

function commitAll(cwd: string, message: string): void {
  git(cwd, 'add', '-A');
  git(cwd, 'commit', '-q', '-m', message);
}

/** Turbo runs the task through the package manager; make `pnpm` callable the way this process was started. */
function pnpmOnPath(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const execPath = process.env.npm_execpath ?? '';
  const onPath = spawnSync('pnpm', ['--version'], { encoding: 'utf8' }).status === 0;
  let command: string | null = null;
  if (/pnpm/.test(basename(execPath))) command = `exec "${process.execPath}" "${execPath}" "$@"`;
  else if (!onPath)
    command = `exec npx --yes ${(readJson(join(REPO_ROOT, 'package.json')) as { packageManager: string }).packageManager} "$@"`;
  if (command) {
    writeFileSync(join(bin, 'pnpm'), `#!/bin/sh\n${command}\n`);
    chmodSync(join(bin, 'pnpm'), 0o755);
  }
  return `${bin}:${process.env.PATH}`;
}

interface TurboRun {
  status: 'hit' | 'miss';
  hash: string;
  output: string;
}

function turboRun(repo: string, env: NodeJS.ProcessEnv): TurboRun {
  const turbo = join(REPO_ROOT, 'node_modules', '.bin', 'turbo');
  const result = spawnSync(turbo, ['run', 'experiment', '--filter=text-tfidf', '--output-logs=full', '--', '--no-leaderboard'], {
    cwd: repo,
    env,
    encoding: 'utf8',
  });
  const output = `${result.stdout}\n${result.stderr}`;
  assert.equal(result.status, 0, output);
  const match = /text-tfidf:experiment: cache (hit|miss)[^\n]*?([0-9a-f]{16})/.exec(output);
  assert.ok(match, output);
  return { status: match[1] as 'hit' | 'miss', hash: match[2], output };
}

test('turbo run experiment twice: the second run is a cache hit that restores the row and its predictions, also once the row is committed', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'prodmatch-turbo-'));
  try {
    const data = miniTextDataset(scratch, 'turbo-mini');
    const repo = repoCopy(scratch, 'text-tfidf');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: pnpmOnPath(scratch),
      PRODMATCH_DATA: data,
      TURBO_TELEMETRY_DISABLED: '1',
      DO_NOT_TRACK: '1',
      TURBO_NO_UPDATE_NOTIFIER: '1',
    };
    for (const name of ['PRODMATCH_SEED', 'PRODMATCH_PROTOCOL', 'PRODMATCH_BACKEND', 'TURBO_FORCE', 'TURBO_CACHE']) delete env[name];
    const row = join(repo, 'results', 'turbo-mini', 'text-tfidf.json');
    const predictions = join(repo, 'results', 'turbo-mini', 'text-tfidf.predictions.jsonl.gz');

    const first = turboRun(repo, env);
    assert.equal(first.status, 'miss', first.output);
    const rowBytes = readFileSync(row);
    const predictionBytes = readFileSync(predictions);
    rmSync(row);
    rmSync(predictions);
    const second = turboRun(repo, env);
    assert.equal(second.status, 'hit', `second run missed: ${first.hash} then ${second.hash}\n${second.output}`);
    assert.deepEqual(readFileSync(row), rowBytes, 'the hit restores the row');
    assert.deepEqual(readFileSync(predictions), predictionBytes, 'the hit restores the predictions file');

    // Rows are committed. Committing one changes the task's hash once (turbo hashes committed outputs);
    // after that re-run, which finds the same result and leaves the row as it is, the next is a hit.
    commitAll(repo, 'rows');
    const third = turboRun(repo, env);
    assert.deepEqual(readFileSync(row), rowBytes, 'a re-run with the same result leaves the committed row unchanged');
    const fourth = turboRun(repo, env);
    assert.equal(
      fourth.status,
      'hit',
      `committed row: ${third.status} ${third.hash}, then ${fourth.status} ${fourth.hash}\n${fourth.output}`,
    );
    assert.deepEqual(readFileSync(row), rowBytes);
    assert.equal(git(repo, 'status', '--porcelain', '--', 'results'), '', 'the committed row is unchanged');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
