// The learned-decision combiner, on a subpath of its own: the pair features, models and decision code
// it imports load only in the experiments that name it (docs/rerank.md).
export { rerank, type RerankOptions, type RerankModel } from '@prodmatch/match/combiners/rerank';
