import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initTf } from '@prodmatch/tf';
import { smallCnn } from './backbones.ts';
import { seedKernels } from './init.ts';

test('seedKernels: same seed, same weights; other seed, other weights; Glorot range; kept layers untouched', async () => {
  await initTf({ backend: 'cpu' });
  const weightsOf = (seed: number, keep?: Set<string>) => {
    const model = smallCnn({ inputSize: 16, filters: [4, 8] });
    const before = model.getWeights().map((w) => w.dataSync().slice());
    seedKernels(model, seed, keep);
    return { before, after: model.getWeights().map((w) => ({ values: w.dataSync().slice(), shape: w.shape })) };
  };
  const a = weightsOf(1).after;
  const b = weightsOf(1).after;
  const c = weightsOf(2).after;
  assert.deepEqual(
    a.map((w) => [...w.values]),
    b.map((w) => [...w.values]),
  );
  const kernels = a.filter((w, i) => w.values.some((v, j) => v !== c[i].values[j]));
  assert.ok(kernels.length >= 2, 'kernels differ between seeds');
  for (const w of a.filter((x) => x.shape.length === 4)) {
    const [kh, kw, cin, cout] = w.shape;
    const limit = Math.sqrt(6 / ((cin + cout) * kh * kw));
    assert.ok(
      w.values.every((v) => Math.abs(v) <= limit),
      'inside the Glorot limit',
    );
  }
  const model = smallCnn({ inputSize: 16, filters: [4, 8] });
  const first = model.layers.find((l) => l.weights.length > 0)!;
  const kept = first.getWeights()[0].dataSync().slice();
  seedKernels(model, 1, new Set([first.name]));
  assert.deepEqual([...first.getWeights()[0].dataSync()], [...kept]);
});
