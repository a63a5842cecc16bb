import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from './atomic.ts';
import { expectFailedWrite } from './faults.ts';
import { makeRow, REAL } from './test-rows.ts';
import { writeResultRow } from './write-row.ts';

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
  const results = fileURLToPath(new URL('./index.ts', import.meta.url));
  const script = `
    import { writeFileSync } from 'node:fs';
    import { installInterruptCleanup, removeIfInterrupted, withDirectoryLock } from ${JSON.stringify(results)};
    installInterruptCleanup();
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

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  test(`${signal} removes the temp file being written and the lock being held, then exits ${code}`, async () => {
    const child = await interruptedChild(signal);
    assert.equal(child.code, code, child.stderr);
    assert.ok(!existsSync(child.temp), 'temp file left behind');
    assert.ok(!existsSync(child.lock), 'lock left behind');
    assert.ok(statSync(join(child.lock, '..')).isDirectory());
  });
}

test('importing the package installs no signal handler: only an entry point that calls installInterruptCleanup gets one', () => {
  const results = fileURLToPath(new URL('./index.ts', import.meta.url));
  const script = `
    const before = process.listenerCount('SIGINT') + process.listenerCount('SIGTERM');
    const { installInterruptCleanup } = await import(${JSON.stringify(results)});
    const imported = process.listenerCount('SIGINT') + process.listenerCount('SIGTERM');
    installInterruptCleanup();
    installInterruptCleanup();
    process.stdout.write(JSON.stringify([imported - before, process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]));`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout), [0, 1, 1]);
});

for (const [code, at] of [
  ['ENOSPC', 'write'],
  ['EIO', 'write'],
  ['EIO', 'rename'],
] as const) {
  test(`a result row whose ${at} fails (${code}) leaves the previous row byte for byte, no temp file, and a one-line error`, async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'prodmatch-row-')), 'shopee', 'text-tfidf.json');
    await writeResultRow(path, makeRow('text-tfidf', REAL, 0.7));
    const error = await expectFailedWrite(path, () => writeResultRow(path, makeRow('text-tfidf', REAL, 0.72)), { code, at });
    assert.equal(error.code, code);
    // Nothing written before: the row is still absent afterwards.
    const fresh = join(mkdtempSync(join(tmpdir(), 'prodmatch-row-')), 'shopee', 'phash.json');
    await expectFailedWrite(fresh, () => writeResultRow(fresh, makeRow('phash', REAL, 0.6)), { code, at });
  });
}

test('48 concurrent writes of one file each go through their own temp file: all succeed, one whole version wins, no temp file is left', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodmatch-race-'));
  const path = join(dir, 'cache', 'thumb.jpg');
  const versions = Array.from({ length: 48 }, (_, i) => Buffer.alloc(64 * 1024, i));
  await Promise.all(versions.map((bytes) => writeFileAtomic(path, bytes)));
  const written = readFileSync(path);
  assert.ok(versions.some((bytes) => bytes.equals(written)));
  assert.deepEqual(readdirSync(join(dir, 'cache')), ['thumb.jpg']);
});
