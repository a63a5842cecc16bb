import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '@prodmatch/data';
import { gbdtModel } from './gbdt.ts';
import { permutationImportance } from './importance.ts';
import { logisticModel } from './logistic.ts';
import { mlpModel } from './mlp.ts';
import { sampleFitSet, type PairModel } from './model.ts';
import type { PairTable } from './table.ts';

/** A table of n rows: x0 informative (linear), x1 and x2 informative only together (xor), x3 noise. */
function synthetic(n: number, seed: number, rule: 'linear' | 'xor'): { table: PairTable; labels: Uint8Array } {
  const random = seededRandom(seed);
  const columns = Array.from({ length: 4 }, () => new Float32Array(n));
  const labels = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    for (const c of columns) c[p] = random() * 2 - 1;
    const z = rule === 'linear' ? 4 * columns[0][p] - 1 : columns[1][p] > 0 !== columns[2][p] > 0 ? 3 : -3;
    labels[p] = random() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  const features = ['x0', 'x1', 'x2', 'x3'].map((name) => ({
    name,
    family: 'similarity' as const,
    channel: null,
    doc: `synthetic feature ${name}`,
  }));
  return { table: { pairs: n, features, columns }, labels };
}

const accuracy = (p: Float32Array, y: Uint8Array): number => p.reduce((s, v, i) => s + ((v >= 0.5 ? 1 : 0) === y[i] ? 1 : 0), 0) / y.length;

test('logistic regression: Newton and L-BFGS reach the same optimum, which recovers the linear rule', async () => {
  const { table, labels } = synthetic(4000, 1, 'linear');
  const newton = logisticModel({ log1p: false, l2: 1e-3 });
  const quasi = logisticModel({ log1p: false, l2: 1e-3, solver: 'lbfgs' });
  await newton.fit(table, labels);
  await quasi.fit(table, labels);
  const a = await newton.predict(table);
  const b = await quasi.predict(table);
  for (let p = 0; p < a.length; p++) assert.ok(Math.abs(a[p] - b[p]) < 1e-3, `pair ${p}: ${a[p]} vs ${b[p]}`);
  const w = newton.internals()?.weights as Float64Array;
  // x0 scaled to unit variance: its true coefficient is 4 * sd(U(-1, 1)) = 4 / sqrt(3).
  assert.ok(Math.abs(w[0] - 4 / Math.sqrt(3)) < 0.4, `w0 = ${w[0]}`);
  assert.ok(Math.abs(w[3]) < 0.2, `noise weight ${w[3]}`);
  assert.equal(newton.parameterCount(), 5);
  assert.ok((newton.describe() as { converged: boolean }).converged);
});

test('boosted trees learn an interaction a linear model cannot; permutation importance names its features', async () => {
  const train = synthetic(6000, 2, 'xor');
  const test = synthetic(3000, 3, 'xor');
  const trees = gbdtModel({ trees: 40, maxLeaves: 8 });
  const linear = logisticModel();
  await trees.fit(train.table, train.labels);
  await linear.fit(train.table, train.labels);
  const treeAccuracy = accuracy(await trees.predict(test.table), test.labels);
  const linearAccuracy = accuracy(await linear.predict(test.table), test.labels);
  assert.ok(treeAccuracy > 0.9, `trees ${treeAccuracy}`);
  assert.ok(linearAccuracy < 0.65, `linear ${linearAccuracy}`);
  const groups = new Map([
    ['x1+x2', [1, 2]],
    ['x0', [0]],
    ['x3', [3]],
  ]);
  const importance = await permutationImportance(trees, test.table, groups, (p) => accuracy(p, test.labels));
  assert.equal(importance.groups[0].group, 'x1+x2');
  assert.ok(importance.groups[0].drop > 0.3);
  assert.ok(Math.abs(importance.groups[2].drop) < 0.02);
  assert.ok(trees.parameterCount() > 0);
});

test('sampled negatives are weighted back: the fitted base rate matches the full data', async () => {
  const { table, labels } = synthetic(20000, 4, 'linear');
  const set = sampleFitSet(labels, { negativeRate: 0.25, seed: 1 });
  const positives = labels.reduce((s, y) => s + y, 0);
  assert.equal(set.rows.filter((p) => labels[p] === 1).length, positives, 'every positive is kept');
  const full = logisticModel({ log1p: false });
  const sampled = logisticModel({ log1p: false });
  await full.fit(table, labels);
  await sampled.fit(table, labels, set);
  const mean = async (m: PairModel): Promise<number> => (await m.predict(table)).reduce((s, v) => s + v, 0) / labels.length;
  assert.ok(Math.abs((await mean(full)) - (await mean(sampled))) < 0.02);
});

test('the MLP (tfjs, loaded lazily) fits the interaction', async () => {
  const train = synthetic(4000, 5, 'xor');
  const test = synthetic(2000, 6, 'xor');
  const mlp = mlpModel({ hidden: [16], epochs: 30, batchSize: 256, learningRate: 0.01, log1p: false });
  await mlp.fit(train.table, train.labels);
  const acc = accuracy(await mlp.predict(test.table), test.labels);
  assert.ok(acc > 0.85, `mlp accuracy ${acc}`);
  assert.equal(mlp.parameterCount(), 4 * 16 + 16 + 16 + 1);
});
