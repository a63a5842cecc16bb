import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initTf, type Tf } from '@prodmatch/tf';
import { DEFAULT_TITLE_ENCODER, trainTitleEncoder, type TitleEncoderConfig } from './encoder.ts';
import { checkTitleEncoderPeak, estimateTitleEncoderPeak, memoryLimits, WASM_HEAP_LIMIT } from './memory.ts';

let tf: Tf;
before(async () => {
  ({ tf } = await initTf({ backend: 'wasm' }));
});

const D = DEFAULT_TITLE_ENCODER;
/** The real submission's run: all 27,402 train titles of the real data (8,858 groups, 156,576 table rows). */
const REAL = { rows: 156_576, titles: 27_402, classes: 8_858, entries: 3_288_263 };

test('the estimate: the table and its optimizer state exactly, the parts adding up', () => {
  const adam = estimateTitleEncoderPeak(D, REAL.rows, REAL);
  assert.equal(adam.table, REAL.rows * 512 * 4);
  assert.equal(adam.optimizer, 2 * REAL.rows * 512 * 4);
  const rowwise = estimateTitleEncoderPeak({ ...D, tableOptimizer: 'rowwise-adam' }, REAL.rows, REAL);
  assert.equal(rowwise.optimizer, REAL.rows * (512 + 1) * 4);
  for (const e of [adam, rowwise]) {
    assert.equal(e.process, e.table + e.optimizer + e.inputs + e.step + e.runtime);
    assert.equal(e.peak, e.process + e.backend);
    assert.ok(e.backend > e.head + e.batch);
  }
  // The head grows with groups x dim, the batch with batch x groups: doubling each doubles its part.
  const wide = estimateTitleEncoderPeak({ ...D, dim: 1024 }, REAL.rows, REAL);
  assert.equal(wide.head, 2 * adam.head);
  assert.equal(estimateTitleEncoderPeak(D, REAL.rows, { ...REAL, classes: 2 * REAL.classes }).head, 2 * adam.head);
  // The real submission fits well inside the wasm heap, and under 2 GiB in all.
  assert.ok(adam.backend < 2 ** 30 && adam.peak < 2 * 2 ** 30, `backend ${adam.backend}, peak ${adam.peak}`);
});

test('memory limits: 4 GiB for wasm tensors, the machine for the rest and for native backends', () => {
  const wasm = memoryLimits('wasm');
  assert.equal(wasm.backend, Math.min(WASM_HEAP_LIMIT, wasm.machine));
  assert.ok(wasm.machine > 2 ** 28);
  assert.equal(memoryLimits('tensorflow').backend, wasm.machine);
});

/** Titles and labels of `groups` groups of two titles, made of one short word each (hashing them is quick). */
function catalogue(groups: number): { titles: string[]; labels: string[] } {
  const titles = Array.from({ length: 2 * groups }, (_, i) => `p${Math.floor(i / 2)}`);
  return { titles, labels: titles };
}

const SMALL_TABLE: TitleEncoderConfig = { ...D, features: { ...D.features, bits: 12, charNgrams: null } };

test('a run sized to pass the wasm heap is refused before anything is allocated, in one line naming the setting', async () => {
  // 20,000 groups at 8192-d: the ArcFace head alone (weights, Adam moments, normalised copy, gradients) passes 4 GiB.
  const { titles, labels } = catalogue(20_000);
  const rssBefore = process.memoryUsage.rss();
  const tensorsBefore = tf.memory().numTensors;
  const started = Date.now();
  const error = await trainTitleEncoder(tf, titles, labels, { ...SMALL_TABLE, dim: 8192 }, { seed: 1 }).then(
    () => assert.fail('trained'),
    (e: Error) => e,
  );
  assert.match(
    error.message,
    /^title encoder: training would need about \d+\.\d+ GiB on the wasm heap, past its 4 GiB limit \(head \d+\.\d+ GiB, batch \d+\.\d+ GiB\); lower --dim \(now 8192; the head is 20000 groups x 8192\)$/,
  );
  assert.ok(!error.message.includes('\n'));
  // No training and no table: the table alone would be 4096 rows x 8192 x 12 bytes = 384 MiB.
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  assert.ok(process.memoryUsage.rss() - rssBefore < 256 * 2 ** 20, 'memory was allocated before the check');
  assert.equal(tf.memory().numTensors, tensorsBefore, 'tensors were made before the check');
  // Logits of 8192 titles at once over the 20,000 groups are what passes at 64-d: the head chunk is named.
  await assert.rejects(
    trainTitleEncoder(tf, titles, labels, { ...SMALL_TABLE, dim: 64, batchSize: 8192, headChunk: 8192 }, { seed: 1 }),
    /on the wasm heap, past its 4 GiB limit .*; lower headChunk \(now 8192; a chunk's logits are 8192 x 20000 groups\) or --batch-size \(now 8192\)$/,
  );
});

test("a table past the machine's memory is refused naming --dim and --min-df", () => {
  const e = estimateTitleEncoderPeak(D, REAL.rows, REAL);
  const limits = { backendName: 'wasm', backend: WASM_HEAP_LIMIT, machine: 2 ** 30 };
  assert.throws(
    () => checkTitleEncoderPeak(e, D, REAL.rows, REAL.classes, limits),
    /^Error: title encoder: training would peak at about 1\.\d\d GiB, past this machine's 1\.00 GiB \(table 156576 rows x 512: 0\.30 GiB \+ 0\.60 GiB of adam state\); lower --dim \(now 512\), raise --min-df \(now 1\) or train the table with tableOptimizer 'rowwise-adam'$/,
  );
  assert.doesNotThrow(() => checkTitleEncoderPeak(e, D, REAL.rows, REAL.classes, memoryLimits('wasm')));
});
