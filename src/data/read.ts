/**
 * Streaming readers for the QQP file formats. Bytes are read in chunks and cut at line ends, so a
 * 400k-row file never becomes one string; every physical line is checked for valid UTF-8 (invalid
 * bytes become U+FFFD and the line is counted, never a crash). CSV goes through csv-parse (quoted
 * fields may hold commas, quotes and newlines); TSV is split on tabs literally, because the QQP TSVs
 * are not quote-aware (a question may hold a lone `"`).
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { parse as parseCsv } from 'csv-parse';
import { DataError } from '../errors.js';
import type { DataFormat } from './schema.js';

/** One question pair. `line` is the 1-based physical line where the record starts. */
export interface PairRow {
  line: number;
  id: string;
  question1: string;
  question2: string;
  /** 1 duplicate, 0 not, null for unlabelled files (Kaggle test.csv, GLUE test.tsv). */
  label: 0 | 1 | null;
}

export interface BadRowSample {
  line: number;
  reason: string;
}

/** What reading one file found. Complete once the rows have been iterated to the end. */
export interface ReadReport {
  file: string;
  /** The concrete format (never `auto`). */
  format: Exclude<DataFormat, 'auto'>;
  /** Rows read successfully (bad rows excluded). */
  rows: number;
  badRows: number;
  /** The first `maxSamples` bad rows. */
  badRowSamples: BadRowSample[];
  /** Physical lines holding bytes that are not valid UTF-8 (decoded as U+FFFD). */
  invalidUtf8Lines: number;
  invalidUtf8Samples: number[];
  /** True when reading stopped at `limit` rows before the end of the file. */
  truncated: boolean;
}

export interface ReadOptions {
  format?: DataFormat;
  /** `skip` (default): report bad rows and go on; `error`: throw a DataError naming file:line. */
  onBadRow?: 'skip' | 'error';
  /** Stop after this many good rows. */
  limit?: number;
  /** How many bad rows / invalid UTF-8 lines to keep as samples (default 20). */
  maxSamples?: number;
  /**
   * Keep rows whose question is empty (prediction: every row of Kaggle's test.csv needs an answer,
   * and some have an empty question). Training and evaluation leave this off.
   */
  allowEmptyQuestions?: boolean;
}

type ConcreteFormat = ReadReport['format'];

interface FormatSpec {
  delimiter: ',' | '\t';
  header: boolean;
  labelled: boolean;
}

const FORMAT_SPECS: Record<ConcreteFormat, FormatSpec> = {
  'kaggle-csv': { delimiter: ',', header: true, labelled: true },
  'kaggle-test-csv': { delimiter: ',', header: true, labelled: false },
  'glue-tsv': { delimiter: '\t', header: true, labelled: true },
  'glue-test-tsv': { delimiter: '\t', header: true, labelled: false },
  'pairs-tsv': { delimiter: '\t', header: false, labelled: true },
};

/** Column positions of the fields we use; other columns (an unnamed index, extras) are ignored. */
interface Columns {
  id: number;
  question1: number;
  question2: number;
  label: number; // -1 when unlabelled
  count: number;
}

const PAIRS_COLUMNS: Columns = { label: 0, question1: 1, question2: 2, id: 3, count: 4 };
const CHUNK_SIZE = 1 << 20;
const MAX_LINE_BYTES = 16 * 2 ** 20;
const LF = 0x0a;
const CR = 0x0d;

// ---------------------------------------------------------------------------------------------------
// Format detection

function headerNames(line: string, delimiter: string): string[] {
  return line.split(delimiter).map((f) =>
    f
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase(),
  );
}

function formatFromHeader(firstLine: string): ConcreteFormat | undefined {
  const delimiter = firstLine.includes('\t') ? '\t' : ',';
  const names = headerNames(firstLine, delimiter);
  const hasQuestions = names.includes('question1') && names.includes('question2');
  if (delimiter === '\t') {
    if (hasQuestions) return names.includes('is_duplicate') ? 'glue-tsv' : 'glue-test-tsv';
    const fields = firstLine.split('\t');
    if (fields.length === 4 && /^[01]$/.test(fields[0]!.trim())) return 'pairs-tsv';
    return undefined;
  }
  if (!hasQuestions) return undefined;
  if (names.includes('is_duplicate')) return 'kaggle-csv';
  if (names.includes('test_id') || names.includes('id')) return 'kaggle-test-csv';
  return undefined;
}

/** Finds the used columns in a header, or says what is missing. */
function columnsFromHeader(names: string[], labelled: boolean): Columns | string {
  const idName = names.includes('id') ? 'id' : names.includes('test_id') ? 'test_id' : undefined;
  const wanted = ['question1', 'question2', ...(labelled ? ['is_duplicate'] : [])];
  const missing = wanted.filter((n) => !names.includes(n));
  if (!idName) missing.unshift(labelled ? 'id' : 'test_id (or id)');
  if (missing.length > 0) return `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`;
  return {
    id: names.indexOf(idName!),
    question1: names.indexOf('question1'),
    question2: names.indexOf('question2'),
    label: labelled ? names.indexOf('is_duplicate') : -1,
    count: names.length,
  };
}

const EXPECTED_HEADER: Record<ConcreteFormat, string> = {
  'kaggle-csv': 'id,qid1,qid2,question1,question2,is_duplicate',
  'kaggle-test-csv': 'test_id,question1,question2',
  'glue-tsv': 'id<TAB>qid1<TAB>qid2<TAB>question1<TAB>question2<TAB>is_duplicate',
  'glue-test-tsv': 'id<TAB>question1<TAB>question2',
  'pairs-tsv': 'no header; rows label<TAB>question1<TAB>question2<TAB>id',
};

function shown(line: string): string {
  const s = line.replace(/\t/g, '<TAB>');
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
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

/** Reads the first line (without BOM and line end) of a file. */
async function readFirstLine(file: string): Promise<string> {
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
    return line.endsWith('\r') ? line.slice(0, -1) : line;
  } finally {
    await fh.close();
  }
}

/**
 * Detects the format of a file from its first line, or checks an explicit one against it.
 * Throws a DataError naming the file and showing the header when they disagree or nothing fits.
 */
export async function detectFormat(file: string, format: DataFormat = 'auto'): Promise<ConcreteFormat> {
  await checkFile(file);
  const first = await readFirstLine(file);
  const detected = formatFromHeader(first);
  if (format === 'auto') {
    if (detected) return detected;
    throw new DataError(
      'DATA_FORMAT_UNKNOWN',
      `cannot tell the format of ${file} from its first line: ${shown(first)}`,
      {
        suggestions: [
          `expected a header like ${EXPECTED_HEADER['kaggle-csv']} (Kaggle CSV) or ${EXPECTED_HEADER['glue-tsv']} (GLUE/Quora TSV), or headerless rows label<TAB>question1<TAB>question2<TAB>id`,
          'or set data.format / --format explicitly',
        ],
      },
    );
  }
  const ok =
    detected === format ||
    // An explicit format may be more permissive than detection: a labelled header read as unlabelled
    // (its label column ignored), or a headerless TSV whose first row detection could not classify.
    (format === 'kaggle-test-csv' && detected === 'kaggle-csv') ||
    (format === 'glue-test-tsv' && detected === 'glue-tsv') ||
    (format === 'pairs-tsv' && detected === undefined && first.includes('\t'));
  if (!ok) {
    throw new DataError(
      'DATA_FORMAT_MISMATCH',
      `${file} does not look like ${format}: its first line is ${shown(first)}${detected ? ` (looks like ${detected})` : ''}`,
      {
        suggestions: [
          `${format} expects ${EXPECTED_HEADER[format]}`,
          detected ? `use format ${detected} or auto` : 'use format auto to detect it',
        ],
      },
    );
  }
  return format;
}

// ---------------------------------------------------------------------------------------------------
// Byte chunks cut at line ends, with UTF-8 checking per physical line

interface LineTracker {
  /** Number of physical lines fully consumed so far. */
  lines: number;
  invalid: number;
  samples: number[];
  maxSamples: number;
}

/** Removes each CR that precedes an LF (CRLF files), so line counting and csv-parse see LF only. */
function stripCr(buf: Buffer): Buffer {
  if (!buf.includes(CR)) return buf;
  const out = Buffer.allocUnsafe(buf.length);
  let n = 0;
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i]!;
    if (b === CR && (i + 1 === buf.length || buf[i + 1] === LF)) continue;
    out[n++] = b;
  }
  return out.subarray(0, n);
}

/** Counts the lines in `buf` (which ends at a line end, or at EOF) and notes those not valid UTF-8. */
function trackLines(buf: Buffer, t: LineTracker, atEof: boolean): void {
  const valid = isUtf8(buf);
  let start = 0;
  while (start < buf.length) {
    let end = buf.indexOf(LF, start);
    if (end < 0) {
      if (!atEof) break;
      end = buf.length;
    }
    t.lines++;
    if (!valid && !isUtf8(buf.subarray(start, end))) {
      t.invalid++;
      if (t.samples.length < t.maxSamples) t.samples.push(t.lines);
    }
    start = end + 1;
  }
}

/**
 * Yields the file's bytes in chunks that end at a line end (LF bytes never occur inside a multi-byte
 * UTF-8 sequence, so a chunk always decodes on its own), BOM and CRs before LFs removed.
 */
async function* lineChunks(file: string, tracker: LineTracker): AsyncGenerator<Buffer> {
  let carry: Buffer | undefined;
  let first = true;
  for await (const raw of createReadStream(file, { highWaterMark: CHUNK_SIZE })) {
    let buf = carry ? Buffer.concat([carry, raw as Buffer]) : (raw as Buffer);
    if (first) {
      first = false;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    }
    const cut = buf.lastIndexOf(LF);
    if (cut < 0) {
      // A line this long is not a question pair (a binary file?); stop before memory grows.
      if (buf.length > MAX_LINE_BYTES) {
        throw new DataError(
          'DATA_LINE_TOO_LONG',
          `${file}:${tracker.lines + 1}: a line longer than ${MAX_LINE_BYTES / 2 ** 20} MB: is this a CSV/TSV text file?`,
        );
      }
      carry = buf;
      continue;
    }
    carry = cut + 1 < buf.length ? buf.subarray(cut + 1) : undefined;
    const part = stripCr(buf.subarray(0, cut + 1));
    trackLines(part, tracker, false);
    yield part;
  }
  if (carry && carry.length > 0) {
    const part = stripCr(carry);
    trackLines(part, tracker, true);
    yield part;
  }
}

// ---------------------------------------------------------------------------------------------------
// Rows

/** A parsed record, or a record the CSV parser could not read (`error`). */
interface RawRecord {
  line: number;
  fields: string[];
  error?: string;
}

/** TSV records: one per non-empty physical line, fields split on tabs, no quoting; one batch per chunk. */
async function* tsvBatches(file: string, tracker: LineTracker): AsyncGenerator<RawRecord[]> {
  let line = 0;
  for await (const chunk of lineChunks(file, tracker)) {
    const batch: RawRecord[] = [];
    let start = 0;
    while (start < chunk.length) {
      let end = chunk.indexOf(LF, start);
      if (end < 0) end = chunk.length;
      line++;
      if (end > start) batch.push({ line, fields: chunk.toString('utf8', start, end).split('\t') });
      start = end + 1;
    }
    yield batch;
  }
}

function countLf(fields: string[]): number {
  let n = 0;
  for (const f of fields) for (let i = f.indexOf('\n'); i >= 0; i = f.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * CSV records through csv-parse, one batch per chunk written. A record starts on the line after the
 * previous one ends and spans 1 + (LFs inside its quoted fields) lines, so line numbers are counted
 * here rather than with csv-parse's `info`/`raw`/`on_record` options, which cost more than the
 * parsing itself on a 400k-row file. Empty lines come through as one empty field and are dropped.
 */
async function* csvBatches(file: string, tracker: LineTracker): AsyncGenerator<RawRecord[]> {
  // Records the parser skipped, with the number of records it had emitted before each.
  const skipped: { after: number; endLine: number; reason: string }[] = [];
  const parser = parseCsv({
    delimiter: ',',
    record_delimiter: '\n',
    relax_column_count: true,
    relax_quotes: true,
    skip_records_with_error: true,
    on_skip: (err) => {
      const e = err as (Error & { records?: number; lines?: number }) | undefined;
      skipped.push({
        after: e?.records ?? Number.POSITIVE_INFINITY,
        endLine: e?.lines ?? 0,
        reason: `CSV syntax: ${e?.message ?? 'unreadable record'}`,
      });
      return undefined;
    },
  });
  let next = 1;
  let emitted = 0;
  const drain = (batch: RawRecord[], record: string[] | null): void => {
    while (skipped.length > 0 && skipped[0]!.after <= emitted) {
      const s = skipped.shift()!;
      batch.push({ line: next, fields: [], error: s.reason });
      next = Math.max(next, s.endLine) + 1;
    }
    if (record === null) return;
    emitted++;
    const line = next;
    next += 1 + countLf(record);
    if (record.length === 1 && record[0] === '') return;
    batch.push({ line, fields: record });
  };
  try {
    for await (const chunk of lineChunks(file, tracker)) {
      // csv-parse transforms synchronously on write, so the records of this chunk can be read now.
      parser.write(chunk);
      const batch: RawRecord[] = [];
      for (let r = parser.read() as string[] | null; r !== null; r = parser.read() as string[] | null)
        drain(batch, r);
      yield batch;
    }
    parser.end();
    const batch: RawRecord[] = [];
    for await (const r of parser as AsyncIterable<string[]>) drain(batch, r);
    drain(batch, null);
    for (const s of skipped.splice(0)) batch.push({ line: next, fields: [], error: s.reason });
    yield batch;
  } finally {
    parser.destroy();
  }
}

/** A live row stream and its report (complete once `rows` or `batches` has been iterated to the end). */
export interface PairStream {
  format: ConcreteFormat;
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
  const format = await detectFormat(file, options.format ?? 'auto');
  const spec = FORMAT_SPECS[format];
  const maxSamples = options.maxSamples ?? 20;
  const onBadRow = options.onBadRow ?? 'skip';
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const report: ReadReport = {
    file,
    format,
    rows: 0,
    badRows: 0,
    badRowSamples: [],
    invalidUtf8Lines: 0,
    invalidUtf8Samples: [],
    truncated: false,
  };
  const tracker: LineTracker = { lines: 0, invalid: 0, samples: report.invalidUtf8Samples, maxSamples };

  const bad = (line: number, reason: string): void => {
    if (onBadRow === 'error') {
      throw new DataError('DATA_BAD_ROW', `${file}:${line}: ${reason}`, {
        suggestions: ['fix or remove the row, or set data.onBadRow: skip to skip and report such rows'],
      });
    }
    report.badRows++;
    if (report.badRowSamples.length < maxSamples) report.badRowSamples.push({ line, reason });
  };

  async function* batches(): AsyncGenerator<PairRow[]> {
    let columns: Columns | undefined = spec.header ? undefined : PAIRS_COLUMNS;
    const source = spec.delimiter === '\t' ? tsvBatches(file, tracker) : csvBatches(file, tracker);
    try {
      for await (const records of source) {
        const out: PairRow[] = [];
        for (const rec of records) {
          if (rec.error !== undefined) {
            bad(rec.line, rec.error);
            continue;
          }
          if (!columns) {
            const names = rec.fields.map((f) =>
              f
                .trim()
                .replace(/^"(.*)"$/, '$1')
                .toLowerCase(),
            );
            const found = columnsFromHeader(names, spec.labelled);
            if (typeof found === 'string') {
              throw new DataError('DATA_BAD_HEADER', `${file}:${rec.line}: header ${found} for ${format}`, {
                suggestions: [`${format} expects ${EXPECTED_HEADER[format]}`],
              });
            }
            columns = found;
            continue;
          }
          const row = toRow(rec, columns, spec.labelled, options.allowEmptyQuestions);
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
        report.invalidUtf8Lines = tracker.invalid;
        if (out.length > 0) yield out;
        if (report.truncated) break;
      }
    } finally {
      report.invalidUtf8Lines = tracker.invalid;
    }
  }

  async function* rows(): AsyncGenerator<PairRow> {
    for await (const batch of batchStream) yield* batch;
  }
  const batchStream = batches();
  return { format, rows: rows(), batches: batchStream, report };
}

function toRow(rec: RawRecord, c: Columns, labelled: boolean, allowEmpty = false): PairRow | string {
  const f = rec.fields;
  if (f.length < c.count) return `expected ${c.count} fields, found ${f.length}`;
  // Headerless pairs rows have exactly 4 fields; more means a tab inside a question or a broken line.
  if (c === PAIRS_COLUMNS && f.length > c.count) return `expected ${c.count} fields, found ${f.length}`;
  const question1 = f[c.question1]!.trim();
  const question2 = f[c.question2]!.trim();
  if (question1 === '' && !allowEmpty) return 'question1 is empty';
  if (question2 === '' && !allowEmpty) return 'question2 is empty';
  let label: 0 | 1 | null = null;
  if (labelled) {
    const l = f[c.label]!.trim();
    if (l === '0') label = 0;
    else if (l === '1') label = 1;
    else return `label must be 0 or 1, found ${JSON.stringify(l.length > 20 ? `${l.slice(0, 20)}...` : l)}`;
  }
  return { line: rec.line, id: f[c.id]!.trim(), question1, question2, label };
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
