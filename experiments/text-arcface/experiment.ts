import { titleEncoder } from '@prodmatch/features/title-encoder';
import { experiment, thresholdGrid } from '@prodmatch/runner';

// A title encoder learned from the train groups: hashed word 1-2 grams and character 3-5 grams, an
// IDF-weighted embedding bag, batch norm, trained with the seeds' ArcFace head (m 0.5, s 30). Epochs
// and learning rate were chosen on val (docs/text-arcface.md). `--min-matches 2 --tag min2` is its
// min2 variant.
export default experiment(import.meta, {
  name: 'text-arcface',
  description: 'Title encoder (hashed word/char n-grams -> IDF-weighted embedding bag -> 512-d) trained with ArcFace over train groups',
  channels: {
    main: {
      features: titleEncoder(),
      knn: { k: 50 },
      thresholds: thresholdGrid(0.2, 0.9, 0.025),
    },
  },
});
