import { experiment } from '@prodmatch/runner';
import { blend } from '@prodmatch/runner/combiners';
import fusedText from '../fused-text/experiment.ts';

// fused-text with neighbourhood blending of the word channel (Shopee 1st place): each title vector
// becomes the similarity-weighted sum of itself and its neighbours within cosine distance 0.3, and the
// titles are searched again before the three channels are thresholded and united. On the real split it
// raised val F1 0.8562 -> 0.8631 and test 0.8418 -> 0.8506 (pnpm bench:fusion, docs/fusion.md); blending
// the char channel too added nothing.
export default experiment(import.meta, {
  ...fusedText,
  name: 'fused-text-nb',
  description: 'fused-text with neighbourhood blending of the word channel (within 0.3, one pass), then union, min2',
  combiner: blend({ channels: { text: 0.3 } }),
});
