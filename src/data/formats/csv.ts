/**
 * The CSV formats: Kaggle's train.csv (`kaggle-csv`, labelled) and test.csv (`kaggle-test-csv`),
 * the Hugging Face `datasets` export of GLUE QQP (`hf-csv`), a minimal labelled CSV without ids
 * (`minimal-csv`), and any CSV whose columns `data.columns` names (`csv`). CSV goes through
 * csv-parse: quoted fields may hold commas, quotes and newlines.
 */
import { parse as parseCsv } from 'csv-parse';
import { type AddFields, delimitedFormat, headerOf, namesMapped, namesQuestions } from './delimited.js';
import { lineChunks } from './text.js';
import type { FileHead, FormatRecord, ReadContext } from './types.js';

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
async function* csvRecords(
  file: string,
  context: ReadContext,
  add: AddFields,
): AsyncGenerator<FormatRecord[]> {
  // Records the parser skipped, with the number of records it had emitted before each.
  const skipped: { after: number; endLine: number; code: string | undefined; message: string }[] = [];
  const parser = parseCsv({
    delimiter: ',',
    record_delimiter: '\n',
    relax_column_count: true,
    relax_quotes: true,
    skip_records_with_error: true,
    on_skip: (err) => {
      const e = err as (Error & { code?: string; records?: number; lines?: number }) | undefined;
      skipped.push({
        after: e?.records ?? Number.POSITIVE_INFINITY,
        endLine: e?.lines ?? 0,
        code: e?.code,
        message: e?.message ?? 'unreadable record',
      });
      return undefined;
    },
  });
  let next = 1;
  let emitted = 0;
  /** A skipped record as a bad row starting at `next`, over the lines up to where the parser stopped. */
  const unreadable = (s: (typeof skipped)[number]): FormatRecord => {
    const end = Math.max(next, s.endLine);
    const lines = end - next + 1;
    const error =
      s.code === 'CSV_QUOTE_NOT_CLOSED'
        ? `CSV syntax: a quoted field opened in this record is never closed, so lines ${next}-${end} (the rest of the file) are one unreadable record`
        : `CSV syntax: ${s.message}`;
    return { line: next, error, ...(lines > 1 ? { lines } : {}) };
  };
  const drain = (batch: FormatRecord[], record: string[] | null): void => {
    while (skipped.length > 0 && skipped[0]!.after <= emitted) {
      const s = skipped.shift()!;
      batch.push(unreadable(s));
      next = Math.max(next, s.endLine) + 1;
    }
    if (record === null) return;
    emitted++;
    const line = next;
    const lines = 1 + countLf(record);
    next += lines;
    if (record.length === 1 && record[0] === '') return;
    add(batch, line, record, lines);
  };
  try {
    for await (const chunk of lineChunks(file, context)) {
      // csv-parse transforms synchronously on write, so the records of this chunk can be read now.
      parser.write(chunk);
      const batch: FormatRecord[] = [];
      for (let r = parser.read() as string[] | null; r !== null; r = parser.read() as string[] | null)
        drain(batch, r);
      yield batch;
    }
    parser.end();
    const batch: FormatRecord[] = [];
    for await (const r of parser as AsyncIterable<string[]>) drain(batch, r);
    drain(batch, null);
    for (const s of skipped.splice(0)) {
      batch.push(unreadable(s));
      next = Math.max(next, s.endLine) + 1;
    }
    yield batch;
  } finally {
    parser.destroy();
  }
}

/** The names of a comma-separated first line, or undefined when it holds a tab (then it is TSV). */
function csvNames(head: FileHead): string[] | undefined {
  const { delimiter, names } = headerOf(head);
  return delimiter === ',' ? names : undefined;
}

const KAGGLE_HEADER = 'id,qid1,qid2,question1,question2,is_duplicate';
const HF_HEADER = 'question1,question2,label,idx';
const MINIMAL_HEADER = 'question1,question2,is_duplicate';

/** Whether the names hold an id column (any of its standard names). */
const namesId = (names: string[]) =>
  names.includes('id') || names.includes('test_id') || names.includes('idx');

export const kaggleCsv = delimitedFormat({
  name: 'kaggle-csv',
  labelled: true,
  expected: KAGGLE_HEADER,
  hint: { header: `${KAGGLE_HEADER} (Kaggle CSV)` },
  detect(head) {
    const names = csvNames(head);
    return (
      names !== undefined && namesQuestions(names) && names.includes('is_duplicate') && names.includes('id')
    );
  },
  // A Kaggle-like file without the id column (ids are then row numbers).
  accepts: (_head, detected) => detected === 'minimal-csv',
  split: csvRecords,
});

export const kaggleTestCsv = delimitedFormat({
  name: 'kaggle-test-csv',
  labelled: false,
  expected: 'test_id,question1,question2',
  detect(head) {
    const names = csvNames(head);
    return (
      names !== undefined &&
      namesQuestions(names) &&
      !names.includes('is_duplicate') &&
      !names.includes('label') &&
      (names.includes('test_id') || names.includes('id'))
    );
  },
  // A labelled file read as unlabelled: its label column is ignored.
  accepts: (_head, detected) =>
    detected === 'kaggle-csv' || detected === 'hf-csv' || detected === 'minimal-csv',
  split: csvRecords,
});

export const hfCsv = delimitedFormat({
  name: 'hf-csv',
  labelled: true,
  expected: `${HF_HEADER} (idx optional)`,
  hint: { header: `${HF_HEADER} (Hugging Face CSV export)` },
  detect(head) {
    const names = csvNames(head);
    return (
      names !== undefined &&
      namesQuestions(names) &&
      names.includes('label') &&
      !names.includes('is_duplicate')
    );
  },
  split: csvRecords,
});

export const minimalCsv = delimitedFormat({
  name: 'minimal-csv',
  labelled: true,
  expected: `${MINIMAL_HEADER} (no id column: ids are row numbers)`,
  hint: { header: `${MINIMAL_HEADER} (minimal CSV)` },
  detect(head) {
    const names = csvNames(head);
    return names !== undefined && namesQuestions(names) && names.includes('is_duplicate') && !namesId(names);
  },
  accepts: (_head, detected) => detected === 'kaggle-csv',
  split: csvRecords,
});

export const anyCsv = delimitedFormat({
  name: 'csv',
  labelled: true,
  expected:
    'a comma-separated header holding the columns data.columns names (default names question1, question2, is_duplicate or label, and optionally id or idx)',
  hint: { phrase: 'any CSV or TSV header, with data.columns naming its columns' },
  // Only with data.columns: a header of the user's own names.
  detect(head) {
    const names = csvNames(head);
    return names !== undefined && namesMapped(names, head.columns);
  },
  // Any comma-separated header: the columns are looked up by name when reading.
  accepts: (head) => csvNames(head) !== undefined,
  split: csvRecords,
});
