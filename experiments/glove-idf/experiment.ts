import { gloveExperiment, main } from '@prodmatch/runner';

// Seed: GloVe title vectors pooled with IDF weights, so rare, product-specific words dominate.
main(gloveExperiment('glove-idf', 'idf', 'GloVe trained on training titles (or --vectors), IDF-weighted mean, exact cosine kNN'));
