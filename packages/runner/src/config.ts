// The run's typed config and the one command line: run keys are flags (`--seed 7`), and any key of a
// channel's feature config can be overridden as `--<channel>.<path> VALUE` (`--text.idf.minDf 3`), or
// by its bare path when exactly one channel has it (`--epochs 3`). Every flag is checked against a
// schema: keys that exist only, values of their type.
import { availableParallelism } from 'node:os';
import yargs from 'yargs';
import { z } from 'zod';
import { issuesLine, type FeatureChoice } from '@prodmatch/features/feature';

// libuv's pool (sharp's decodes, fs) is sized once, on first use: before any experiment touches a file,
// give it one thread per core (default 4), so a 16-core GPU host decodes 16 images at a time.
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism()));

export class UsageError extends Error {}

const count = z.int().positive();

/** The keys every run takes; `describe` is the flag's help. */
export const runSchema = z.strictObject({
  data: z
    .string()
    .optional()
    .describe('Kaggle-layout folder (train.csv [+ train_images/]); default: $PRODMATCH_DATA, else the embedded synthetic set'),
  protocol: z
    .enum(['split', 'full', 'cv'])
    .default('split')
    .describe(
      "split: train on train groups, tune on val, report test; full: fit, tune and report on all rows (the seeds' way); cv: group k-fold, thresholds tuned out of fold",
    ),
  folds: z.int().min(2).optional().describe('--protocol cv: the number of group folds [default: 5]'),
  seed: z.int().default(42).describe('seed of the group split and of training'),
  seeds: z
    .string()
    .regex(/^\s*-?\d+\s*(,\s*-?\d+\s*)+$/, 'two or more comma-separated integers, e.g. 1,2,3')
    .optional()
    .describe("one run per seed (split and training), summarised in one row <experiment>@seeds.json: mean, sd and each seed's F1"),
  threshold: z
    .array(z.string())
    .optional()
    .describe(
      'evaluate at this distance threshold, no tuning; per source as NAME=VALUE (repeat the flag), e.g. --threshold text=0.45 --threshold phash=8',
    ),
  k: count.optional().describe('neighbours per row before thresholding (every channel)'),
  knn: z.enum(['exact', 'hnsw']).optional().describe('dense search: exact batched matmul or hnswlib ANN'),
  sparseSearch: z
    .enum(['all', 'within'])
    .default('all')
    .describe(
      "sparse search: every pair sharing a term (all), or an inverted index that keeps only neighbours within the channel's largest grid threshold (within: sub-quadratic, for large galleries; pnpm submit then also stops hash channels' searches at their thresholds)",
    ),
  sparseWithin: z
    .number()
    .gt(0)
    .lt(1)
    .optional()
    .describe(
      "with --sparse-search within: cut sparse searches at this cosine distance instead of the grid's largest threshold (what lies beyond is lost to min2's top-up and to channels ranking their candidates; bench:scale measures the match recall of a cut)",
    ),
  minMatches: count.optional().describe('keep at least this many matches per row after fusion, self included (2 = "min2")'),
  backend: z
    .enum(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'])
    .optional()
    .describe('force a tfjs backend (default: best available; $PRODMATCH_BACKEND)'),
  results: z
    .string()
    .optional()
    .describe("results folder (rows go to <results>/<dataset>/<experiment>.json) [default: the repo's results/]"),
  tag: z
    .string()
    .regex(/^[\w.-]+$/, 'letters, digits, ".", "_" and "-" only')
    .optional()
    .describe('suffix for the row file, to keep a variant beside the default row'),
  progress: z.boolean().default(true).describe('progress bars on stderr'),
  leaderboard: z.boolean().default(true).describe('regenerate results/LEADERBOARD.md after writing the row'),
});

/** A submission takes the run's keys and where to write the file. */
export const submitSchema = runSchema.extend({
  out: z.string().optional().describe('where to write submission.csv [default: ./submission.csv]'),
});

export type RunConfig = z.output<typeof submitSchema>;
type ConfigObject = Record<string, unknown>;

/** The slice of JSON Schema that z.toJSONSchema writes for our configs. */
interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  prefixItems?: JsonSchema[];
  items?: JsonSchema | false;
  default?: unknown;
  description?: string;
  minimum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

const jsonSchemaOf = (schema: z.ZodType): JsonSchema => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (flag: string): string => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const typesOf = (s: JsonSchema): string[] =>
  s.anyOf ? s.anyOf.flatMap(typesOf) : s.enum ? ['enum'] : s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];

/** What a leaf takes, in words, for usage errors: "a positive integer", "one of exact, hnsw". */
function expected(s: JsonSchema): string {
  if (s.anyOf)
    return s.anyOf
      .filter((b) => b.type !== 'null')
      .map(expected)
      .join(' or ');
  if (s.enum) return `one of ${s.enum.join(', ')}`;
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  const positive = s.exclusiveMinimum === 0 || (s.minimum !== undefined && s.minimum >= 1);
  if (type === 'integer' && s.minimum !== undefined && s.minimum > 1) return `an integer >= ${s.minimum}`;
  if (type === 'integer') return positive ? 'a positive integer' : s.minimum === 0 ? 'a non-negative integer' : 'an integer';
  if (type === 'number' && s.exclusiveMinimum !== undefined && s.exclusiveMaximum !== undefined)
    return `a number between ${s.exclusiveMinimum} and ${s.exclusiveMaximum}, both excluded`;
  if (type === 'number')
    return positive || s.exclusiveMinimum === 0 ? 'a positive number' : s.minimum === 0 ? 'a non-negative number' : 'a number';
  if (type === 'boolean') return 'true or false';
  if (type === 'array') return 'a comma-separated list';
  return 'a string';
}

/** A command-line string as the leaf's type; what cannot be read is left as given, for the schema to refuse. */
function coerce(raw: unknown, s: JsonSchema): unknown {
  if (typeof raw !== 'string') return raw;
  const types = typesOf(s);
  const enums = s.anyOf ? s.anyOf.flatMap((b) => b.enum ?? []) : (s.enum ?? []);
  if (enums.includes(raw)) return raw;
  if (types.includes('null') && raw === 'null') return null;
  if ((types.includes('number') || types.includes('integer')) && raw.trim() !== '' && Number.isFinite(Number(raw))) return Number(raw);
  if (types.includes('boolean') && (raw === 'true' || raw === 'false')) return raw === 'true';
  if (types.includes('array')) {
    const item = s.prefixItems?.[0] ?? (s.items || {});
    return raw.split(',').map((part) => coerce(part.trim(), item));
  }
  return raw;
}

/** The schema node at `path` (object keys only), or null when no such key exists. */
function nodeAt(root: JsonSchema, path: readonly string[]): JsonSchema | null {
  let node: JsonSchema | undefined = root;
  for (const key of path) {
    node = node?.properties?.[key];
    if (!node) return null;
  }
  return node;
}

/** Every leaf key path of a config schema, with its node: for help, and to find a bare path's channel. */
function leaves(node: JsonSchema, prefix: string[] = []): { path: string[]; node: JsonSchema }[] {
  if (!node.properties) return prefix.length ? [{ path: prefix, node }] : [];
  return Object.entries(node.properties).flatMap(([key, child]) => leaves(child, [...prefix, key]));
}

/** Nested yargs values as dotted paths: { text: { idf: { minDf: '3' } } } -> [['text','idf','minDf'], '3']. */
function flatten(value: unknown, prefix: string[]): [string[], unknown][] {
  if (typeof value === 'object' && value !== null && !Array.isArray(value))
    return Object.entries(value).flatMap(([k, v]) => flatten(v, [...prefix, camel(k)]));
  return [[prefix, value]];
}

function setPath(target: ConfigObject, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as ConfigObject;
  node[path[path.length - 1]] = value;
}

const shown = (raw: unknown): string => (Array.isArray(raw) ? raw.join(' ') : String(raw));

export interface ParsedArgs {
  run: RunConfig;
  /** Per channel, the config keys the command line sets (already of their types). */
  overrides: Record<string, ConfigObject>;
}

/**
 * Parses `argv` once: yargs reads it (flags derived from the run schema, help included), the run keys
 * are validated by the run schema, and every other flag must name a key of a channel's feature config.
 */
export function parseArgs(
  name: string,
  description: string,
  channels: Readonly<Record<string, FeatureChoice>>,
  argv: readonly string[],
  schema: typeof runSchema | typeof submitSchema = runSchema,
): ParsedArgs {
  const runJson = jsonSchemaOf(schema);
  const env = {
    protocol: process.env.PRODMATCH_PROTOCOL,
    seed: process.env.PRODMATCH_SEED === undefined ? undefined : Number(process.env.PRODMATCH_SEED),
  };
  const flags = Object.fromEntries(
    Object.entries(runJson.properties ?? {}).map(([key, node]) => {
      const types = typesOf(node);
      const type = types.includes('boolean')
        ? 'boolean'
        : types.includes('array')
          ? 'string'
          : types.includes('number') || types.includes('integer')
            ? 'number'
            : 'string';
      const envDefault = env[key as keyof typeof env];
      const fallback = envDefault ?? node.default;
      return [
        kebab(key),
        {
          type,
          describe: node.description,
          ...(types.includes('array') ? { array: true } : {}),
          ...(node.enum ? { choices: node.enum as string[] } : {}),
          ...(fallback === undefined ? {} : { default: fallback }),
        },
      ] as const;
    }),
  );
  const channelJson = Object.fromEntries(Object.entries(channels).map(([channel, choice]) => [channel, jsonSchemaOf(choice.schema)]));
  const epilogue = Object.entries(channelJson)
    .map(([channel, json]) => {
      const written = channels[channel].config;
      const keys = leaves(json).map(({ path, node }) => {
        const set = path.reduce<unknown>((o, k) => (o as ConfigObject | undefined)?.[k], written);
        return `  --${channel}.${path.join('.')}  ${expected(node)}${node.default !== undefined ? ` [default: ${JSON.stringify(node.default)}]` : ''}${set !== undefined ? ` [this experiment: ${JSON.stringify(set)}]` : ''}`;
      });
      return `Channel "${channel}" (${channels[channel].feature}) config keys:\n${keys.join('\n')}`;
    })
    .join('\n\n');

  const parsed = yargs([...argv])
    .scriptName(name)
    .usage(`$0 [options]\n\n${description}`)
    .parserConfiguration({ 'parse-numbers': false, 'camel-case-expansion': false, 'dot-notation': true })
    .options(flags)
    .epilogue(`${epilogue}\n\nA bare key (--epochs 3) sets it in the one channel that has it.`)
    // Throw instead of printing usage and exiting, so callers (and tests) get one-line errors.
    .fail((message, error) => {
      throw error ?? new UsageError(message);
    })
    .help()
    .version(false)
    .parseSync();

  const run: ConfigObject = {};
  const overrides: Record<string, ConfigObject> = Object.fromEntries(Object.keys(channels).map((c) => [c, {}]));
  const rawOf = (flag: string): unknown => {
    const i = argv.findIndex((a) => a === `--${flag}` || a.startsWith(`--${flag}=`));
    return i < 0 ? undefined : argv[i].includes('=') ? argv[i].slice(flag.length + 3) : (argv[i + 1] ?? '');
  };
  for (const [key, value] of Object.entries(parsed)) {
    if (key === '_' || key === '$0' || value === undefined) continue;
    if (key in flags) {
      run[camel(key)] = value;
      continue;
    }
    for (const [path, raw] of flatten(value, [camel(key)])) {
      const [first, ...rest] = path;
      const named = first in channelJson && rest.length > 0;
      const owners = named ? [first] : Object.keys(channelJson).filter((c) => nodeAt(channelJson[c], path) !== null);
      const keyPath = named ? rest : path;
      const flag = `--${path.map(kebab).join('.')}`;
      if (owners.length === 0 || nodeAt(channelJson[owners[0]], keyPath) === null) {
        const where = named
          ? `channel "${first}" has no key ${keyPath.join('.')}`
          : `it is no run flag and no channel's config key (channels: ${Object.keys(channelJson).join(', ')})`;
        throw new UsageError(`${flag}: ${where}; see --help for the keys`);
      }
      if (owners.length > 1)
        throw new UsageError(
          `${flag}: channels ${owners.join(', ')} all have ${keyPath.join('.')}; name one, e.g. --${owners[0]}.${keyPath.join('.')}`,
        );
      const node = nodeAt(channelJson[owners[0]], keyPath) as JsonSchema;
      if (node.properties)
        throw new UsageError(
          `${flag} is a group of keys; set one of them, e.g. --${owners[0]}.${[...keyPath, Object.keys(node.properties)[0]].join('.')}`,
        );
      const value = coerce(Array.isArray(raw) ? raw[raw.length - 1] : raw, node);
      const check = channels[owners[0]].schema.safeParse(setNested({}, keyPath, value));
      const issue = check.success ? undefined : check.error.issues.find((i: z.core.$ZodIssue) => i.path.join('.') === keyPath.join('.'));
      if (issue) throw new UsageError(`${flag} must be ${expected(node)}, got "${shown(raw)}"`);
      setPath(overrides[owners[0]], keyPath, value);
    }
  }
  const result = schema.safeParse(run);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = String(issue.path[0]);
    const node = runJson.properties?.[key];
    const raw = rawOf(kebab(key)) ?? run[key];
    throw new UsageError(
      node
        ? `--${kebab(key)} must be ${issue.code === 'invalid_format' ? issue.message : expected(node)}, got "${shown(raw)}"`
        : `--${kebab(key)}: ${issuesLine(result.error)}`,
    );
  }
  return { run: result.data, overrides };
}

function setNested(target: ConfigObject, path: readonly string[], value: unknown): ConfigObject {
  setPath(target, path, value);
  return target;
}
