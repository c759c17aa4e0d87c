/**
 * Streaming readers for the QQP file formats (each format an entry of src/data/formats/): the file
 * is checked, its format detected from its first line (or an explicit one checked against it), and
 * the format's records become `PairRow`s here, the same way for every format: fields trimmed, empty
 * questions and labels other than 0/1 reported as bad rows (or an error), records over more than
 * `maxRecordLines` lines (a likely broken quote) reported as suspect fields and skipped as bad
 * rows, `limit` applied, and bad rows and lines of invalid UTF-8 counted in a `ReadReport`. Memory
 * stays bounded whatever the file size.
 */
import { open, stat } from 'node:fs/promises';
import { DataError } from '../errors.js';
import { printable } from '../util/text.js';
import { type ColumnMapping, columnKey, describeColumns, type UsedColumns } from './formats/columns.js';
import { detectFormatOf, FORMATS, type FormatName, formatEntry } from './formats/index.js';
import { LF } from './formats/text.js';
import type { ExtraColumn, FileHead, FormatRecord, ReadContext } from './formats/types.js';
import type { DataFormat } from './schema.js';

/** One question pair. `line` is the 1-based physical line where the record starts. */
export interface PairRow {
  line: number;
  id: string;
  question1: string;
  question2: string;
  /** 1 duplicate, 0 not, null for unlabelled files (Kaggle test.csv, GLUE test.tsv). */
  label: 0 | 1 | null;
  /**
   * The values (trimmed) of the extra columns the read was asked for (`ReadOptions.extraColumns`)
   * that the file has, by the name asked for; absent when none was asked for or the file has none.
   */
  extra?: Record<string, string>;
}

export interface BadRowSample {
  line: number;
  reason: string;
}

/**
 * A record over more lines than a question pair has: most likely a quote opened and not closed
 * where it should be, so that the following lines (rows) were read into one field. Always also a
 * bad row (skipped, or an error with `onBadRow: error`): its text is not a question.
 */
export interface SuspectField {
  /** The line where the record starts (the broken quote is on it). */
  line: number;
  /** Physical lines the record covers, from `line`. */
  lines: number;
  /** The field holding the line breaks (column name), when the record could be split into fields. */
  field?: string;
}

/**
 * A record over more physical lines than this is a suspect field (a bad row). Real QQP questions
 * hold a line break or two at most (the first 10,000 Kaggle rows: one question with one).
 */
export const MAX_RECORD_LINES = 5;

/** What a read skipped or decoded with replacements, with the first few of each (file order). */
export interface SkippedRows {
  /** Rows not used (bad rows and suspect fields). */
  badRows: number;
  /** The first bad rows, with line and reason. */
  badRowSamples: BadRowSample[];
  /** Bad rows that are records over more than `maxRecordLines` lines (likely broken quotes). */
  suspectFields: number;
  suspectFieldSamples: SuspectField[];
  /** Physical lines holding bytes that are not valid UTF-8 (decoded as U+FFFD; the rows are kept). */
  invalidUtf8Lines: number;
  invalidUtf8Samples: number[];
  /**
   * What the sample numbers count: physical lines, or rows (1-based) of a format without lines
   * (Parquet). Absent (records of older runs): lines.
   */
  position?: 'line' | 'row';
}

/** What reading one file found. Complete once the rows have been iterated to the end. */
export interface ReadReport extends SkippedRows {
  file: string;
  /** The concrete format (never `auto`). */
  format: FormatName;
  /** The columns each field was read from (null until the format has found them). */
  columns: UsedColumns | null;
  /** Rows read successfully (bad rows excluded). */
  rows: number;
  /** True when reading stopped at `limit` rows before the end of the file. */
  truncated: boolean;
  /**
   * With `extraColumns`: the file's column names (null: a format without names, such as headerless
   * TSV) and the extra columns asked for that it lacks (null until the format has found them).
   */
  extra?: { names: string[] | null; missing: string[] } | null;
}

export interface ReadOptions {
  format?: DataFormat;
  /** `skip` (default): report bad rows and go on; `error`: throw a DataError naming file:line. */
  onBadRow?: 'skip' | 'error';
  /** Stop after this many good rows. */
  limit?: number;
  /** How many bad rows / suspect fields / invalid UTF-8 lines to keep as samples (default 20). */
  maxSamples?: number;
  /** A record over more physical lines than this is a suspect field and a bad row (default `MAX_RECORD_LINES`). */
  maxRecordLines?: number;
  /**
   * Keep rows whose question is empty (prediction: every row of Kaggle's test.csv needs an answer,
   * and some have an empty question). Training and evaluation leave this off.
   */
  allowEmptyQuestions?: boolean;
  /** `data.columns`: the user's names of the columns (formats that name their columns). */
  columns?: ColumnMapping;
  /**
   * Further columns to carry on each row as `PairRow.extra` (matched like data.columns: trimmed,
   * case-insensitive), e.g. a `kind` column for error analysis. Training asks for none. Values are
   * shared strings (one per distinct value), so a 400k-row file costs a pointer a row per column.
   */
  extraColumns?: readonly string[];
}

// ---------------------------------------------------------------------------------------------------
// Format detection

function shown(line: string): string {
  const short = line.length > 120 ? `${line.slice(0, 117)}...` : line;
  // A data file's bytes reach the terminal here: escape control characters (terminal escapes).
  return printable(short.replace(/\t/g, '<TAB>'));
}

async function checkFile(file: string): Promise<void> {
  let size: number;
  try {
    const s = await stat(file);
    if (s.isDirectory()) {
      throw new DataError('DATA_FILE_IS_DIRECTORY', `${file} is a directory, not a data file`, {
        suggestions: ['name a .csv or .tsv file, e.g. train.csv'],
      });
    }
    size = s.size;
  } catch (err) {
    if (err instanceof DataError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new DataError('DATA_FILE_NOT_FOUND', `data file not found: ${file}`, {
        suggestions: ['check the path (relative paths start at the current directory)'],
      });
    }
    throw new DataError('DATA_FILE_UNREADABLE', `cannot read ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (size === 0) {
    throw new DataError('DATA_FILE_EMPTY', `${file} is empty: expected a header or rows of question pairs`);
  }
}

/** Reads the start of a file: its first bytes, and its first line without BOM and line end. */
async function readHead(file: string): Promise<FileHead> {
  const fh = await open(file, 'r');
  try {
    let buf = Buffer.alloc(0);
    const chunk = Buffer.alloc(64 * 1024);
    while (buf.length < 4 * 1024 * 1024) {
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, buf.length);
      if (bytesRead === 0) break;
      buf = Buffer.concat([buf, chunk.subarray(0, bytesRead)]);
      if (buf.includes(LF)) break;
    }
    const end = buf.indexOf(LF);
    let line = buf.subarray(0, end < 0 ? buf.length : end).toString('utf8');
    if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    return { firstLine: line.endsWith('\r') ? line.slice(0, -1) : line, bytes: buf };
  } finally {
    await fh.close();
  }
}

/**
 * What a file of no known format should look like, from the formats' hints: `a header like A or
 * B, or <phrase>, or <phrase>`.
 */
function expectedOfAny(): string {
  const headers: string[] = [];
  const phrases: string[] = [];
  for (const f of FORMATS) {
    const hint: { header?: string; phrase?: string } | undefined = f.hint;
    if (hint?.header !== undefined) headers.push(hint.header);
    if (hint?.phrase !== undefined) phrases.push(hint.phrase);
  }
  return [...(headers.length > 0 ? [`a header like ${headers.join(' or ')}`] : []), ...phrases].join(', or ');
}

/**
 * Detects the format of a file from its first line, or checks an explicit one against it.
 * Throws a DataError naming the file and showing the header when they disagree or nothing fits.
 */
export async function detectFormat(
  file: string,
  format: DataFormat = 'auto',
  columns?: ColumnMapping,
): Promise<FormatName> {
  await checkFile(file);
  const head = await readHead(file);
  if (columns !== undefined) head.columns = columns;
  const first = head.firstLine;
  const detected = detectFormatOf(head)?.name;
  if (format === 'auto') {
    if (detected) return detected;
    throw new DataError(
      'DATA_FORMAT_UNKNOWN',
      `cannot tell the format of ${file} from its first line: ${shown(first)}`,
      {
        suggestions: [`expected ${expectedOfAny()}`, 'or set data.format / --format explicitly'],
      },
    );
  }
  const entry = formatEntry(format);
  // An explicit format may be more permissive than detection (see each entry's `accepts`).
  const ok = detected === format || (entry.accepts?.(head, detected) ?? false);
  if (!ok) {
    throw new DataError(
      'DATA_FORMAT_MISMATCH',
      `${file} does not look like ${format}: its first line is ${shown(first)}${detected ? ` (looks like ${detected})` : ''}`,
      {
        suggestions: [
          `${format} expects ${entry.expected}`,
          detected ? `use format ${detected} or auto` : 'use format auto to detect it',
        ],
      },
    );
  }
  return format;
}

// ---------------------------------------------------------------------------------------------------
// Rows

/** A live row stream and its report (complete once `rows` or `batches` has been iterated to the end). */
export interface PairStream {
  format: FormatName;
  /** Whether the format's rows carry labels (else every row's label is null). */
  labelled: boolean;
  /** Good rows one by one. */
  rows: AsyncGenerator<PairRow>;
  /** The same rows in batches (one per chunk read): fewer awaits for bulk consumers. Use one of the two. */
  batches: AsyncGenerator<PairRow[]>;
  report: ReadReport;
}

/**
 * Opens a file for streaming: detects (or checks) the format, then yields good rows.
 * Memory stays bounded whatever the file size; collect with `readPairs` when all rows are needed.
 */
export async function streamPairs(file: string, options: ReadOptions = {}): Promise<PairStream> {
  const format = await detectFormat(file, options.format ?? 'auto', options.columns);
  const entry = formatEntry(format);
  const position = entry.position ?? 'line';
  const maxSamples = options.maxSamples ?? 20;
  const onBadRow = options.onBadRow ?? 'skip';
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const maxRecordLines = options.maxRecordLines ?? MAX_RECORD_LINES;
  const report: ReadReport = {
    file,
    format,
    columns: null,
    position,
    rows: 0,
    badRows: 0,
    badRowSamples: [],
    suspectFields: 0,
    suspectFieldSamples: [],
    invalidUtf8Lines: 0,
    invalidUtf8Samples: [],
    truncated: false,
  };
  const extraColumns = [...new Set(options.extraColumns ?? [])];
  if (extraColumns.length > 0) report.extra = null;
  /** One string per distinct extra value (values of a 400k-row file would otherwise each be kept). */
  const values = new Map<string, string>();
  const intern = (v: string): string => {
    const t = v.trim();
    const known = values.get(t);
    if (known !== undefined) return known;
    values.set(t, t);
    return t;
  };
  const context: ReadContext = {
    invalidUtf8(line: number): void {
      report.invalidUtf8Lines++;
      if (report.invalidUtf8Samples.length < maxSamples) report.invalidUtf8Samples.push(line);
    },
    useColumns(used: UsedColumns): void {
      report.columns = used;
    },
    ...(options.columns !== undefined ? { columns: options.columns } : {}),
    ...(extraColumns.length > 0
      ? {
          findExtra(names: readonly string[] | null): ExtraColumn[] {
            const keys = names?.map(columnKey) ?? [];
            const found: ExtraColumn[] = [];
            const missing: string[] = [];
            for (const name of extraColumns) {
              const index = keys.indexOf(columnKey(name));
              if (index >= 0) found.push({ name, index });
              else missing.push(name);
            }
            report.extra = { names: names === null ? null : [...names], missing };
            return found;
          },
        }
      : {}),
  };

  const bad = (line: number, reason: string): void => {
    if (onBadRow === 'error') {
      const where = position === 'row' ? `${file} row ${line}` : `${file}:${line}`;
      throw new DataError('DATA_BAD_ROW', `${where}: ${reason}`, {
        suggestions: ['fix or remove the row, or set data.onBadRow: skip to skip and report such rows'],
      });
    }
    report.badRows++;
    if (report.badRowSamples.length < maxSamples) report.badRowSamples.push({ line, reason });
  };

  async function* batches(): AsyncGenerator<PairRow[]> {
    for await (const records of entry.records(file, context)) {
      const out: PairRow[] = [];
      for (const rec of records) {
        const lines = rec.lines ?? 1;
        if (lines > maxRecordLines) {
          report.suspectFields++;
          if (report.suspectFieldSamples.length < maxSamples) {
            report.suspectFieldSamples.push({
              line: rec.line,
              lines,
              ...(rec.field !== undefined ? { field: rec.field } : {}),
            });
          }
          bad(rec.line, 'error' in rec ? rec.error : suspectReason(rec.line, lines, rec.field));
          continue;
        }
        const row = toRow(rec, entry.labelled, options.allowEmptyQuestions, intern);
        if (typeof row === 'string') {
          bad(rec.line, row);
          continue;
        }
        if (report.rows >= limit) {
          report.truncated = true;
          break;
        }
        report.rows++;
        out.push(row);
      }
      if (out.length > 0) yield out;
      if (report.truncated) break;
    }
  }

  async function* rows(): AsyncGenerator<PairRow> {
    for await (const batch of batchStream) yield* batch;
  }
  const batchStream = batches();
  return { format, labelled: entry.labelled, rows: rows(), batches: batchStream, report };
}

function suspectReason(line: number, lines: number, field: string | undefined): string {
  return `${field ?? 'a field'} runs over ${lines} lines (lines ${line}-${line + lines - 1}): likely a quote not closed on line ${line}, which took the next lines in as text`;
}

/** A record as a row, or why it is a bad row. */
function toRow(
  rec: FormatRecord,
  labelled: boolean,
  allowEmpty: boolean | undefined,
  intern: (value: string) => string,
): PairRow | string {
  if ('error' in rec) return rec.error;
  const question1 = rec.question1.trim();
  const question2 = rec.question2.trim();
  if (question1 === '' && allowEmpty !== true) return 'question1 is empty';
  if (question2 === '' && allowEmpty !== true) return 'question2 is empty';
  let label: 0 | 1 | null = null;
  if (labelled) {
    const l = (rec.label ?? '').trim();
    if (l === '0') label = 0;
    else if (l === '1') label = 1;
    else return `label must be 0 or 1, found ${JSON.stringify(l.length > 20 ? `${l.slice(0, 20)}...` : l)}`;
  }
  const row: PairRow = { line: rec.line, id: rec.id.trim(), question1, question2, label };
  if (rec.extra !== undefined) {
    const extra: Record<string, string> = {};
    for (const [k, v] of Object.entries(rec.extra)) extra[k] = intern(v);
    row.extra = extra;
  }
  return row;
}

/** Reads a whole file into memory (rows plus report). */
export async function readPairs(
  file: string,
  options: ReadOptions = {},
): Promise<{ rows: PairRow[]; report: ReadReport }> {
  const stream = await streamPairs(file, options);
  const rows: PairRow[] = [];
  for await (const batch of stream.batches) for (const row of batch) rows.push(row);
  return { rows, report: stream.report };
}

/** The first `max` samples of each kind, for records (run.json, eval-*.json) and results. */
export function skippedRows(report: SkippedRows, max = 10): SkippedRows {
  return {
    badRows: report.badRows,
    badRowSamples: report.badRowSamples.slice(0, max),
    suspectFields: report.suspectFields,
    suspectFieldSamples: report.suspectFieldSamples.slice(0, max),
    invalidUtf8Lines: report.invalidUtf8Lines,
    invalidUtf8Samples: report.invalidUtf8Samples.slice(0, max),
    ...(report.position === 'row' ? { position: 'row' as const } : {}),
  };
}

/** A list of line (or row) numbers, `, ...` when there are more than shown. */
function lineList(lines: readonly number[], total: number, unit: 'line' | 'row' = 'line'): string {
  return `${unit}${total > 1 ? 's' : ''} ${lines.join(', ')}${total > lines.length ? ', ...' : ''}`;
}

/**
 * What a read skipped, as lines for people (screen, train.log): nothing when nothing was skipped;
 * else the count with the first line numbers, one line per sample with its reason, and the lines of
 * invalid UTF-8. Runs recorded before samples were kept have counts only (the samples optional).
 */
export function describeSkipped(
  file: string,
  s: Pick<SkippedRows, 'badRows' | 'invalidUtf8Lines'> & Partial<SkippedRows>,
  max = 5,
): string[] {
  const out: string[] = [];
  const unit = s.position ?? 'line';
  const samples = (s.badRowSamples ?? []).slice(0, max);
  if (s.badRows > 0) {
    const where =
      samples.length > 0
        ? ` (${lineList(
            samples.map((b) => b.line),
            s.badRows,
            unit,
          )})`
        : '';
    const n = s.suspectFields ?? 0;
    const which = n === s.badRows ? (n === 1 ? 'it is' : 'all are') : `${n} ${n === 1 ? 'is' : 'are'}`;
    const from = s.suspectFieldSamples?.slice(0, max).map((f) => f.line) ?? [];
    const suspect =
      n > 0
        ? `; ${which} a record over many lines, likely a broken quote${from.length > 0 ? ` (starting on ${lineList(from, n)})` : ''}`
        : '';
    out.push(`${file}: ${s.badRows} bad row${s.badRows > 1 ? 's' : ''} skipped${where}${suspect}`);
    for (const b of samples) out.push(`  ${unit} ${b.line}: ${b.reason}`);
    if (samples.length > 0 && s.badRows > samples.length)
      out.push(`  ... and ${s.badRows - samples.length} more`);
  }
  if (s.invalidUtf8Lines > 0) {
    const lines = s.invalidUtf8Samples?.slice(0, max) ?? [];
    out.push(
      `${file}: ${s.invalidUtf8Lines} line${s.invalidUtf8Lines > 1 ? 's' : ''} of invalid UTF-8 read with U+FFFD in place of the bad bytes${lines.length > 0 ? ` (${lineList(lines, s.invalidUtf8Lines)})` : ''}`,
    );
  }
  return out;
}

/** The first bad rows in a message: `, first: line 4 (reason); line 9 (reason)`, or nothing. */
export function firstBadRows(s: Pick<SkippedRows, 'badRowSamples' | 'position'>, max = 3): string {
  const unit = s.position ?? 'line';
  const shown = s.badRowSamples.slice(0, max).map((b) => `${unit} ${b.line} (${b.reason})`);
  return shown.length > 0 ? `, first: ${shown.join('; ')}` : '';
}

/**
 * A file read, for people: `train data/a.tsv: pairs-tsv, 1,000 rows (question1=field 2, ...)`,
 * saying which format and which columns were used.
 */
export function describeFile(f: {
  file: string;
  role?: string;
  format: string;
  rows: number;
  columns?: UsedColumns | null;
}): string {
  const rows = `${f.rows.toLocaleString('en-US')} row${f.rows === 1 ? '' : 's'}`;
  const columns = f.columns ? ` (${describeColumns(f.columns)})` : '';
  return `${f.role ? `${f.role} ` : ''}${f.file}: ${f.format}, ${rows}${columns}`;
}
