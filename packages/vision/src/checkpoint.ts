// Training state on disk, one checkpoint per epoch: epoch-NNN.json (what was saved, and for which
// training settings) beside epoch-NNN.bin (the tensors, tfjs weight encoding).
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Tensor, io } from '@tensorflow/tfjs-core';
import { writeFileAtomic } from '@prodmatch/results';
import type { Tf } from '@prodmatch/tf';

export interface NamedTensor {
  name: string;
  tensor: Tensor;
}

/** Everything a checkpoint restores, in a fixed order: model weights, head variables, optimizer slots. */
export interface TrainingState {
  /** Epochs completed. */
  epoch: number;
  tensors: NamedTensor[];
}

interface CheckpointFile {
  /** Identifies the training settings; a checkpoint of other settings is never resumed. */
  key: string;
  epoch: number;
  specs: io.WeightsManifestEntry[];
}

const FILE = /^epoch-(\d+)\.json$/;

function fileName(epoch: number): string {
  return `epoch-${String(epoch).padStart(3, '0')}`;
}

/**
 * Writes the checkpoint of `state` atomically (the tensors, then the .json that makes them a checkpoint)
 * and keeps only the newest `keep` checkpoints. A failed write throws @prodmatch/results' WriteFileError
 * and leaves the checkpoints already on disk as they were.
 */
export async function saveCheckpoint(tf: Tf, dir: string, key: string, state: TrainingState, keep = 2): Promise<string> {
  mkdirSync(dir, { recursive: true });
  // A process killed outright (SIGKILL, power loss) mid-write leaves a temp file (SIGINT and SIGTERM remove
  // it, when the entry point installed results' interrupt clean-up): the next save removes it.
  for (const f of readdirSync(dir)) if (/^epoch-\d+\.(bin|json)\.(\d+\.[0-9a-f]+\.)?tmp$/.test(f)) rmSync(join(dir, f), { force: true });
  const { data, specs } = await tf.io.encodeWeights(state.tensors);
  const base = join(dir, fileName(state.epoch));
  const bytes = Array.isArray(data) ? Buffer.concat(data.map((b) => Buffer.from(b))) : Buffer.from(data);
  await writeFileAtomic(`${base}.bin`, bytes);
  const meta: CheckpointFile = { key, epoch: state.epoch, specs };
  await writeFileAtomic(`${base}.json`, JSON.stringify(meta));
  const epochs = listEpochs(dir).sort((a, b) => b - a);
  for (const old of epochs.slice(keep)) {
    rmSync(join(dir, `${fileName(old)}.json`), { force: true });
    rmSync(join(dir, `${fileName(old)}.bin`), { force: true });
  }
  return `${base}.json`;
}

function listEpochs(dir: string): number[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const m = FILE.exec(f);
    return m ? [Number(m[1])] : [];
  });
}

/** The newest checkpoint in `dir` saved with `key`, or null. The caller disposes the tensors. */
export function loadLatestCheckpoint(tf: Tf, dir: string, key: string): TrainingState | null {
  for (const epoch of listEpochs(dir).sort((a, b) => b - a)) {
    const base = join(dir, fileName(epoch));
    let meta: CheckpointFile;
    try {
      meta = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as CheckpointFile;
    } catch (error) {
      throw new Error(`${base}.json: unreadable checkpoint (${(error as Error).message}); delete it to resume from an earlier epoch`);
    }
    if (meta.key !== key) continue;
    const bin = readFileSync(`${base}.bin`);
    const map = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), meta.specs);
    return { epoch: meta.epoch, tensors: meta.specs.map((s) => ({ name: s.name, tensor: map[s.name] as Tensor })) };
  }
  return null;
}
