// What training the title encoder will ask of memory, estimated from the vocabulary before anything is
// allocated, and the check that stops a run that cannot fit with one line naming the setting to change.
// Two places hold memory: the process's own (the table and its optimizer state, the inputs: plain typed
// arrays, bounded by the machine) and the tfjs backend's (the ArcFace head and one batch's activations:
// on wasm a 32-bit heap that tops out at 4 GiB and never shrinks). The tensor copies were fitted by
// bench/backend-memory.ts, the rest measured by bench/memory.ts (docs/text-arcface.md).
import { totalmem } from 'node:os';
import { tableRowBytes } from './bag.ts';
import type { TitleEncoderConfig } from './encoder.ts';

/** The run's size, known once the titles are hashed and the labels counted. */
export interface TitleEncoderRunSize {
  titles: number;
  /** Label groups: the ArcFace head has one centre per group. */
  classes: number;
  /** Bag entries over all titles (a title's n-gram buckets that have a table row). */
  entries: number;
}

/** Bytes, by where they go. `process` and `backend` are the two parts that limits apply to. */
export interface TitleEncoderPeakEstimate {
  /** The table's values, float32. */
  table: number;
  /** The table's optimizer state (Adam moments). */
  optimizer: number;
  /** Hashed titles, vocabulary and bag inputs. */
  inputs: number;
  /** A step's own buffers outside the backend (the batch's entries, its bags and their gradient). */
  step: number;
  /** Node, tfjs and the data the caller loaded before training. */
  runtime: number;
  /** The tfjs backend's: the head, its Adam state and gradient. */
  head: number;
  /** The tfjs backend's: one batch's activations and their gradients (a head chunk's ArcFace logits dominate). */
  batch: number;
  /** Everything in the process's own memory: table + optimizer + inputs + step + runtime. */
  process: number;
  /** Everything on the tfjs backend: head + batch (plus the wasm module's own heap). */
  backend: number;
  /** The expected peak RSS: process + backend. */
  peak: number;
}

/** The RSS of the process before training: node, tsx, tfjs, the wasm module, the loaded dataset (bench/memory.ts and the submission). */
const RUNTIME = 330 * 2 ** 20;
/** The wasm module's heap before any tensor. */
const WASM_BASE = 16 * 2 ** 20;
/** Float32 copies of the head's [dim, classes] weights alive at a step's peak: weights, Adam m and v, normalised weights, gradients, Adam's temporaries. */
const HEAD_COPIES = 17;
/** Float32 [head chunk, classes] tensors alive at the backward pass's peak (ArcFace's cosine, sine, phi, masks, softmax, their gradients). */
const LOGIT_COPIES = 57;
/** Float32 [batch, dim] tensors alive at the peak (the bag, batch norm, dropout, normalisation, gradients). */
const BAG_COPIES = 10;
/** Bytes per bag entry kept for the whole run: hashed bucket + count, then row id + weight; plus the hashing's temporary number[]s. */
const BYTES_PER_ENTRY = 40;

/** The wasm heap is 32-bit: tfjs-backend-wasm's memory grows to 4 GiB and no further. */
export const WASM_HEAP_LIMIT = 2 ** 32;

/**
 * The peak memory of training the title encoder with `config` on a vocabulary of `vocabularySize`
 * table rows (fitBagVocabulary's `rows`), before anything is allocated.
 */
export function estimateTitleEncoderPeak(
  config: TitleEncoderConfig,
  vocabularySize: number,
  run: TitleEncoderRunSize,
): TitleEncoderPeakEstimate {
  const row = tableRowBytes(config.dim, config.tableOptimizer);
  const table = vocabularySize * row.values;
  const optimizer = vocabularySize * row.state;
  const inputs = run.entries * BYTES_PER_ENTRY + 2 ** config.features.bits * 8 + vocabularySize * 4;
  const entriesPerBatch = Math.ceil((2 * run.entries * config.batchSize) / Math.max(1, run.titles));
  const step = entriesPerBatch * 24 + 3 * config.batchSize * config.dim * 4;
  const head = HEAD_COPIES * run.classes * config.dim * 4;
  const batch =
    LOGIT_COPIES * Math.min(config.headChunk, config.batchSize) * run.classes * 4 + BAG_COPIES * config.batchSize * config.dim * 4;
  const processBytes = table + optimizer + inputs + step + RUNTIME;
  const backend = WASM_BASE + head + batch;
  return { table, optimizer, inputs, step, runtime: RUNTIME, head, batch, process: processBytes, backend, peak: processBytes + backend };
}

export interface MemoryLimits {
  backendName: string;
  /** What the tfjs backend's tensors may use: 4 GiB on wasm; elsewhere the machine's memory. */
  backend: number;
  /** The machine's memory (or the container's limit, when lower). */
  machine: number;
}

/** The limits for a backend (tf.getBackend()) on this machine. */
export function memoryLimits(backendName: string): MemoryLimits {
  const constrained = process.constrainedMemory?.() ?? 0;
  // Without a limit Node reports 0, or a huge number (2^64) from cgroups' "max".
  const machine = constrained > 0 && constrained < totalmem() ? constrained : totalmem();
  return { backendName, backend: backendName === 'wasm' ? Math.min(WASM_HEAP_LIMIT, machine) : machine, machine };
}

const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(bytes < 10 * 2 ** 30 ? 2 : 1)} GiB`;

/** One line: the estimate's parts. */
export function peakEstimateLine(e: TitleEncoderPeakEstimate, config: TitleEncoderConfig, vocabularySize: number, classes: number): string {
  return `memory estimate: peak ${gib(e.peak)} = table ${vocabularySize} rows x ${config.dim} ${gib(e.table)} + ${config.tableOptimizer} state ${gib(e.optimizer)} + inputs ${gib(e.inputs + e.step)} + runtime ${gib(e.runtime)} + tfjs ${gib(e.backend)} (head ${classes} groups x ${config.dim} ${gib(e.head)}, batch of ${config.batchSize} ${gib(e.batch)})`;
}

/**
 * Throws a one-line error when the estimate passes a limit, naming the setting to change: on wasm the
 * backend's part against the 4 GiB heap (the head grows with --dim, the batch with --batch-size), then
 * the whole against the machine (the table grows with --dim and with the rows --min-df keeps).
 */
export function checkTitleEncoderPeak(
  e: TitleEncoderPeakEstimate,
  config: TitleEncoderConfig,
  vocabularySize: number,
  classes: number,
  limits: MemoryLimits,
): void {
  if (e.backend > limits.backend) {
    const where =
      limits.backendName === 'wasm'
        ? 'the wasm heap, past its 4 GiB limit'
        : `the ${limits.backendName} backend, past this machine's ${gib(limits.backend)}`;
    const rows = Math.min(config.headChunk, config.batchSize);
    const fix =
      e.head >= e.batch
        ? `lower --dim (now ${config.dim}; the head is ${classes} groups x ${config.dim})`
        : `lower headChunk (now ${rows}; a chunk's logits are ${rows} x ${classes} groups) or --batch-size (now ${config.batchSize})`;
    throw new Error(
      `title encoder: training would need about ${gib(e.backend)} on ${where} (head ${gib(e.head)}, batch ${gib(e.batch)}); ${fix}`,
    );
  }
  if (e.peak > limits.machine) {
    const fix =
      config.tableOptimizer === 'adam'
        ? `lower --dim (now ${config.dim}), raise --min-df (now ${config.minDf}) or train the table with tableOptimizer 'rowwise-adam'`
        : `lower --dim (now ${config.dim}) or raise --min-df (now ${config.minDf})`;
    throw new Error(
      `title encoder: training would peak at about ${gib(e.peak)}, past this machine's ${gib(limits.machine)} (table ${vocabularySize} rows x ${config.dim}: ${gib(e.table)} + ${gib(e.optimizer)} of ${config.tableOptimizer} state); ${fix}`,
    );
  }
}
