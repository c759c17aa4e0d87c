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
import { type PairRow, type ReadReport, readPairs } from './read.js';
import type { DataConfig, EncodingConfig, SplitConfig, TokenizerConfig, VocabularyConfig } from './schema.js';
import { checkSplitFractions, DEFAULT_SPLIT, type Splits, splitRows } from './split.js';
import { DEFAULT_TOKENIZER, Tokenizer } from './tokenizer.js';
import { countTokens, DEFAULT_VOCABULARY, Vocabulary } from './vocabulary.js';

export interface LoadedDataset {
  splits: Splits<PairRow>;
  /** One report per file read, in the order source | train, validation, test. */
  reports: ReadReport[];
  /** sha256 (hex) over each file's bytes and role, the format, bad-row policy, limit and split settings. */
  fingerprint: string;
  /** `source`: one file split by fractions; `files`: explicit train/validation/test files. */
  mode: 'source' | 'files';
}

export interface LoadOptions {
  /** Directory relative paths start from (default: the current directory). */
  baseDir?: string;
}

/** sha256 of a file's bytes, streamed. */
export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A data config; omitted fields take the schema defaults (configs from the loader have them all). */
export type DataInput = Omit<Partial<DataConfig>, 'split' | 'tokenizer' | 'vocabulary' | 'encoding'> & {
  split?: Partial<SplitConfig>;
  tokenizer?: Partial<TokenizerConfig>;
  vocabulary?: Partial<VocabularyConfig>;
  encoding?: Partial<EncodingConfig>;
};

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
  };
  const settings: Record<string, unknown> = {
    format: read.format,
    onBadRow: read.onBadRow,
    limit: data.limit ?? null,
  };
  const files: { role: string; sha256: string }[] = [];
  const reports: ReadReport[] = [];

  const readOne = async (role: string, path: string) => {
    const file = at(path);
    const [result, sha256] = await Promise.all([readPairs(file, read), hashFile(file).catch(() => '')]);
    files.push({ role, sha256 });
    reports.push(result.report);
    return result.rows;
  };

  let splits: Splits<PairRow>;
  if (data.source !== undefined) {
    const split = { ...DEFAULT_SPLIT, ...data.split };
    checkSplitFractions(split);
    const rows = await readOne('source', data.source);
    const unlabelled = rows.findIndex((r) => r.label === null);
    if (unlabelled >= 0) {
      throw new DataError(
        'DATA_SOURCE_UNLABELLED',
        `${at(data.source)} has no labels (${reports[0]!.format}): a source to split must be labelled`,
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
      const path = data[role];
      if (path !== undefined) splits[role] = await readOne(role, path);
    }
  }
  const fingerprint = createHash('sha256').update(JSON.stringify({ files, settings })).digest('hex');
  return { splits, reports, fingerprint, mode: data.source !== undefined ? 'source' : 'files' };
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
}

/**
 * Builds the tokenizer and vocabulary from the training split (never validation/test: no leakage)
 * and encodes all splits; swap augmentation, when enabled, applies to the training split only.
 * With `options.vocabulary` (evaluation, prediction, resuming) that vocabulary and its saved
 * tokenizer settings are used instead of `data.tokenizer` / `data.vocabulary`.
 */
export function prepareDataset(
  splits: Splits<PairRow>,
  data: Pick<DataInput, 'tokenizer' | 'vocabulary' | 'encoding'>,
  options: {
    vocabulary?: Vocabulary;
    /** When building the vocabulary: a further test a token must pass (see Vocabulary.fromCounts). */
    keepToken?: (token: string, count: number) => boolean;
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
    );
    const map = new Int32Array(seen.length);
    for (const [t, id] of provisional) map[id] = vocab.idOf(t);
    vocabulary = vocab;
    train = encodeIdPairs(splits.train, (_row, which, r) => trainIds[2 * r + which]!, encoding, {
      augment: encoding.swapAugment,
      map,
    });
  }
  return {
    tokenizer,
    vocabulary,
    sequenceLength: sequenceLength(encoding),
    train,
    validation: encodePairs(splits.validation, tokenizer, vocabulary, encoding),
    test: encodePairs(splits.test, tokenizer, vocabulary, encoding),
  };
}
