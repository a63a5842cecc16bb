import { experiment } from '@prodmatch/runner';
import { rerank } from '@prodmatch/runner/rerank';
import fused from '../fused/experiment.ts';
import fusedTextRerank from '../fused-text-rerank/experiment.ts';

// fused-text-rerank with fused's image channel (arcface-weighted, resuming its checkpoint) as one more
// feature channel of the pair model: for the synthetic default and for users with images.
export default experiment(import.meta, {
  ...fusedTextRerank,
  name: 'fused-rerank',
  description: 'fused-text-rerank plus the arcface-weighted image channel as pair features (MLP pair model, cut tuned on val, min2)',
  channels: { ...fusedTextRerank.channels, image: fused.channels.image },
  combiner: rerank({ model: 'mlp', blend: { text: 0.3 }, beyond: { phash: 17 }, folds: 4 }),
});
