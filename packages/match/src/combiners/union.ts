import { asSource, type Combiner } from '../combiner.ts';
import { unionMatcher } from '../score.ts';

/**
 * The seed's fusion: every channel is thresholded on its own and the match lists are united. One channel
 * with union is the plain single-channel experiment.
 */
export function union(): Combiner {
  return {
    name: 'union',
    params: {},
    readsWithinThresholds: true,
    sources: (channels) => channels.map(({ name, unit }) => ({ name, unit })),
    async combine(channels) {
      return unionMatcher(channels.map(asSource));
    },
  };
}
