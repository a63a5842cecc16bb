import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initTf, probeBackend, probeBackends, nativeBindingFiles } from './backend.ts';

test('probes report every backend with a reason when unavailable', () => {
  const probes = probeBackends();
  assert.deepEqual(probes.map((p) => p.name), ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
  for (const p of probes) if (!p.available) assert.ok(p.reason && p.reason.length > 0, `${p.name} has a reason`);
  assert.equal(probeBackend('wasm').available, true);
  assert.equal(probeBackend('cpu').available, true);
});

test('tfjs-node without its native binding is reported unavailable, not imported', () => {
  const probe = probeBackend('tensorflow');
  if (nativeBindingFiles('@tensorflow/tfjs-node').length === 0) {
    assert.equal(probe.available, false);
    assert.match(probe.reason ?? '', /binding|not installed/);
  }
});

test('default selection picks the best available backend and reports its version', async () => {
  const saved = process.env.PRODMATCH_BACKEND;
  delete process.env.PRODMATCH_BACKEND;
  try {
    const expected = probeBackends().find((p) => p.available)!;
    const { tf, backend } = await initTf();
    assert.equal(backend.name, expected.name);
    assert.match(backend.version, /^\d+\.\d+\.\d+/);
    assert.equal(tf.getBackend(), backend.name.startsWith('tensorflow') ? 'tensorflow' : backend.name);
  } finally {
    if (saved !== undefined) process.env.PRODMATCH_BACKEND = saved;
  }
});

test('forcing a backend: option, PRODMATCH_BACKEND, and clear errors', async () => {
  const saved = process.env.PRODMATCH_BACKEND;
  try {
    delete process.env.PRODMATCH_BACKEND;
    assert.equal((await initTf({ backend: 'cpu' })).backend.name, 'cpu');
    process.env.PRODMATCH_BACKEND = 'wasm';
    const rt = await initTf();
    assert.equal(rt.backend.name, 'wasm');
    assert.equal(rt.tf.getBackend(), 'wasm');
    process.env.PRODMATCH_BACKEND = 'nope';
    await assert.rejects(initTf(), /PRODMATCH_BACKEND='nope' is not a backend/);
    delete process.env.PRODMATCH_BACKEND;
    if (!probeBackend('tensorflow').available) {
      await assert.rejects(initTf({ backend: 'tensorflow' }), /backend 'tensorflow' was requested but is not available/);
    }
    if (!probeBackend('tensorflow-gpu').available) {
      await assert.rejects(initTf({ backend: 'tensorflow-gpu' }), /backend 'tensorflow-gpu' was requested but is not available/);
    }
  } finally {
    if (saved === undefined) delete process.env.PRODMATCH_BACKEND;
    else process.env.PRODMATCH_BACKEND = saved;
  }
});
