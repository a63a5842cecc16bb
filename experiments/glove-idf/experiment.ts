import { experiment, gloveExperiment } from '@prodmatch/runner';

// Seed: GloVe title vectors pooled with IDF weights, so rare, product-specific words dominate.
export default experiment(import.meta, gloveExperiment('glove-idf', 'idf', 'GloVe trained on training titles (or --vectors), IDF-weighted mean, exact cosine kNN'));
