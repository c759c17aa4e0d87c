/**
 * The trainer's entry points. `loadDataset` reads the files a `data:` config names and returns
 * the train/validation/test rows, the read reports and a fingerprint; `prepareDataset` builds the
 * tokenizer and vocabulary from the training split only (or reuses a saved vocabulary) and encodes
 * every split.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError, DataError } from '../errors.js';
import { DEFAULT_ENCODING, type EncodedPairs, encodeIdPairs, encodePairs, sequenceLength } from './encode.js';
import {
  type FeatureStats,
  type FittingVectors,
  featuresOn,
  fitFeatures,
  PairFeaturizer,
} from './features.js';
import { formatEntry } from './formats/index.js';
import { type PairRow, type ReadReport, readPairs } from './read.js';
import {
  type DataConfig,
  dataFiles,
  type EncodingConfig,
  type FeaturesConfig,
  type SplitConfig,
  type TokenizerConfig,
  type VocabularyConfig,
} from './schema.js';
import { checkSplitFractions, DEFAULT_SPLIT, type Splits, splitRows } from './split.js';
import { DEFAULT_TOKENIZER, Tokenizer } from './tokenizer.js';
import { countTokens, DEFAULT_VOCABULARY, Vocabulary } from './vocabulary.js';

export interface LoadedDataset {
  splits: Splits<PairRow>;
  /** One report per file read, in the order source | train, validation, test (each list in order). */
  reports: ReadReport[];
  /** The role each report's file was read for (`source`, `train`, `validation`, `test`), in the same order. */
  roles: string[];
  /**
   * sha256 (hex) over each file's bytes and role, the format, bad-row policy, limit, split settings
   * and the column mapping, dedupe and test-overlap settings when set.
   */
  fingerprint: string;
  /** `source`: labelled file(s) split by fractions; `files`: explicit train/validation/test files. */
  mode: 'source' | 'files';
  /** Pairs left out by `dedupe` and `dropTestOverlap` (present when either is on). */
  dropped?: DroppedPairs;
  /** With explicit files: the validation split was held out of the training rows (`split.validation`). */
  validationFromTrain?: boolean;
}

/** What `dedupe` and `dropTestOverlap` left out, per split. */
export interface DroppedPairs {
  /** Pairs whose questions an earlier training or validation pair already has. */
  duplicates: { train: number; validation: number };
  /** Pairs either of whose questions is in the test split. */
  testOverlap: { train: number; validation: number };
}

export interface LoadOptions {
  /** Directory relative paths start from (default: the current directory). */
  baseDir?: string;
  /**
   * Extra columns to carry on the rows (`PairRow.extra`, see ReadOptions.extraColumns), for error
   * analysis. They change neither the rows, their order, the splits nor the fingerprint.
   */
  extraColumns?: readonly string[];
}

/** sha256 of a file's bytes, streamed. */
export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A data config; omitted fields take the schema defaults (configs from the loader have them all). */
export type DataInput = Omit<
  Partial<DataConfig>,
  'split' | 'tokenizer' | 'vocabulary' | 'encoding' | 'dedupe' | 'dropTestOverlap' | 'features'
> & {
  features?: Partial<FeaturesConfig>;
  split?: Partial<SplitConfig>;
  tokenizer?: Partial<TokenizerConfig>;
  vocabulary?: Partial<VocabularyConfig>;
  encoding?: Partial<EncodingConfig>;
  dedupe?: boolean;
  dropTestOverlap?: boolean;
};

/** A question as compared for `dedupe` and `dropTestOverlap`: trimmed, lower-cased, spaces collapsed. */
export function normalizedText(q: string): string {
  return q.trim().toLowerCase().replace(/\s+/g, ' ');
}

export async function loadDataset(data: DataInput, options: LoadOptions = {}): Promise<LoadedDataset> {
  const base = options.baseDir ?? process.cwd();
  const at = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const explicit = (['train', 'validation', 'test'] as const).filter((k) => data[k] !== undefined);
  if (data.source !== undefined && explicit.length > 0) {
    throw new ConfigError(
      'DATA_SOURCE_CONFLICT',
      `data.source and data.${explicit.join('/data.')} are both set: use one labelled source file (split by data.split) or explicit files, not both`,
      { suggestions: ['remove data.source, or remove the explicit train/validation/test files'] },
    );
  }
  if (data.source === undefined && explicit.length === 0) {
    throw new ConfigError(
      'DATA_NO_FILES',
      'the data section names no file: set data.source, or data.train (with data.validation / data.test)',
      {
        suggestions: ['e.g. data: { source: data/qqp/train.csv }'],
      },
    );
  }
  const read = {
    format: data.format ?? 'auto',
    onBadRow: data.onBadRow ?? 'skip',
    ...(data.limit !== undefined ? { limit: data.limit } : {}),
    ...(data.columns !== undefined ? { columns: data.columns } : {}),
  };
  // Settings are added only when set, so runs recorded before they existed keep their fingerprint.
  const settings: Record<string, unknown> = {
    format: read.format,
    onBadRow: read.onBadRow,
    limit: data.limit ?? null,
  };
  if (data.columns !== undefined) settings.columns = data.columns;
  if (data.dedupe) settings.dedupe = true;
  if (data.dropTestOverlap) settings.dropTestOverlap = true;
  const files: { role: string; sha256: string }[] = [];
  const reports: ReadReport[] = [];
  // Not part of `read` (nor the fingerprint): what is carried along is not what is read.
  const extraColumns = options.extraColumns ?? [];

  // split.validationFrom: the training file the validation rows are held out of, and its rows.
  const validationFrom = data.source === undefined ? data.split?.validationFrom : undefined;
  const fromIndex =
    validationFrom === undefined ? -1 : dataFiles(data.train).findIndex((p) => at(p) === at(validationFrom));
  const fromRows = new Set<PairRow>();
  /** Reads a role's file(s), in order, as one list of rows. */
  const readRole = async (role: string, value: string | readonly string[]) => {
    const rows: PairRow[] = [];
    for (const [index, path] of dataFiles(value).entries()) {
      const file = at(path);
      const [result, sha256] = await Promise.all([
        readPairs(file, extraColumns.length > 0 ? { ...read, extraColumns } : read),
        hashFile(file).catch(() => ''),
      ]);
      files.push({ role, sha256 });
      reports.push(result.report);
      for (const r of result.rows) rows.push(r);
      if (role === 'train' && index === fromIndex) for (const r of result.rows) fromRows.add(r);
    }
    return rows;
  };

  let splits: Splits<PairRow>;
  let validationFromTrain = false;
  if (data.source !== undefined) {
    const split = { ...DEFAULT_SPLIT, ...data.split };
    checkSplitFractions(split);
    const rows = await readRole('source', data.source);
    const unlabelled = reports.find((r) => !formatEntry(r.format).labelled);
    if (unlabelled !== undefined) {
      throw new DataError(
        'DATA_SOURCE_UNLABELLED',
        `${unlabelled.file} has no labels (${unlabelled.format}): a source to split must be labelled`,
        {
          suggestions: ['use the labelled train file as data.source; give unlabelled files to prediction'],
        },
      );
    }
    splits = splitRows(rows, split);
    settings.split = split;
  } else {
    splits = { train: [], validation: [], test: [] };
    for (const role of ['train', 'validation', 'test'] as const) {
      const value = data[role];
      if (value !== undefined) splits[role] = await readRole(role, value);
    }
  }
  const dropped = data.dedupe || data.dropTestOverlap ? dropPairs(splits, data) : undefined;
  if (data.source === undefined && data.validation === undefined && (data.split?.validation ?? 0) > 0) {
    // Explicit files without a validation file: hold out `split.validation` of the training rows
    // (after dedupe and the test overlap are dropped, so the held-out rows are clean too).
    // With split.validationFrom, out of that one file's rows only (the rest all train).
    const split = { ...DEFAULT_SPLIT, ...data.split };
    const v = split.validation;
    if (validationFrom !== undefined && fromIndex < 0) {
      throw new ConfigError(
        'DATA_VALIDATION_FROM',
        `data.split.validationFrom (${validationFrom}) is not one of the training files (data.train)`,
        { suggestions: [`name one of: ${dataFiles(data.train).join(', ')}`] },
      );
    }
    const pool = validationFrom === undefined ? splits.train : splits.train.filter((r) => fromRows.has(r));
    const held = splitRows(pool, {
      train: 1 - v,
      validation: v,
      test: 0,
      seed: split.seed,
      stratify: split.stratify,
    });
    const out = new Set(held.validation);
    splits = {
      // The rest in a seeded order as held.train is (the files one after the other would leave a
      // shuffle buffer shorter than the data with batches of one file at a time).
      train:
        validationFrom === undefined
          ? held.train
          : splitRows(
              splits.train.filter((r) => !out.has(r)),
              { train: 1, validation: 0, test: 0, seed: split.seed },
            ).train,
      validation: held.validation,
      test: splits.test,
    };
    settings.validationFromTrain = {
      fraction: v,
      seed: split.seed,
      stratify: split.stratify,
      // Added only when set, so older runs keep their fingerprint.
      ...(validationFrom !== undefined ? { fromTrainFile: fromIndex } : {}),
    };
    validationFromTrain = true;
  }
  const fingerprint = createHash('sha256').update(JSON.stringify({ files, settings })).digest('hex');
  return {
    splits,
    reports,
    roles: files.map((f) => f.role),
    fingerprint,
    mode: data.source !== undefined ? 'source' : 'files',
    ...(dropped ? { dropped } : {}),
    ...(validationFromTrain ? { validationFromTrain } : {}),
  };
}

/**
 * Leaves out, in place, the training and validation pairs `dedupe` and `dropTestOverlap` drop:
 * duplicates first (training rows before validation rows, the first of equal pairs kept), then the
 * pairs sharing a question with the test split.
 */
function dropPairs(
  splits: Splits<PairRow>,
  data: Pick<DataInput, 'dedupe' | 'dropTestOverlap'>,
): DroppedPairs {
  const dropped: DroppedPairs = {
    duplicates: { train: 0, validation: 0 },
    testOverlap: { train: 0, validation: 0 },
  };
  const seen = new Set<string>();
  const test = new Set<string>();
  if (data.dropTestOverlap) {
    for (const r of splits.test) {
      test.add(normalizedText(r.question1));
      test.add(normalizedText(r.question2));
    }
  }
  for (const role of ['train', 'validation'] as const) {
    splits[role] = splits[role].filter((r) => {
      const q1 = normalizedText(r.question1);
      const q2 = normalizedText(r.question2);
      if (data.dedupe) {
        const key = q1 < q2 ? `${q1}\u0000${q2}` : `${q2}\u0000${q1}`;
        if (seen.has(key)) {
          dropped.duplicates[role]++;
          return false;
        }
        seen.add(key);
      }
      if (data.dropTestOverlap && (test.has(q1) || test.has(q2))) {
        dropped.testOverlap[role]++;
        return false;
      }
      return true;
    });
  }
  return dropped;
}

/**
 * What `dedupe` and `dropTestOverlap` left out, as lines for people (nothing when nothing was
 * dropped). `mode` says whether the test pairs come from a file or a split of `source`.
 */
export function describeDropped(
  d: DroppedPairs | undefined,
  mode: LoadedDataset['mode'] = 'files',
): string[] {
  if (d === undefined) return [];
  const out: string[] = [];
  const pairs = (n: number, which: string) => `${n} ${which} ${n === 1 ? 'pair' : 'pairs'}`;
  for (const role of ['train', 'validation'] as const) {
    const which = role === 'train' ? 'training' : 'validation';
    if (d.duplicates[role] > 0)
      out.push(`dropped ${pairs(d.duplicates[role], which)} repeating an earlier pair (data.dedupe)`);
    if (d.testOverlap[role] > 0) {
      out.push(
        `dropped ${pairs(d.testOverlap[role], which)} whose text is in the test ${mode === 'files' ? 'file' : 'split'} (data.dropTestOverlap)`,
      );
    }
  }
  return out;
}

/** Token counts of the training rows (both questions), as the vocabulary would count them. */
export function trainTokenCounts(
  rows: readonly PairRow[],
  tokenizerConfig: Partial<TokenizerConfig> | undefined,
): Map<string, number> {
  const tokenizer = new Tokenizer({ ...DEFAULT_TOKENIZER, ...tokenizerConfig });
  const counts = new Map<string, number>();
  for (const row of rows)
    countTokens([tokenizer.tokenize(row.question1), tokenizer.tokenize(row.question2)], counts);
  return counts;
}

export interface PreparedDataset {
  tokenizer: Tokenizer;
  vocabulary: Vocabulary;
  sequenceLength: number;
  train: EncodedPairs;
  validation: EncodedPairs;
  test: EncodedPairs;
  /** The pair-feature statistics (data.features), fitted on the training split or given; else null. */
  features: FeatureStats | null;
}

/**
 * Builds the tokenizer and vocabulary from the training split (never validation/test: no leakage)
 * and encodes all splits; swap augmentation, when enabled, applies to the training split only.
 * With `options.vocabulary` (evaluation, prediction, resuming) that vocabulary and its saved
 * tokenizer settings are used instead of `data.tokenizer` / `data.vocabulary`.
 * With `data.features`, the feature statistics are fitted on the training split (or
 * `options.features`, a run's saved ones, are used) and every split gets its extra inputs.
 */
export function prepareDataset(
  splits: Splits<PairRow>,
  data: Pick<DataInput, 'tokenizer' | 'vocabulary' | 'encoding' | 'features'>,
  options: {
    vocabulary?: Vocabulary;
    /** Feature statistics to use instead of fitting them (eval, predict, resume). */
    features?: FeatureStats;
    /** Pretrained vectors of the training words, for vector features (data.features.vectors). */
    featureVectors?: FittingVectors;
    /** When building the vocabulary: a further test a token must pass (see Vocabulary.fromCounts). */
    keepToken?: (token: string, count: number) => boolean;
    /** When building the vocabulary: words added after the training words (see Vocabulary.fromCounts). */
    extraTokens?: readonly string[];
  } = {},
): PreparedDataset {
  const encoding = { ...DEFAULT_ENCODING, ...data.encoding };
  let vocabulary = options.vocabulary;
  let tokenizer: Tokenizer;
  let train: EncodedPairs;
  if (vocabulary) {
    tokenizer = vocabulary.tokenizer();
    train = encodePairs(splits.train, tokenizer, vocabulary, encoding, { augment: encoding.swapAugment });
  } else {
    if (splits.train.length === 0) {
      throw new DataError('DATA_EMPTY_TRAIN', 'the training split has no rows: cannot build a vocabulary', {
        suggestions: ['check data.source / data.train and data.split.train'],
      });
    }
    tokenizer = new Tokenizer({ ...DEFAULT_TOKENIZER, ...data.tokenizer });
    // Tokenize the training rows once: provisional ids (first-seen order) and their counts, then
    // the vocabulary, then a provisional -> vocabulary id table for encoding.
    const provisional = new Map<string, number>();
    const seen: number[] = [];
    const trainIds: Int32Array[] = new Array(splits.train.length * 2);
    splits.train.forEach((row, r) => {
      for (const which of [0, 1] as const) {
        const tokens = tokenizer.tokenize(which === 0 ? row.question1 : row.question2);
        const ids = new Int32Array(tokens.length);
        for (let i = 0; i < tokens.length; i++) {
          const t = tokens[i]!;
          let id = provisional.get(t);
          if (id === undefined) {
            id = seen.length;
            provisional.set(t, id);
            seen.push(0);
          }
          seen[id]!++;
          ids[i] = id;
        }
        trainIds[2 * r + which] = ids;
      }
    });
    const counts = new Map<string, number>();
    for (const [t, id] of provisional) counts.set(t, seen[id]!);
    const vocab = Vocabulary.fromCounts(
      counts,
      { ...DEFAULT_VOCABULARY, ...data.vocabulary },
      tokenizer.config,
      options.keepToken,
      options.extraTokens,
    );
    const map = new Int32Array(seen.length);
    for (const [t, id] of provisional) map[id] = vocab.idOf(t);
    vocabulary = vocab;
    train = encodeIdPairs(splits.train, (_row, which, r) => trainIds[2 * r + which]!, encoding, {
      augment: encoding.swapAugment,
      map,
    });
  }
  let validation = encodePairs(splits.validation, tokenizer, vocabulary, encoding);
  let test = encodePairs(splits.test, tokenizer, vocabulary, encoding);
  let features: FeatureStats | null = null;
  if (featuresOn(data.features) || options.features) {
    // Fitted on the training rows only: validation and test never reach the statistics.
    features =
      options.features ?? fitFeatures(splits.train, tokenizer, data.features, options.featureVectors);
    const featurizer = new PairFeaturizer(features, tokenizer, options.featureVectors?.vectors);
    train = featurizer.encode(train, splits.train, encoding);
    validation = featurizer.encode(validation, splits.validation, encoding);
    test = featurizer.encode(test, splits.test, encoding);
  }
  return {
    tokenizer,
    vocabulary,
    sequenceLength: sequenceLength(encoding),
    train,
    validation,
    test,
    features,
  };
}
