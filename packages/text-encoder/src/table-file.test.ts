import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs, { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { EmbeddingTable } from './bag.ts';
import { loadTable, saveTable, tableFile } from './table-file.ts';

function trained(optimizer: 'adam' | 'rowwise-adam', steps: number): EmbeddingTable {
  const table = new EmbeddingTable(5, 3, 0.5, 11, optimizer);
  for (let s = 0; s < steps; s++)
    table.update(
      Int32Array.from([1, 3]),
      Float32Array.from({ length: 6 }, (_, i) => Math.sin(i + s)),
      0.1,
    );
  return table;
}

test('the table file: made in a folder that does not exist yet, read back exactly, the newest two kept', () => {
  const parent = mkdtempSync(join(tmpdir(), 'text-encoder-table-'));
  const dir = join(parent, 'not', 'yet');
  try {
    for (const optimizer of ['adam', 'rowwise-adam'] as const) {
      const table = trained(optimizer, 3);
      saveTable(dir, optimizer, table);
      const back = new EmbeddingTable(5, 3, 0.5, 99, optimizer);
      loadTable(dir, optimizer, 3, back);
      assert.deepEqual([back.values, back.moment1, back.moment2], [table.values, table.moment1, table.moment2]);
    }
    for (const steps of [4, 5, 6]) saveTable(dir, 'adam', trained('adam', steps));
    const kept = (key: string) =>
      readdirSync(dir)
        .filter((f) => f.startsWith(basename(tableFile(dir, key, 0)).replace(/0+\.bin$/, '')))
        .sort();
    assert.deepEqual(
      kept('adam'),
      [tableFile(dir, 'adam', 5), tableFile(dir, 'adam', 6)].map((p) => p.slice(dir.length + 1)),
    );
    assert.equal(kept('rowwise-adam').length, 1, "another key's files are left alone");
    // A table of another shape, or a truncated file, is refused in one line.
    assert.throws(
      () => loadTable(dir, 'adam', 6, new EmbeddingTable(4, 3, 0.5, 1)),
      /^Error: \S+ holds 180 bytes, this encoder's table 144; delete the checkpoint folder or drop --resume$/,
    );
    writeFileSync(tableFile(dir, 'adam', 6), readFileSync(tableFile(dir, 'adam', 6)).subarray(0, 100));
    assert.throws(() => loadTable(dir, 'adam', 6, new EmbeddingTable(5, 3, 0.5, 1)), /holds 100 bytes, this encoder's table 180/);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

test('a table that cannot be written fails in one line and leaves no temp file', () => {
  const parent = mkdtempSync(join(tmpdir(), 'text-encoder-table-'));
  try {
    // The folder's place is taken by a file: the folder cannot be made.
    writeFileSync(join(parent, 'taken'), 'x');
    assert.throws(
      () => saveTable(join(parent, 'taken'), 'k', trained('adam', 1)),
      /^WriteFileError: could not write \S+step-000000001\.bin: a file stands where its folder should be \(EEXIST\); check that \S+\/taken is a folder, then try again \(the previous file is unchanged\)$/,
    );
    assert.deepEqual(readdirSync(parent), ['taken']);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

/**
 * Makes fs's `name` fail with `code` from its `after`-th call on (node's ESM named exports, which
 * table-file.ts imports, follow the CommonJS object once syncBuiltinESMExports runs), as a full disk
 * (the table is 0.9 GiB for the real data) or a failing device would.
 */
function failing(t: TestContext, name: 'writeSync' | 'renameSync', code: string, after = 0): void {
  let calls = 0;
  const real = fs[name] as (...args: unknown[]) => unknown;
  t.mock.method(fs, name, (...args: unknown[]) => {
    if (calls++ < after) return real(...args);
    throw Object.assign(new Error(`${code}: failed, ${name.replace('Sync', '')}`), { code, syscall: name.replace('Sync', '') });
  });
  syncBuiltinESMExports();
}

test('a table file whose write fails part-way (or whose rename fails) leaves the files on disk byte for byte, no temp file, and a one-line error', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'text-encoder-table-'));
  t.after(() => {
    t.mock.restoreAll();
    syncBuiltinESMExports();
    rmSync(dir, { recursive: true, force: true });
  });
  for (const steps of [4, 5]) saveTable(dir, 'adam', trained('adam', steps));
  const files = () => readdirSync(dir).sort();
  const before = new Map(files().map((f) => [f, readFileSync(join(dir, f))]));
  const cases = [
    // The next step's table: the values reach the disk, the first moment does not.
    { steps: 6, name: 'writeSync', code: 'ENOSPC', after: 1, says: /no space left on the device \(ENOSPC\); free some disk space/ },
    // The same step again (a resumed run re-saving it): the file there must survive the failed rename.
    { steps: 5, name: 'renameSync', code: 'EIO', after: 0, says: /input\/output error \(EIO\); check the disk/ },
  ] as const;
  for (const { steps, name, code, after, says } of cases) {
    failing(t, name, code, after);
    const path = tableFile(dir, 'adam', steps);
    assert.throws(
      () => saveTable(dir, 'adam', trained('adam', steps)),
      (error: Error) =>
        error.name === 'WriteFileError' &&
        !error.message.includes('\n') &&
        error.message.startsWith(`could not write ${path}: `) &&
        says.test(error.message) &&
        error.message.endsWith('then try again (the previous file is unchanged)'),
    );
    t.mock.restoreAll();
    syncBuiltinESMExports();
    assert.deepEqual(files(), [...before.keys()], `${code}: no temp file, no new table file, none pruned`);
    for (const [f, bytes] of before) assert.ok(bytes.equals(readFileSync(join(dir, f))), `${code}: ${f} holds its previous bytes`);
  }
  // The disk works again: the next save goes through, and keeps the newest two.
  saveTable(dir, 'adam', trained('adam', 6));
  assert.deepEqual(
    files(),
    [tableFile(dir, 'adam', 5), tableFile(dir, 'adam', 6)].map((p) => basename(p)),
  );
});
