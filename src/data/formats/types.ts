/**
 * What a data format is to the reader (src/data/read.ts): one entry of the list in index.ts. An
 * entry says what the format is called, whether its rows carry labels, how a file of it is
 * recognised from its first bytes, what it expects (for messages), and how to read its records.
 *
 * A format reads records only: checking files, detecting and checking the format, trimming fields,
 * refusing empty questions and labels other than 0/1, bad-row handling, `limit` and the report are
 * the reader's, the same for every format.
 */

import type { ColumnMapping, UsedColumns } from './columns.js';

/** The start of a file, for detection. */
export interface FileHead {
  /** The first line, decoded as UTF-8, without BOM and line end. */
  firstLine: string;
  /** The first bytes of the file as read (the whole first line unless it is over 4 MB; BOM kept). */
  bytes: Buffer;
  /** `data.columns`, when set: formats read by any header recognise a file by these names. */
  columns?: ColumnMapping;
}

/**
 * One record of a file: the fields of a question pair as they stand in the file (not trimmed, not
 * checked), or why the record could not be read. `line` is the 1-based physical line where it
 * starts (for a format without lines, its 1-based position).
 */
export type FormatRecord = (
  | {
      line: number;
      id: string;
      question1: string;
      question2: string;
      /** The label as written; absent for an unlabelled format. */
      label?: string;
      /** The values of the extra columns asked for (`ReadContext.findExtra`), by requested name. */
      extra?: Record<string, string>;
    }
  | { line: number; error: string }
) &
  RecordSpan;

/**
 * How far a record reaches, for formats whose quoted fields may hold line breaks: the reader
 * takes a record over many lines for a likely broken quote (see `maxRecordLines` in read.ts).
 */
export interface RecordSpan {
  /** Physical lines the record covers (absent: 1). */
  lines?: number;
  /** The field holding the most line breaks (a column name, or `field N`), when `lines` > 1. */
  field?: string;
}

/** What a format's reader is given besides the file. */
export interface ReadContext {
  /** Counts a line (or record) holding bytes that are not valid UTF-8 (decoded as U+FFFD). */
  invalidUtf8(line: number): void;
  /** `data.columns`: the user's names for the fields (formats that name their columns). */
  columns?: ColumnMapping;
  /** Tells the reader which columns the fields come from, once the format knows (before any record). */
  useColumns(used: UsedColumns): void;
  /**
   * Present when the reader was asked for extra columns (`ReadOptions.extraColumns`, e.g. for error
   * analysis by slice): a format gives it the file's column names once it knows them (null for a
   * format without names), before any record, and puts the value of each column returned, at its
   * index, in the records' `extra` under its `name`. Missing columns are the reader's to report.
   */
  findExtra?(names: readonly string[] | null): ExtraColumn[];
}

/** An extra column found in a file: the name it was asked for and its position among the names. */
export interface ExtraColumn {
  name: string;
  index: number;
}

/** The record `extra` of the found extra columns, from a value getter by position. */
export function extraOf(
  found: readonly ExtraColumn[],
  value: (index: number) => string | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of found) out[c.name] = value(c.index) ?? '';
  return out;
}

export interface FormatEntry<Name extends string = string> {
  /** The `data.format` value (and `--format`). */
  readonly name: Name;
  /** Rows carry a 0/1 label; else every row's label is null. */
  readonly labelled: boolean;
  /** The first line is a header, not a row (row estimates from line counts leave it out). */
  readonly header: boolean;
  /**
   * What a record's number counts: physical lines (text formats), or rows (`row`: a format without
   * lines, such as Parquet; the number is the 1-based row). Absent: lines.
   */
  readonly position?: 'line' | 'row';
  /** What a file of this format looks like, for messages: `<name> expects <expected>`. */
  readonly expected: string;
  /**
   * How the message for a file that no format recognises names this one, if at all: among the
   * headers it lists (`a header like <header> or ...`), or as a phrase of its own.
   */
  readonly hint?: { header: string } | { phrase: string };
  /** Whether a file starting so is of this format (`auto` takes the first entry that says yes). */
  detect(head: FileHead): boolean;
  /**
   * Whether `format: <name>`, given explicitly, reads a file that detection took for `detected`
   * (undefined: for none). Absent: only files detected as this format.
   */
  accepts?(head: FileHead, detected: string | undefined): boolean;
  /** The number of rows, for progress, where lines do not tell it (absent: lines, minus a header). */
  countRows?(file: string): Promise<number>;
  /** The file's records in batches (any size, empty allowed), in file order. */
  records(file: string, context: ReadContext): AsyncIterable<FormatRecord[]>;
}
