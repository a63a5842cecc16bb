// The combiners an experiment may name. Apart from the runner's main entry, so that a one-channel run
// (identity union) never loads the fusing combiners and what they import (clustering's DBSCAN and OPTICS).
export { union, concat, blend, clusteringEnsemble } from '@prodmatch/match/combiners';
