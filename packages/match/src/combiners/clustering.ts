import { clusterMatches, dbscanLabels, neighboursWithin, opticsLabels, type NeighbourLists } from '@prodmatch/knn';
import { longestMatches, matchScores } from '@prodmatch/metrics';
import { asSource, type Combiner } from '../combiner.ts';

/**
 * Seed 004's ensemble at one eps: DBSCAN (min_samples 2), OPTICS (max_eps = eps, min_samples 2) and
 * kNN within eps, all cosine; each row keeps the longest of the three match lists.
 */
export function clusteringEnsembleMatches(lists: NeighbourLists, eps: number): ArrayLike<number>[] {
  const dbscan = clusterMatches(dbscanLabels(lists, eps, 2));
  const optics = clusterMatches(opticsLabels(lists, { minSamples: 2, maxEps: eps }));
  return longestMatches(dbscan, optics, neighboursWithin(lists, eps));
}

/** The clustering ensemble as a combiner over one channel; its threshold is the ensemble's eps. */
export function clusteringEnsemble(): Combiner {
  return {
    name: 'dbscan+optics+knn (longest)',
    params: { dbscan: { minSamples: 2 }, optics: { minSamples: 2, maxEps: 'eps' }, pick: 'longest list' },
    sources(channels) {
      if (channels.length !== 1) throw new Error(`the clustering ensemble combines one channel, the spec has ${channels.length}`);
      return [{ name: channels[0].name, unit: channels[0].unit }];
    },
    async combine(channels) {
      const [only] = channels;
      // Clusters are the matches: min2 and the cap do not apply to them.
      const matches = (thresholds: readonly number[]): ArrayLike<number>[] => clusteringEnsembleMatches(only.lists, thresholds[0]);
      return {
        lists: [asSource(only)],
        recomputable: false,
        matches,
        scorer: (labels) => ({
          score: (thresholds) => matchScores(matches(thresholds), labels),
          rowF1: (thresholds) => {
            const perRow = new Float64Array(labels.length);
            matchScores(matches(thresholds), labels, perRow);
            return perRow;
          },
        }),
      };
    },
  };
}
