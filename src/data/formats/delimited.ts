/**
 * What the delimited-text formats (csv.ts, tsv.ts) share: reading a header line, finding the used
 * columns in it, and `delimitedFormat`, which makes a format entry from a splitter (bytes to records
 * of fields) and a column layout.
 */
import { DataError } from '../../errors.js';
import { type ColumnMapping, columnKey, findColumns, missingText, type UsedColumns } from './columns.js';
import {
  type ExtraColumn,
  extraOf,
  type FileHead,
  type FormatEntry,
  type FormatRecord,
  type ReadContext,
  type RecordSpan,
} from './types.js';

/**
 * Column positions of the fields used; other columns (an unnamed index, extras) are ignored unless
 * asked for as extra columns (`ReadContext.findExtra`).
 */
export interface Columns {
  /** -1 when the file has no id column (ids are row numbers). */
  id: number;
  question1: number;
  question2: number;
  /** -1 when unlabelled. */
  label: number;
  count: number;
}

/**
 * A first line read as a header: its delimiter (a tab if it holds one, else a comma), its names
 * (trimmed, unquoted, lower-cased) and its raw fields.
 */
export function headerOf(head: FileHead): { delimiter: '\t' | ','; names: string[]; fields: string[] } {
  const delimiter = head.firstLine.includes('\t') ? '\t' : ',';
  const fields = head.firstLine.split(delimiter);
  return { delimiter, names: fields.map(columnKey), fields };
}

/** Whether header names hold both question columns. */
export function namesQuestions(names: string[]): boolean {
  return names.includes('question1') && names.includes('question2');
}

/** Whether header names hold every column `data.columns` maps (false without a mapping). */
export function namesMapped(names: string[], mapping: ColumnMapping | undefined): boolean {
  if (mapping === undefined) return false;
  const mapped = Object.values(mapping).filter((v): v is string => v !== undefined);
  return mapped.length > 0 && mapped.every((m) => names.includes(columnKey(m)));
}

/** A header's fields for a message: `a, b, c` (at most 12, shortened). */
function headerList(fields: readonly string[]): string {
  const shown = fields.slice(0, 12).map((f) => {
    const t = f.trim();
    return t.length > 40 ? `${t.slice(0, 37)}...` : t === '' ? '(empty)' : t;
  });
  return `${shown.join(', ')}${fields.length > 12 ? ', ...' : ''}`;
}

/**
 * How a splitter hands over a record it read as fields: added to `batch` as a row's fields, or as a
 * bad row (a wrong number of fields); the header is taken in and adds nothing. `lines` is how many
 * physical lines the record covers (more than 1 when quoted fields hold line breaks). Records a
 * splitter cannot read it adds itself, as `{ line, error }`.
 */
export type AddFields = (batch: FormatRecord[], line: number, fields: string[], lines?: number) => void;

function countLf(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** The span of a record over `lines` lines: with the field holding the most line breaks, named. */
function spanOf(fields: string[], lines: number, name: (index: number) => string): RecordSpan {
  if (lines <= 1) return {};
  let most = 0;
  let at = 0;
  fields.forEach((f, i) => {
    const n = countLf(f);
    if (n > most) {
      most = n;
      at = i;
    }
  });
  return { lines, field: name(at) };
}

export interface DelimitedSpec<Name extends string> extends Omit<FormatEntry<Name>, 'records' | 'header'> {
  /**
   * The columns of a file without a header (its rows must have exactly `count` fields); absent: the
   * first record is a header naming them (rows may have more fields), found by `findColumns`.
   */
  columns?: Columns;
  /** Reads the file's records, in batches, handing each record of fields to `add`. */
  split(file: string, context: ReadContext, add: AddFields): AsyncIterable<FormatRecord[]>;
}

/** The used columns of a headerless layout, by position: `field 1`, `field 2`, ... */
function fixedNames(c: Columns): UsedColumns {
  const at = (i: number) => (i >= 0 ? `field ${i + 1}` : null);
  return { question1: at(c.question1)!, question2: at(c.question2)!, label: at(c.label), id: at(c.id) };
}

/** A format entry that reads a delimited text file through `split`, by header or fixed columns. */
export function delimitedFormat<const Name extends string>(spec: DelimitedSpec<Name>): FormatEntry<Name> {
  const { columns: fixed, split, ...entry } = spec;
  const { name, labelled, expected } = entry;

  /** A column's name: from the header (`names`, empty without one), else the used column's role. */
  const nameOf = (c: Columns, names: readonly string[]) => (i: number) => {
    const header = names[i];
    if (header !== undefined && header !== '') return header;
    const used = (['id', 'question1', 'question2', 'label'] as const).find((k) => c[k] === i);
    return used ?? `field ${i + 1}`;
  };

  function fieldsOf(
    line: number,
    row: number,
    f: string[],
    c: Columns,
    names: readonly string[],
    lines: number,
    extra: readonly ExtraColumn[],
  ): FormatRecord {
    const span = spanOf(f, lines, nameOf(c, names));
    // Headerless rows have exactly `count` fields; more means a delimiter inside a question or a
    // broken line.
    if (f.length < c.count || (fixed && f.length > c.count)) {
      return { line, error: `expected ${c.count} fields, found ${f.length}`, ...span };
    }
    return {
      ...span,
      line,
      id: c.id >= 0 ? f[c.id]! : String(row),
      question1: f[c.question1]!,
      question2: f[c.question2]!,
      label: labelled ? f[c.label]! : undefined,
      ...(extra.length > 0 ? { extra: extraOf(extra, (i) => f[i]) } : {}),
    };
  }

  async function* records(file: string, context: ReadContext): AsyncGenerator<FormatRecord[]> {
    let columns = fixed;
    /** The extra columns asked for that the header has (a headerless layout names none). */
    let extra: ExtraColumn[] = [];
    if (fixed) {
      context.useColumns(fixedNames(fixed));
      extra = context.findExtra?.(null) ?? [];
    }
    /** The header's names, once read. */
    let names: string[] = [];
    /** Data records so far (the header not counted): ids of a file without an id column. */
    let row = 0;
    // A header without the needed columns: the error, and how many records of its batch precede it.
    let failed: { error: DataError; at: number } | undefined;
    const add: AddFields = (batch, line, fields, lines = 1) => {
      if (failed) return;
      if (columns) {
        batch.push(fieldsOf(line, ++row, fields, columns, names, lines, extra));
        return;
      }
      names = fields.map(columnKey);
      const found = findColumns(fields, labelled, context.columns);
      if ('missing' in found) {
        const error = new DataError(
          'DATA_BAD_HEADER',
          `${file}:${line}: header ${missingText(found.missing)} for ${name}; the header has ${headerList(fields)}`,
          {
            suggestions: [
              `${name} expects ${expected}`,
              context.columns !== undefined
                ? 'check data.columns against the header above'
                : 'or name your columns in data.columns, e.g. columns: { question1: text_a, question2: text_b, label: dup }',
            ],
          },
        );
        failed = { error, at: batch.length };
        return;
      }
      columns = { ...found, count: fields.length };
      context.useColumns(found.used);
      extra = context.findExtra?.(fields.map((f) => f.trim().replace(/^"(.*)"$/, '$1'))) ?? [];
    };
    for await (const batch of split(file, context, add)) {
      if (failed) {
        // Records before the header (unreadable ones) are reported before the header fails.
        if (failed.at > 0) yield batch.slice(0, failed.at);
        throw failed.error;
      }
      yield batch;
    }
  }

  return { ...entry, header: fixed === undefined, records };
}
