/** The seeds' learning-rate schedule: linear ramp, sustain, then exponential decay towards a floor. */
export interface LearningRateSchedule {
  start: number;
  max: number;
  min: number;
  rampEpochs: number;
  sustainEpochs: number;
  decay: number;
}

/** The seeds' values (LR_START 1e-5, LR_MAX 1e-5 * 32, LR_MIN 1e-6, ramp 5, sustain 0, decay 0.8). */
export const SEED_SCHEDULE: LearningRateSchedule = { start: 1e-5, max: 1e-5 * 32, min: 1e-6, rampEpochs: 5, sustainEpochs: 0, decay: 0.8 };

/** Learning rate of 0-based `epoch`. */
export function learningRate(epoch: number, s: LearningRateSchedule): number {
  if (epoch < s.rampEpochs) return ((s.max - s.start) / s.rampEpochs) * epoch + s.start;
  if (epoch < s.rampEpochs + s.sustainEpochs) return s.max;
  return (s.max - s.min) * s.decay ** (epoch - s.rampEpochs - s.sustainEpochs) + s.min;
}
