import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initTf, probeBackend, probeBackends, nativeBindingFiles, type BackendName, type BackendProbe } from './backend.ts';

test('probes report every backend with a reason when unavailable', () => {
  const probes = probeBackends();
  assert.deepEqual(
    probes.map((p) => p.name),
    ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'],
  );
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

/** A host whose CUDA libraries are missing: the GPU build's binding does not load, nor does tfjs-node's. */
function brokenGpuHost(name: BackendName): BackendProbe {
  if (name === 'tensorflow-gpu') {
    return {
      name,
      available: false,
      version: '4.22.0',
      reason: 'native binding does not load: libcudart.so.11.0: cannot open shared object file',
    };
  }
  if (name === 'tensorflow') return { name, available: false, version: '4.22.0', reason: 'native binding is missing' };
  return probeBackend(name);
}

async function withoutBackendVariable<T>(body: () => Promise<T>): Promise<T> {
  const saved = process.env.PRODMATCH_BACKEND;
  delete process.env.PRODMATCH_BACKEND;
  try {
    return await body();
  } finally {
    if (saved !== undefined) process.env.PRODMATCH_BACKEND = saved;
  }
}

test('the start-up line names the backend picked and why each one above it was skipped', async () => {
  const lines: string[] = [];
  const { backend } = await withoutBackendVariable(() =>
    initTf({ probe: brokenGpuHost, gpuVisible: () => false, log: (l) => lines.push(l) }),
  );
  assert.equal(backend.name, 'wasm');
  assert.equal(lines.length, 1);
  assert.match(
    lines[0],
    /^tfjs backend: wasm \d+\.\d+\.\d+ \(tensorflow-gpu skipped: native binding does not load: libcudart\.so\.11\.0[^;]*; tensorflow skipped: native binding is missing\)$/,
  );
});

test('a visible GPU that tensorflow-gpu cannot use stops the run, unless a backend is forced', async () => {
  await withoutBackendVariable(async () => {
    const lines: string[] = [];
    await assert.rejects(
      initTf({ probe: brokenGpuHost, gpuVisible: () => true, log: (l) => lines.push(l) }),
      (e: Error) =>
        /^a GPU is visible but tensorflow-gpu cannot use it: native binding does not load: libcudart\.so\.11\.0.*--backend/.test(
          e.message,
        ) && !e.message.includes('\n'),
    );
    assert.equal(lines.length, 0);
    const forced = await initTf({ backend: 'wasm', probe: brokenGpuHost, gpuVisible: () => true, log: (l) => lines.push(l) });
    assert.equal(forced.backend.name, 'wasm');
    assert.match(lines[0], /^tfjs backend: wasm \S+ \(forced by --backend\)$/);
    process.env.PRODMATCH_BACKEND = 'cpu';
    const byVariable = await initTf({ probe: brokenGpuHost, gpuVisible: () => true, log: (l) => lines.push(l) });
    assert.equal(byVariable.backend.name, 'cpu');
    assert.match(lines[1], /^tfjs backend: cpu \S+ \(forced by PRODMATCH_BACKEND\)$/);
  });
});
