import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tfl from '@tensorflow/tfjs-layers';
import { initTf } from '@prodmatch/tf';
import { estimateTrainingMemory, memoryEstimateLine } from './memory.ts';

await initTf({ backend: 'cpu' });

test('the memory estimate counts every layer output per example, times the batch, and names the flags', () => {
  const input = tfl.input({ shape: [8, 8, 3] });
  const conv = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input) as tfl.SymbolicTensor;
  const pooled = tfl.layers.globalAveragePooling2d({}).apply(conv) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: pooled });
  // Input 8*8*3 + conv 8*8*4 + pool 4 values per example, float32, batch 2.
  const estimate = estimateTrainingMemory(model, 2);
  assert.equal(estimate.activationBytes, (192 + 256 + 4) * 2 * 4);
  assert.equal(estimate.parameterBytes, (3 * 3 * 3 * 4 + 4) * 3 * 4);
  const line = memoryEstimateLine(model, { backbone: 'small', imageSize: 8, batchSize: 2, accumulate: 16 });
  assert.match(line, /^memory estimate: activations 0\.00 GiB for small at 8 px, batch 2 \(effective batch 32 with --accumulate 16\)/);
  assert.match(line, /--batch-size.*--accumulate.*--img-size/);
  assert.ok(!line.includes('\n'));
  model.dispose();
});
