import { titleEncoder } from '@prodmatch/features/title-encoder';
import { experiment, thresholdGrid } from '@prodmatch/runner';
import fusedTextNb from '../fused-text-nb/experiment.ts';

// fused-text-nb plus the learned title encoder (text-arcface) as a fourth channel. Chosen on val among
// fused-text and fused-text-nb with and without it (real split, seed 42: val 0.8562 / 0.8631 without,
// 0.8656 / 0.8692 with; docs/text-arcface.md). It trains the encoder (about 3 minutes on the real train
// split on 2 cores; --resume reuses text-arcface's checkpoint of the same settings), which is why
// fused-text itself stays training-free.
export default experiment(import.meta, {
  ...fusedTextNb,
  name: 'fused-text-arcface',
  description: 'fused-text-nb + the text-arcface title encoder as a fourth channel, per-channel thresholds, union, min2',
  channels: {
    ...fusedTextNb.channels,
    arcface: { features: titleEncoder({ resume: true }), knn: { k: 50 }, thresholds: thresholdGrid(0.3, 0.7, 0.025) },
  },
});
