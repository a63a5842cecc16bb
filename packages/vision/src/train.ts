// The training loop shared by the classifier heads and the autoencoders: epochs of batches, the
// seeds' learning-rate schedule, a progress bar with the running loss, a checkpoint per epoch and
// resuming from the newest one.
import type { Optimizer, Scalar, Tensor, Variable } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Tf } from '@prodmatch/tf';
import { loadLatestCheckpoint, saveCheckpoint, type NamedTensor } from './checkpoint.ts';
import { learningRate, type LearningRateSchedule } from './schedule.ts';

export interface ProgressBar {
  tick(amount?: number, payload?: Record<string, string | number>): void;
  stop(): void;
}
export type ProgressFactory = (label: string, total: number) => ProgressBar;

export interface LoopOptions {
  epochs: number;
  schedule: LearningRateSchedule;
  /** Where a checkpoint is written after every epoch; none when absent. */
  checkpointDir?: string;
  /** Identifies the settings, so that --resume never continues a different training. */
  checkpointKey?: string;
  resume?: boolean;
  progress?: ProgressFactory;
  log?: (message: string) => void;
  label?: string;
  /**
   * Batches whose gradients are averaged (weighted by batch size) before one optimizer update:
   * batch b with accumulate n trains like batch b * n, in the memory of batch b (batch norm
   * statistics still come from each batch of b). Default 1.
   */
  accumulate?: number;
  /**
   * The loss is read back from the backend every this many steps (and at the end of an epoch): a
   * read waits for every queued kernel, so reading each step would keep a GPU's queue empty. Default 10.
   */
  readLossEvery?: number;
}

/** Where a training step is: 0-based epoch and 0-based step within that epoch. */
export interface LoopStep {
  epoch: number;
  step: number;
}

export interface LoopTask {
  /** Trainable variables, in a fixed order (the optimizer's slots follow it). */
  variables: Variable[];
  /** Extra state saved with a checkpoint but not trained (e.g. batch-norm moving statistics). */
  stateTensors?: () => Tensor[];
  setState?: (tensors: Tensor[]) => void;
  stepsPerEpoch: number;
  /** The epoch's batches; each is trained on with `loss` and then disposed. */
  batches(epoch: number): AsyncIterable<Tensor[]>;
  /**
   * `at` says which step this is, so that randomness inside the model (dropout masks) can be drawn
   * from (seed, epoch, step): the same in a resumed run as in an uninterrupted one.
   */
  loss(batch: Tensor[], at: LoopStep): Scalar;
  /**
   * Trains one batch in place of optimizer.minimize(loss, variables), for a task with parameters the
   * shared optimizer would update densely although a batch touches few of them (an embedding table):
   * it applies `optimizer` to `variables` itself, updates the rest at `rate`, and returns the loss.
   */
  step?(batch: Tensor[], at: LoopStep, optimizer: Optimizer, rate: number): Scalar;
}

export interface LoopResult {
  /** Mean loss per epoch trained in this call (a resumed run lacks the earlier ones). */
  losses: number[];
  resumedFrom: number;
}

/** Variables and non-trainable weights of a tfjs-layers model, in its own order. */
export function modelVariables(model: LayersModel): { trainable: Variable[]; state: () => Tensor[]; setState: (t: Tensor[]) => void } {
  const nonTrainable = model.nonTrainableWeights;
  return {
    trainable: model.trainableWeights.map((w) => w.read() as Variable),
    state: () => nonTrainable.map((w) => w.read()),
    setState: (tensors) => nonTrainable.forEach((w, i) => w.write(tensors[i])),
  };
}

const OUT_OF_MEMORY = /\bOOM\b|out of memory|resource ?exhausted|memory\.grow|cannot enlarge memory|array buffer allocation failed/i;

/**
 * A one-line error for a step that ran out of memory (tensorflow's OOM / ResourceExhausted, wasm's
 * failed memory growth), naming the flags that trade memory for speed; other errors pass unchanged.
 */
export function outOfMemoryHint(error: unknown, at: LoopStep): unknown {
  const message = error instanceof Error ? error.message : String(error);
  if (!OUT_OF_MEMORY.test(message)) return error;
  const first = message.split('\n')[0].slice(0, 160);
  return new Error(
    `out of memory at epoch ${at.epoch + 1}, step ${at.step + 1} (${first}); lower --batch-size and raise --accumulate to keep the effective batch (e.g. --batch-size 8 --accumulate 4 for 32), or lower --img-size`,
  );
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 1) throw new Error(`trainLoop: ${name} must be a positive integer, got ${String(value)}`);
  return n;
}

export async function trainLoop(tf: Tf, task: LoopTask, o: LoopOptions): Promise<LoopResult> {
  const accumulate = positiveInteger(o.accumulate, 1, '--accumulate');
  const readEvery = positiveInteger(o.readLossEvery, 10, 'readLossEvery');
  if (accumulate > 1 && task.step)
    throw new Error('--accumulate is not supported by this experiment (it trains with its own step); drop --accumulate');
  const optimizer = tf.train.adam(learningRate(0, o.schedule));
  const setRate = (rate: number): void => setAdamLearningRate(optimizer, rate);
  let start = 0;
  if (o.resume && o.checkpointDir) {
    const saved = loadLatestCheckpoint(tf, o.checkpointDir, o.checkpointKey ?? '');
    if (saved) {
      await restore(tf, task, optimizer, saved.tensors);
      start = saved.epoch;
      o.log?.(`resumed from ${o.checkpointDir} after epoch ${start}`);
    } else {
      o.log?.(`--resume: no checkpoint for these settings in ${o.checkpointDir}; training from the start`);
    }
  }
  const losses: number[] = [];
  const accumulator = accumulate > 1 ? new GradientAccumulator(tf, task.variables) : null;
  for (let epoch = start; epoch < o.epochs; epoch++) {
    const rate = learningRate(epoch, o.schedule);
    setRate(rate);
    const bar = o.progress?.(`${o.label ?? 'train'} ${epoch + 1}/${o.epochs}`, task.stepsPerEpoch);
    // The epoch's loss sum stays on the backend between reads.
    let total: Scalar = tf.keep(tf.scalar(0));
    let read = { sum: 0, steps: 0 };
    let steps = 0;
    const readLoss = async (): Promise<void> => {
      const sum = (await total.data())[0];
      if (!Number.isFinite(sum)) {
        throw new Error(
          `training diverged at epoch ${epoch + 1}, between steps ${read.steps + 1} and ${steps} (loss ${sum}); lower the learning rate (--lr-max)`,
        );
      }
      read = { sum, steps };
    };
    for await (const batch of task.batches(epoch)) {
      const at: LoopStep = { epoch, step: steps };
      try {
        let cost: Scalar;
        if (accumulator) {
          cost = accumulator.add(() => task.loss(batch, at), batch[0].shape[0] ?? 1);
          if ((steps + 1) % accumulate === 0) accumulator.apply(optimizer);
        } else {
          cost = task.step
            ? task.step(batch, at, optimizer, rate)
            : (optimizer.minimize(() => task.loss(batch, at), true, task.variables) as Scalar);
        }
        const next = tf.keep(tf.add(total, cost)) as Scalar;
        tf.dispose([total, cost]);
        total = next;
        tf.dispose(batch);
        steps++;
        if (steps % readEvery === 0) await readLoss();
      } catch (error) {
        bar?.stop();
        throw outOfMemoryHint(error, at);
      }
      bar?.tick(1, { loss: (read.sum / Math.max(1, read.steps)).toFixed(4), lr: rate.toExponential(1) });
    }
    // A last, shorter group of batches still updates the weights.
    accumulator?.apply(optimizer);
    bar?.stop();
    await readLoss();
    total.dispose();
    const mean = read.sum / Math.max(1, steps);
    losses.push(mean);
    o.log?.(`${o.label ?? 'train'} epoch ${epoch + 1}/${o.epochs}: loss ${mean.toFixed(4)}, lr ${rate.toExponential(2)}`);
    if (o.checkpointDir) {
      const state = await snapshot(tf, task, optimizer);
      try {
        await saveCheckpoint(tf, o.checkpointDir, o.checkpointKey ?? '', { epoch: epoch + 1, tensors: state.tensors });
      } finally {
        tf.dispose(state.created);
      }
    }
  }
  accumulator?.dispose();
  optimizer.dispose();
  return { losses, resumedFrom: start };
}

/**
 * Sums size-weighted gradients of several batches and applies their mean as one update: the mean
 * loss of one big batch is the size-weighted mean of its parts' mean losses, and so is its gradient.
 */
export class GradientAccumulator {
  private sums: Map<string, Tensor> | null = null;
  private examples = 0;

  constructor(
    private readonly tf: Tf,
    private readonly variables: Variable[],
  ) {}

  /** Adds one batch's gradients; returns its loss (the caller disposes it). */
  add(loss: () => Scalar, examples: number): Scalar {
    const { tf } = this;
    const { value, grads } = tf.variableGrads(loss, this.variables);
    const sums = new Map<string, Tensor>();
    for (const v of this.variables) {
      const g = grads[v.name];
      const previous = this.sums?.get(v.name);
      sums.set(v.name, tf.keep(tf.tidy(() => (previous ? tf.add(previous, tf.mul(g, examples)) : tf.mul(g, examples)))));
    }
    tf.dispose([...Object.values(grads), ...(this.sums?.values() ?? [])]);
    this.sums = sums;
    this.examples += examples;
    return value;
  }

  /** One optimizer step with the mean gradient so far; nothing when no batch was added since the last. */
  apply(optimizer: Optimizer): void {
    if (!this.sums) return;
    const { tf } = this;
    const sums = this.sums;
    const scale = 1 / this.examples;
    const mean = Object.fromEntries(this.variables.map((v) => [v.name, tf.keep(tf.tidy(() => tf.mul(sums.get(v.name)!, scale)))]));
    optimizer.applyGradients(mean);
    tf.dispose([...Object.values(mean), ...sums.values()]);
    this.sums = null;
    this.examples = 0;
  }

  dispose(): void {
    if (this.sums) this.tf.dispose([...this.sums.values()]);
    this.sums = null;
  }
}

/** What the checkpoint code needs of a tfjs Variable: an object with assign(). */
function isVariable(value: unknown): value is Variable {
  return typeof value === 'object' && value !== null && 'assign' in value && typeof value.assign === 'function';
}

/**
 * Sets Adam's learning rate for the next steps. tfjs-core's AdamOptimizer has no setter (only
 * SGDOptimizer has setLearningRate): the rate is a protected field, read at every applyGradients.
 * The field is checked at runtime, so a tfjs-core that renamed it fails here instead of training on
 * at the first rate.
 */
function setAdamLearningRate(optimizer: object, rate: number): void {
  if (!('learningRate' in optimizer) || typeof optimizer.learningRate !== 'number') {
    throw new Error(
      'trainLoop: this tfjs-core AdamOptimizer has no numeric learningRate field, so the learning-rate schedule cannot be applied; check the @tensorflow/tfjs-core version (written for 4.22)',
    );
  }
  optimizer.learningRate = rate;
}

/**
 * Adam's bias-correction accumulators, beta1^t and beta2^t (private fields of tfjs-core's
 * AdamOptimizer). Training updates them by one float32 multiplication per step, but setWeights()
 * rebuilds them as pow(beta, iterations + 1), which differs in the last bit for many step counts
 * (after 5 steps beta2^6 is 0.99401510 multiplied out, 0.99401504 from pow). Adam divides the
 * moments by 1 - beta^t, and that one bit moved a tiny test model's weights by 1e-3 to 6e-3 within
 * one resumed epoch, so checkpoints carry the accumulators themselves and a resumed run continues
 * bit for bit.
 */
function adamAccumulators(optimizer: Optimizer): { accBeta1: Variable; accBeta2: Variable } {
  const accBeta1 = 'accBeta1' in optimizer ? optimizer.accBeta1 : undefined;
  const accBeta2 = 'accBeta2' in optimizer ? optimizer.accBeta2 : undefined;
  if (!isVariable(accBeta1) || !isVariable(accBeta2)) {
    throw new Error(
      'trainLoop: this tfjs-core AdamOptimizer has no accBeta1/accBeta2 variables, so checkpoints cannot save its state exactly; check the @tensorflow/tfjs-core version (written for 4.22)',
    );
  }
  return { accBeta1, accBeta2 };
}

/**
 * What a checkpoint holds, and the tensors made for it: getWeights() returns the optimizer's own
 * moment variables plus a new iteration-count scalar, which leaked one tensor per epoch until it
 * was disposed after the save.
 */
async function snapshot(tf: Tf, task: LoopTask, optimizer: Optimizer): Promise<{ tensors: NamedTensor[]; created: Tensor[] }> {
  const { accBeta1, accBeta2 } = adamAccumulators(optimizer);
  const weights = await optimizer.getWeights();
  const tensors = [
    ...task.variables.map((v, i) => ({ name: `variable/${i}`, tensor: v as Tensor })),
    ...(task.stateTensors?.() ?? []).map((t, i) => ({ name: `state/${i}`, tensor: t })),
    ...weights.map((w) => ({ name: `optimizer/${w.name}`, tensor: w.tensor })),
    { name: 'adam/accBeta1', tensor: accBeta1 as Tensor },
    { name: 'adam/accBeta2', tensor: accBeta2 as Tensor },
  ];
  // The moments are variables the optimizer keeps; anything else getWeights() returned is new.
  const created = weights.map((w) => w.tensor).filter((t) => !(t instanceof tf.Variable));
  return { tensors, created };
}

async function restore(tf: Tf, task: LoopTask, optimizer: Optimizer, tensors: NamedTensor[]): Promise<void> {
  const part = (prefix: string) => tensors.filter((t) => t.name.startsWith(prefix));
  const variables = part('variable/');
  if (variables.length !== task.variables.length) {
    throw new Error(
      `checkpoint has ${variables.length} variables, the model ${task.variables.length}; delete the checkpoint folder or drop --resume`,
    );
  }
  variables.forEach((t, i) => task.variables[i].assign(t.tensor));
  task.setState?.(part('state/').map((t) => t.tensor));
  await optimizer.setWeights(part('optimizer/').map((t) => ({ name: t.name.slice('optimizer/'.length), tensor: t.tensor })));
  // After setWeights, which recomputes the accumulators from the step count (see adamAccumulators).
  // A checkpoint written before they were saved keeps that recomputed, last-bit-off value.
  const accumulators = adamAccumulators(optimizer);
  for (const name of ['accBeta1', 'accBeta2'] as const) {
    const saved = tensors.find((t) => t.name === `adam/${name}`);
    if (saved) accumulators[name].assign(saved.tensor);
  }
  tf.dispose(tensors.map((t) => t.tensor));
}
