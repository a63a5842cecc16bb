import { experiment, gloveExperiment } from '@prodmatch/runner';

// Seed: GloVe title vectors, mean pooling (seed threshold 0.8 in its own units).
export default experiment(import.meta, gloveExperiment('glove', 'mean', 'GloVe trained on training titles (or --vectors), mean of word vectors, exact cosine kNN'));
