/**
 * Token vocabulary, built from the training split only. Ids 0-2 are reserved (padding, out of
 * vocabulary, separator); the rest are tokens seen at least `minCount` times, most frequent first,
 * ties by token string (code-unit order) so the same data always give the same ids. `maxSize`
 * counts the reserved ids. The saved JSON carries the tokenizer config too, so evaluation and
 * prediction tokenize exactly as training did.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { DataError } from '../errors.js';
import type { TokenizerConfig, VocabularyConfig } from './schema.js';
import { DEFAULT_TOKENIZER, Tokenizer } from './tokenizer.js';

export const PAD_ID = 0;
export const OOV_ID = 1;
export const SEP_ID = 2;
export const RESERVED_TOKENS = ['<pad>', '<oov>', '<sep>'] as const;

export const DEFAULT_VOCABULARY: VocabularyConfig = { minCount: 1, maxSize: 10000 };

const FILE_KIND = 'qqp-vocabulary';
const FILE_VERSION = 1;

/** The JSON document `save` writes. */
export interface VocabularyFile {
  kind: typeof FILE_KIND;
  version: typeof FILE_VERSION;
  tokenizer: TokenizerConfig;
  vocabulary: VocabularyConfig;
  /** Token of each id (index = id), reserved tokens first. */
  tokens: string[];
  /** Training count of each id's token (0 for the reserved ids). */
  counts: number[];
}

/** Counts tokens over token lists (e.g. both questions of every training row). */
export function countTokens(
  lists: Iterable<string[]>,
  counts: Map<string, number> = new Map(),
): Map<string, number> {
  for (const list of lists) for (const t of list) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
}

export class Vocabulary {
  readonly tokens: readonly string[];
  readonly counts: readonly number[];
  readonly config: VocabularyConfig;
  readonly tokenizerConfig: TokenizerConfig;
  private readonly ids: Map<string, number>;

  private constructor(
    tokens: string[],
    counts: number[],
    config: VocabularyConfig,
    tokenizerConfig: TokenizerConfig,
  ) {
    this.tokens = tokens;
    this.counts = counts;
    this.config = config;
    this.tokenizerConfig = tokenizerConfig;
    this.ids = new Map(tokens.map((t, i) => [t, i]));
  }

  /** Builds from token counts of the training split. */
  static fromCounts(
    counts: Map<string, number>,
    config: Partial<VocabularyConfig> = {},
    tokenizerConfig: TokenizerConfig = DEFAULT_TOKENIZER,
    /** A further test a token must pass (e.g. has a pretrained vector, or is frequent). */
    keep?: (token: string, count: number) => boolean,
    /**
     * Words added after the chosen ones, in this order, beyond maxSize (vocabulary.pretrainedWords:
     * words with pretrained vectors); those already chosen, and the reserved tokens, are skipped.
     */
    extra: readonly string[] = [],
  ): Vocabulary {
    const cfg = { ...DEFAULT_VOCABULARY, ...config };
    const reserved = new Set<string>(RESERVED_TOKENS);
    const kept = [...counts].filter(
      ([t, c]) => c >= cfg.minCount && !reserved.has(t) && (keep === undefined || keep(t, c)),
    );
    kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const room = Math.max(0, cfg.maxSize - RESERVED_TOKENS.length);
    const chosen = kept.slice(0, room);
    const taken = new Set<string>([...reserved, ...chosen.map(([t]) => t)]);
    for (const t of extra) {
      if (taken.has(t)) continue;
      taken.add(t);
      chosen.push([t, counts.get(t) ?? 0]);
    }
    return new Vocabulary(
      [...RESERVED_TOKENS, ...chosen.map(([t]) => t)],
      [0, 0, 0, ...chosen.map(([, c]) => c)],
      cfg,
      { ...tokenizerConfig },
    );
  }

  /** Tokenizes the texts with `tokenizer` and builds from the counts. */
  static build(
    texts: Iterable<string>,
    config: Partial<VocabularyConfig> = {},
    tokenizer = new Tokenizer(),
  ): Vocabulary {
    const counts = new Map<string, number>();
    for (const text of texts) countTokens([tokenizer.tokenize(text)], counts);
    return Vocabulary.fromCounts(counts, config, tokenizer.config);
  }

  get size(): number {
    return this.tokens.length;
  }

  /** A tokenizer configured as the one this vocabulary was built with. */
  tokenizer(): Tokenizer {
    return new Tokenizer(this.tokenizerConfig);
  }

  idOf(token: string): number {
    return this.ids.get(token) ?? OOV_ID;
  }

  tokenOf(id: number): string | undefined {
    return this.tokens[id];
  }

  encode(tokens: readonly string[]): number[] {
    return tokens.map((t) => this.ids.get(t) ?? OOV_ID);
  }

  toJSON(): VocabularyFile {
    return {
      kind: FILE_KIND,
      version: FILE_VERSION,
      tokenizer: { ...this.tokenizerConfig },
      vocabulary: { ...this.config },
      tokens: [...this.tokens],
      counts: [...this.counts],
    };
  }

  /** Rebuilds from `toJSON()` output; `source` names the file in errors. */
  static fromJSON(doc: unknown, source = 'vocabulary'): Vocabulary {
    const bad = (what: string): never => {
      throw new DataError('DATA_VOCABULARY_CORRUPT', `${source} is not a valid qqp vocabulary: ${what}`, {
        suggestions: ['rebuild it by training again'],
      });
    };
    if (typeof doc !== 'object' || doc === null) return bad('not a JSON object');
    const d = doc as Partial<VocabularyFile>;
    if (d.kind !== FILE_KIND) return bad(`kind is ${JSON.stringify(d.kind)}, expected "${FILE_KIND}"`);
    if (d.version !== FILE_VERSION)
      return bad(`version ${JSON.stringify(d.version)} is not supported (expected ${FILE_VERSION})`);
    if (!Array.isArray(d.tokens) || !d.tokens.every((t) => typeof t === 'string'))
      return bad('tokens is not a list of strings');
    if (
      !Array.isArray(d.counts) ||
      d.counts.length !== d.tokens.length ||
      !d.counts.every((c) => Number.isInteger(c))
    ) {
      return bad('counts is not a list of integers as long as tokens');
    }
    if (RESERVED_TOKENS.some((t, i) => d.tokens![i] !== t))
      return bad(`the first tokens must be ${RESERVED_TOKENS.join(', ')}`);
    if (new Set(d.tokens).size !== d.tokens.length) return bad('a token appears twice');
    const t = d.tokenizer as Partial<TokenizerConfig> | undefined;
    if (
      !t ||
      typeof t.lowercase !== 'boolean' ||
      typeof t.splitPunctuation !== 'boolean' ||
      !['NFKC', 'NFC', 'none'].includes(t.normalize as string) ||
      !['keep', 'token', 'digits'].includes(t.numbers as string) ||
      ![undefined, 'keep', 'split'].includes(t.contractions)
    ) {
      return bad('tokenizer settings are missing or invalid');
    }
    const v = d.vocabulary as Partial<VocabularyConfig> | undefined;
    if (!v || !Number.isInteger(v.minCount) || !Number.isInteger(v.maxSize))
      return bad('vocabulary settings are missing');
    return new Vocabulary([...d.tokens], [...d.counts], v as VocabularyConfig, t as TokenizerConfig);
  }

  /** Writes the JSON atomically: a temporary file in the same directory, then a rename. */
  async save(path: string): Promise<void> {
    const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, `${JSON.stringify(this.toJSON())}\n`, 'utf8');
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw new DataError(
        'DATA_VOCABULARY_WRITE',
        `cannot write vocabulary ${path}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }

  static async load(path: string): Promise<Vocabulary> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new DataError(
        code === 'ENOENT' ? 'DATA_VOCABULARY_NOT_FOUND' : 'DATA_VOCABULARY_UNREADABLE',
        code === 'ENOENT'
          ? `vocabulary file not found: ${path}`
          : `cannot read vocabulary ${path}: ${(err as Error).message}`,
        { cause: err, suggestions: ['a vocabulary is saved by training next to the model'] },
      );
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new DataError('DATA_VOCABULARY_CORRUPT', `${path} is not valid JSON: ${(err as Error).message}`, {
        cause: err,
        suggestions: ['rebuild it by training again'],
      });
    }
    return Vocabulary.fromJSON(doc, path);
  }
}
