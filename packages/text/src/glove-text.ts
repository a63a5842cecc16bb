import { open } from 'node:fs/promises';
import type { WordVectors } from './glove.ts';

function formatError(path: string, lineNumber: number, message: string): Error {
  return new Error(`${path}:${lineNumber}: ${message}`);
}

/**
 * Reads word vectors in the Stanford GloVe text format: one `word v1 v2 ... vd` line per word, separated by
 * single spaces, no header. The dimension is taken from the first line and every line must match it. Words
 * that themselves contain spaces (a few lines of glove.840B) are read as everything before the last d fields.
 * With `vocabulary`, only those words are kept (the others are checked for their field count only), which
 * keeps memory small when a large file meets a small corpus. A repeated word keeps its first vector.
 */
export async function loadGloveText(path: string, opts: { vocabulary?: Set<string> } = {}): Promise<WordVectors> {
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(path, 'r');
  } catch (error) {
    throw new Error(
      `${path}: cannot open GloVe vectors (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); pass a Stanford GloVe .txt file`,
    );
  }
  const { vocabulary } = opts;
  const words: string[] = [];
  const index = new Map<string, number>();
  let dim = 0;
  let vectors = new Float32Array(0);
  let lineNumber = 0;
  try {
    for await (const rawLine of file.readLines({ encoding: 'utf8' })) {
      lineNumber++;
      const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
      const fields = line.trimEnd().split(' ');
      if (fields.length === 1 && fields[0] === '') continue;
      if (dim === 0) {
        if (fields.length === 2 && /^\d+$/.test(fields[0]) && /^\d+$/.test(fields[1])) {
          throw formatError(path, lineNumber, `'${line}' looks like a word2vec header; GloVe .txt files have no header line (remove it)`);
        }
        if (fields.length < 2) throw formatError(path, lineNumber, `expected a word followed by its vector, found '${line.slice(0, 60)}'`);
        dim = fields.length - 1;
      }
      if (fields.length < dim + 1) {
        throw formatError(
          path,
          lineNumber,
          `expected a word followed by ${dim} numbers (the dimension of the first line), found ${fields.length - 1}`,
        );
      }
      const word = fields.length === dim + 1 ? fields[0] : fields.slice(0, fields.length - dim).join(' ');
      if (index.has(word) || (vocabulary && !vocabulary.has(word))) continue;
      const row = words.length;
      if ((row + 1) * dim > vectors.length) {
        const grown = new Float32Array(Math.max(1024 * dim, vectors.length * 2));
        grown.set(vectors);
        vectors = grown;
      }
      const first = fields.length - dim;
      for (let k = 0; k < dim; k++) {
        const field = fields[first + k];
        const value = Number(field);
        // Number('') is 0, so an empty field (a doubled space) must be caught explicitly.
        if (field === '' || !Number.isFinite(value)) {
          throw formatError(path, lineNumber, `field ${first + k + 1} ('${field}') of word '${word}' is not a finite number`);
        }
        vectors[row * dim + k] = value;
      }
      index.set(word, row);
      words.push(word);
    }
  } finally {
    await file.close();
  }
  if (dim === 0) throw new Error(`${path}: no word vectors found (empty file); pass a Stanford GloVe .txt file`);
  return { words, index, dim, vectors: vectors.slice(0, words.length * dim) };
}
