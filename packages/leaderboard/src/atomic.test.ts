import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeResultRow } from './atomic.ts';
import { makeRow, REAL } from './test-rows.ts';

test('writeResultRow keeps a row whose outcome is unchanged, so its bytes (and a turbo hash over them) stay the same', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'prodmatch-row-')), 'shopee', 'text-tfidf.json');
  const first = makeRow('text-tfidf', REAL, 0.7);
  assert.equal(await writeResultRow(path, first), true);
  const bytes = readFileSync(path, 'utf8');
  assert.deepEqual(JSON.parse(bytes), first);
  const rerun = makeRow('text-tfidf', REAL, 0.7, {
    timings: { prepare: 9, train: 9, embed: 9, search: 9, total: 36 },
    finishedAt: '2026-12-01T00:00:00.000Z',
    gitCommit: 'abcdef0-dirty',
    command: 'pnpm --filter text-tfidf run experiment -- --data /elsewhere/shopee',
  });
  assert.equal(await writeResultRow(path, rerun), false);
  assert.equal(readFileSync(path, 'utf8'), bytes);
  const changed = makeRow('text-tfidf', REAL, 0.71);
  assert.equal(await writeResultRow(path, changed), true);
  assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), changed);
  const otherParams = makeRow('text-tfidf', REAL, 0.71, { params: { k: 20 } });
  assert.equal(await writeResultRow(path, otherParams), true);
  writeFileSync(path, '{"experiment": "text-tf');
  assert.equal(await writeResultRow(path, otherParams), true, 'a damaged row is replaced');
  assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), otherParams);
});

/** A child that is half-way through an atomic write and holds the leaderboard lock when the signal comes. */
function interruptedChild(signal: 'SIGINT' | 'SIGTERM'): Promise<{ code: number | null; temp: string; lock: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-signal-'));
  const temp = join(dir, 'row.json.123.abcd.tmp');
  const lock = join(dir, '.leaderboard.lock');
  const atomic = fileURLToPath(new URL('./atomic.ts', import.meta.url));
  const script = `
    import { writeFileSync } from 'node:fs';
    import { removeIfInterrupted, withDirectoryLock } from ${JSON.stringify(atomic)};
    writeFileSync(${JSON.stringify(temp)}, '{"partial": ');
    removeIfInterrupted(${JSON.stringify(temp)});
    setInterval(() => {}, 1000);
    await withDirectoryLock(${JSON.stringify(lock)}, () => new Promise(() => process.stdout.write('holding\\n')));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.on('data', (chunk) => {
      if (String(chunk).includes('holding')) child.kill(signal);
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, temp, lock, stderr }));
  });
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test(`${signal} removes the temp file being written and the lock being held, then exits ${code}`, async () => {
    const child = await interruptedChild(signal);
    assert.equal(child.code, code, child.stderr);
    assert.ok(!existsSync(child.temp), 'temp file left behind');
    assert.ok(!existsSync(child.lock), 'lock left behind');
    assert.ok(statSync(join(child.lock, '..')).isDirectory());
  });
}
