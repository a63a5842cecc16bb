import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
      /^Error: \S+step-000000001\.bin: could not write the encoder's table \([^\n]+\)$/,
    );
    assert.deepEqual(readdirSync(parent), ['taken']);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});
