import { charNgrams, sklearnTokenize, tokenizeTitle } from '@prodmatch/text/tokenize';
import { z } from 'zod';

/** How a title becomes word tokens; shared by the word TF-IDF and GloVe features. */
export const tokensSchema = {
  /** 'sklearn': TfidfVectorizer's default token pattern (the reference); 'title': our title tokenizer. */
  tokenizer: z.enum(['sklearn', 'title']).default('title'),
  /** The title tokenizer's options (unused with 'sklearn'); defaults are the tokenizer's own. */
  title: z
    .strictObject({
      splitNumbers: z.boolean().default(true),
      keepGlued: z.boolean().default(false),
      canonicalUnits: z.boolean().default(true),
      minLength: z.int().min(1).default(2),
    })
    .prefault({}),
  /** Add character n-grams of each word (scikit-learn's char_wb), e.g. [3, 5]; null: words only. */
  charNgrams: z
    .tuple([z.int().min(1), z.int().min(1)])
    .nullable()
    .default(null),
};

const tokens = z.strictObject(tokensSchema);
export type TextTokens = z.output<typeof tokens>;

export function titleTokens(title: string, spec: TextTokens): string[] {
  const words = spec.tokenizer === 'sklearn' ? sklearnTokenize(title) : tokenizeTitle(title, spec.title);
  if (!spec.charNgrams) return words;
  // Prefixed so that an n-gram never shares a column with an identical whole word.
  return [...words, ...charNgrams(words, spec.charNgrams[0], spec.charNgrams[1]).map((gram) => `#${gram}`)];
}
