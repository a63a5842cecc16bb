// What a neighbour list's distances measure. The searches here produce both kinds: cosine distance
// (dense and sparse vectors) and Hamming bits (64-bit pHash), so the units and their ranges live here,
// below everything that thresholds, stores or displays distances. A learned match decision (match's
// rerank combiner) lists candidates by pair distance, 1 - p(match), so it thresholds like the rest.

/** What a list's distances measure; the unit fixes the valid threshold range. */
export type DistanceUnit = 'cosine distance' | 'Hamming bits' | 'pair distance';

/** The closed range a distance (and so a threshold) of each unit lies in. */
export const DISTANCE_RANGE: Readonly<Record<DistanceUnit, readonly [number, number]>> = {
  'cosine distance': [0, 2],
  'Hamming bits': [0, 64],
  'pair distance': [0, 1],
};
