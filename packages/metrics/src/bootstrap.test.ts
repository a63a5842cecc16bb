import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '@prodmatch/data/random';
import { groupBootstrap, pairedGroupBootstrap, quantile } from './bootstrap.ts';

// Groups A (3 rows), B (1), C (2), D (2), given out of order: the bootstrap must not depend on row order.
const groups = ['C', 'A', 'B', 'A', 'D', 'C', 'A', 'D'];
const f1 = [0.5, 1, 0.4, 0.8, 1, 0.7, 0.9, 0.2];

/** The bootstrap written out plainly: draw groups (sorted by name) with the same stream, expand to rows, mean. */
function direct(values: number[], labels: string[], seed: number, resamples: number): number[] {
  const names = [...new Set(labels)].sort();
  const random = seededRandom(seed);
  const means: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const rows: number[] = [];
    for (let k = 0; k < names.length; k++) {
      const name = names[Math.floor(random() * names.length)];
      labels.forEach((label, i) => label === name && rows.push(values[i]));
    }
    means.push(rows.reduce((s, v) => s + v, 0) / rows.length);
  }
  return means.sort((x, y) => x - y);
}

test('the group bootstrap equals a direct computation (same draws, rows expanded per drawn group)', () => {
  const got = groupBootstrap(f1, groups, { seed: 7, resamples: 500 });
  const means = direct(f1, groups, 7, 500);
  assert.ok(Math.abs(got.estimate - f1.reduce((s, v) => s + v, 0) / f1.length) < 1e-12);
  assert.ok(Math.abs(got.low - quantile(means, 0.025)) < 1e-12, `${got.low} vs ${quantile(means, 0.025)}`);
  assert.ok(Math.abs(got.high - quantile(means, 0.975)) < 1e-12);
  assert.deepEqual(
    { level: got.level, resamples: got.resamples, unit: got.unit, seed: got.seed },
    { level: 0.95, resamples: 500, unit: 'label group', seed: 7 },
  );
  assert.ok(got.low <= got.estimate && got.estimate <= got.high);
});

test('two one-row groups (F1 1 and 0): resampled means are 0, 0.5 or 1, so the 95% interval is [0, 1]', () => {
  const got = groupBootstrap([1, 0], ['x', 'y'], { seed: 1 });
  assert.deepEqual([got.estimate, got.low, got.high], [0.5, 0, 1]);
});

test('deterministic by seed, independent of row order; another seed draws other groups', () => {
  const a = groupBootstrap(f1, groups, { seed: 42 });
  assert.deepEqual(groupBootstrap(f1, groups, { seed: 42 }), a);
  const order = [7, 3, 5, 0, 1, 6, 2, 4];
  const shuffled = groupBootstrap(
    order.map((i) => f1[i]),
    order.map((i) => groups[i]),
    { seed: 42 },
  );
  assert.deepEqual([shuffled.low, shuffled.high], [a.low, a.high]);
  assert.notDeepEqual(groupBootstrap(f1, groups, { seed: 43 }), a);
});

test('the paired bootstrap equals a direct computation on the per-row differences', () => {
  const other = [0.4, 1, 0.5, 0.6, 0.9, 0.7, 1, 0.1];
  const got = pairedGroupBootstrap(f1, other, groups, { seed: 3, resamples: 400 });
  const differences = f1.map((v, i) => v - other[i]);
  const means = direct(differences, groups, 3, 400);
  assert.ok(Math.abs(got.difference - differences.reduce((s, v) => s + v, 0) / differences.length) < 1e-12);
  assert.ok(Math.abs(got.low - quantile(means, 0.025)) < 1e-12);
  assert.ok(Math.abs(got.high - quantile(means, 0.975)) < 1e-12);
  const above = means.filter((m) => m > 1e-12).length + 0.5 * means.filter((m) => Math.abs(m) <= 1e-12).length;
  assert.ok(Math.abs(got.pGreater - above / means.length) < 1e-9, `${got.pGreater} vs ${above / means.length}`);
});

test('identical predictions give exactly 0 [0, 0], with P(A > B) one half', () => {
  const got = pairedGroupBootstrap(f1, [...f1], groups, { seed: 42 });
  assert.deepEqual([got.difference, got.low, got.high, got.pGreater], [0, 0, 0, 0.5]);
});

test('bad input is refused', () => {
  assert.throws(() => groupBootstrap([1], ['a', 'b'], { seed: 1 }), /1 values for 2 group labels/);
  assert.throws(() => groupBootstrap([], [], { seed: 1 }), /no rows/);
  assert.throws(() => groupBootstrap([NaN], ['a'], { seed: 1 }), /value 0 is NaN/);
  assert.throws(() => groupBootstrap([1], ['a'], { seed: 1, level: 1 }), /level must be within/);
  assert.throws(() => pairedGroupBootstrap([1], [1, 2], ['a'], { seed: 1 }), /1 rows against 2/);
});
