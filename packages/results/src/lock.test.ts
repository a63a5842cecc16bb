import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { withDirectoryLock } from './lock.ts';

const tempDirs: string[] = [];
async function tempResults(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'prodmatch-lock-'));
  tempDirs.push(dir);
  return dir;
}
after(async () => {
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

describe('withDirectoryLock', () => {
  test('serialises tasks in one process', async () => {
    const lock = join(await tempResults(), '.lock');
    const log: string[] = [];
    const task = (name: string) =>
      withDirectoryLock(lock, async () => {
        log.push(`${name}+`);
        await new Promise((r) => setTimeout(r, 20));
        log.push(`${name}-`);
      });
    await Promise.all([task('a'), task('b'), task('c')]);
    for (let i = 0; i < log.length; i += 2) assert.equal(log[i].slice(0, -1), log[i + 1].slice(0, -1), log.join(' '));
  });

  test('takes over a lock whose owner process has exited', async () => {
    const lock = join(await tempResults(), '.lock');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    await mkdir(lock);
    await writeFile(join(lock, 'owner.json'), JSON.stringify({ token: 'x', pid: Number(dead), host: hostname(), since: '' }));
    assert.equal(await withDirectoryLock(lock, async () => 'ran', { timeoutMs: 2000 }), 'ran');
  });

  test('waits for a live holder, then gives up with a message naming it', async () => {
    const lock = join(await tempResults(), '.lock');
    await mkdir(lock);
    await writeFile(join(lock, 'owner.json'), JSON.stringify({ token: 'x', pid: process.pid, host: hostname(), since: 'now' }));
    await assert.rejects(
      withDirectoryLock(lock, async () => 'ran', { timeoutMs: 200 }),
      new RegExp(`held by pid ${process.pid}.*remove the directory`),
    );
  });
});
