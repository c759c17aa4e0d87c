/**
 * Summary of one data file (`qqp data stats`): rows, label balance, question lengths in tokens,
 * the share of questions `encoding.maxLength` would cut, vocabulary size, bad rows (suspect fields
 * among them) and invalid UTF-8 lines. Streams the file,
 * so any size works.
 */
import { DEFAULT_ENCODING } from './encode.js';
import type { ColumnMapping, UsedColumns } from './formats/columns.js';
import { type SkippedRows, streamPairs } from './read.js';
import type { DataFormat, TokenizerConfig } from './schema.js';
import { Tokenizer } from './tokenizer.js';

export interface DataStats extends SkippedRows {
  file: string;
  format: Exclude<DataFormat, 'auto'>;
  /** The columns each field was read from (null: none found, an empty file). */
  columns: UsedColumns | null;
  rows: number;
  labelled: number;
  unlabelled: number;
  duplicates: number;
  /** duplicates / labelled, or null without labelled rows. */
  duplicateRate: number | null;
  /** Tokens per question (both questions of every row), nearest-rank percentiles. */
  questionTokens: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Questions longer than `maxLength` tokens, which encoding would cut, and their share of all. */
  cutByMaxLength: { maxLength: number; questions: number; share: number };
  tokenizer: TokenizerConfig;
  minCount: number;
  /** Distinct tokens seen at least minCount times (reserved ids not included). */
  vocabularySize: number;
}

export interface StatsOptions {
  /** skip (and report) bad rows, or stop at the first with its line (default skip). */
  onBadRow?: 'skip' | 'error';
  format?: DataFormat;
  minCount?: number;
  tokenizer?: Partial<TokenizerConfig>;
  /** How many bad-row / suspect-field / invalid-line samples to keep (default 10). */
  maxSamples?: number;
  /** The file's column names for the fields (as `data.columns`). */
  columns?: ColumnMapping;
  /** The `encoding.maxLength` whose cuts to count (default the config default, 20). */
  maxLength?: number;
}

/** Nearest-rank percentile of sorted values (0 for none). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export async function computeStats(file: string, options: StatsOptions = {}): Promise<DataStats> {
  const minCount = options.minCount ?? 1;
  const tokenizer = new Tokenizer(options.tokenizer);
  const stream = await streamPairs(file, {
    format: options.format ?? 'auto',
    onBadRow: options.onBadRow ?? 'skip',
    maxSamples: options.maxSamples ?? 10,
    ...(options.columns !== undefined ? { columns: options.columns } : {}),
  });
  const counts = new Map<string, number>();
  let lengths = new Uint32Array(1 << 16);
  let n = 0;
  let labelled = 0;
  let duplicates = 0;
  for await (const batch of stream.batches) {
    for (const row of batch) {
      if (row.label !== null) labelled++;
      if (row.label === 1) duplicates++;
      for (const q of [row.question1, row.question2]) {
        const tokens = tokenizer.tokenize(q);
        for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
        if (n === lengths.length) {
          const grown = new Uint32Array(lengths.length * 2);
          grown.set(lengths);
          lengths = grown;
        }
        lengths[n++] = tokens.length;
      }
    }
  }
  const sorted = lengths.subarray(0, n).sort();
  let total = 0;
  for (const v of sorted) total += v;
  const maxLength = options.maxLength ?? DEFAULT_ENCODING.maxLength;
  let cut = 0;
  for (let i = n - 1; i >= 0 && sorted[i]! > maxLength; i--) cut++;
  let vocabularySize = 0;
  for (const c of counts.values()) if (c >= minCount) vocabularySize++;
  const r = stream.report;
  return {
    file,
    format: r.format,
    columns: r.columns,
    rows: r.rows,
    labelled,
    unlabelled: r.rows - labelled,
    duplicates,
    duplicateRate: labelled > 0 ? duplicates / labelled : null,
    questionTokens: {
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      max: n > 0 ? sorted[n - 1]! : 0,
      mean: n > 0 ? Math.round((total / n) * 100) / 100 : 0,
    },
    cutByMaxLength: { maxLength, questions: cut, share: n > 0 ? cut / n : 0 },
    tokenizer: tokenizer.config,
    minCount,
    vocabularySize,
    badRows: r.badRows,
    badRowSamples: r.badRowSamples,
    suspectFields: r.suspectFields,
    suspectFieldSamples: r.suspectFieldSamples,
    invalidUtf8Lines: r.invalidUtf8Lines,
    invalidUtf8Samples: r.invalidUtf8Samples,
    ...(r.position === 'row' ? { position: 'row' as const } : {}),
  };
}
