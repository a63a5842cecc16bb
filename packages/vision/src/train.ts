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

export async function trainLoop(tf: Tf, task: LoopTask, o: LoopOptions): Promise<LoopResult> {
  const optimizer = tf.train.adam(learningRate(0, o.schedule));
  const setRate = (rate: number): void => {
    (optimizer as unknown as { learningRate: number }).learningRate = rate;
  };
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
  for (let epoch = start; epoch < o.epochs; epoch++) {
    const rate = learningRate(epoch, o.schedule);
    setRate(rate);
    const bar = o.progress?.(`${o.label ?? 'train'} ${epoch + 1}/${o.epochs}`, task.stepsPerEpoch);
    let sum = 0;
    let steps = 0;
    for await (const batch of task.batches(epoch)) {
      const at: LoopStep = { epoch, step: steps };
      const cost = task.step ? task.step(batch, at, optimizer, rate) : (optimizer.minimize(() => task.loss(batch, at), true, task.variables) as Scalar);
      const value = (await cost.data())[0];
      cost.dispose();
      tf.dispose(batch);
      if (!Number.isFinite(value)) {
        bar?.stop();
        throw new Error(`training diverged at epoch ${epoch + 1}, step ${steps + 1} (loss ${value}); lower the learning rate (--lr-max)`);
      }
      sum += value;
      steps++;
      bar?.tick(1, { loss: (sum / steps).toFixed(4), lr: rate.toExponential(1) });
    }
    bar?.stop();
    losses.push(sum / Math.max(1, steps));
    o.log?.(`${o.label ?? 'train'} epoch ${epoch + 1}/${o.epochs}: loss ${(sum / Math.max(1, steps)).toFixed(4)}, lr ${rate.toExponential(2)}`);
    if (o.checkpointDir) await saveCheckpoint(tf, o.checkpointDir, o.checkpointKey ?? '', { epoch: epoch + 1, tensors: await snapshot(task, optimizer) });
  }
  optimizer.dispose();
  return { losses, resumedFrom: start };
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
  const { accBeta1, accBeta2 } = optimizer as unknown as { accBeta1?: Variable; accBeta2?: Variable };
  if (typeof accBeta1?.assign !== 'function' || typeof accBeta2?.assign !== 'function') {
    throw new Error('trainLoop: this tfjs-core AdamOptimizer has no accBeta1/accBeta2 variables, so checkpoints cannot save its state exactly; check the @tensorflow/tfjs-core version (written for 4.22)');
  }
  return { accBeta1, accBeta2 };
}

async function snapshot(task: LoopTask, optimizer: Optimizer): Promise<NamedTensor[]> {
  const { accBeta1, accBeta2 } = adamAccumulators(optimizer);
  return [
    ...task.variables.map((v, i) => ({ name: `variable/${i}`, tensor: v as Tensor })),
    ...(task.stateTensors?.() ?? []).map((t, i) => ({ name: `state/${i}`, tensor: t })),
    ...(await optimizer.getWeights()).map((w) => ({ name: `optimizer/${w.name}`, tensor: w.tensor })),
    { name: 'adam/accBeta1', tensor: accBeta1 },
    { name: 'adam/accBeta2', tensor: accBeta2 },
  ];
}

async function restore(tf: Tf, task: LoopTask, optimizer: Optimizer, tensors: NamedTensor[]): Promise<void> {
  const part = (prefix: string) => tensors.filter((t) => t.name.startsWith(prefix));
  const variables = part('variable/');
  if (variables.length !== task.variables.length) {
    throw new Error(`checkpoint has ${variables.length} variables, the model ${task.variables.length}; delete the checkpoint folder or drop --resume`);
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
