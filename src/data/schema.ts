import { type Static, Type } from '@sinclair/typebox';
import { StringEnum } from '../util/schema.js';
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
      description: 'Fraction of `source` rows for validation (taken from what is not test)',
    }),
    test: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0.2,
      description: 'Fraction of `source` rows held out for test',
    }),
    seed: Type.Integer({ default: 2019, description: 'Seed of the shuffle that makes the split' }),
    stratify: Type.Boolean({ default: false, description: 'Keep the label balance equal in every split' }),
  },
  { ...strict, default: {}, description: 'How one `source` file is split' },
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

export const DataSchema = Type.Object(
  {
    source: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'One labelled file, split by `split` into train/validation/test',
      }),
    ),
    train: Type.Optional(
      Type.String({ minLength: 1, description: 'Explicit training file (instead of `source`)' }),
    ),
    validation: Type.Optional(Type.String({ minLength: 1, description: 'Explicit validation file' })),
    test: Type.Optional(Type.String({ minLength: 1, description: 'Explicit test file' })),
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
  },
  { ...strict, default: {}, description: 'Where the pairs come from and how they become tensors' },
);

export type DataConfig = Static<typeof DataSchema>;
export type SplitConfig = Static<typeof SplitSchema>;
export type TokenizerConfig = Static<typeof TokenizerSchema>;
export type VocabularyConfig = Static<typeof VocabularySchema>;
export type EncodingConfig = Static<typeof EncodingSchema>;
export type DataFormat = (typeof DATA_FORMATS)[number];

/** Fields of the data section that hold file paths (rebased by the config loader). */
export const DATA_PATH_FIELDS = ['source', 'train', 'validation', 'test'] as const;
