import { glove } from '@prodmatch/features/glove';
import { experiment } from '@prodmatch/runner';
import gloveMean from '../glove/experiment.ts';

// Seed: GloVe title vectors pooled with IDF weights, so rare, product-specific words dominate.
export default experiment(import.meta, {
  ...gloveMean,
  name: 'glove-idf',
  description: 'GloVe trained on training titles (or --vectors), IDF-weighted mean, exact cosine kNN',
  channels: { main: { ...gloveMean.channels.main, features: glove({ pooling: 'idf' }) } },
});
