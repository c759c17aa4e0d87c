/**
 * JSON Lines (`jsonl`): one JSON object a line, its fields found by name (`findColumns`: the
 * standard names or `data.columns`). The columns are fixed by the first object; a line that is not
 * JSON, not an object or lacks a field is a bad row on its line. Labels may be written 0/1, "0"/"1"
 * or false/true; ids may be strings or numbers, and absent (ids are then row numbers).
 */
import { DataError } from '../../errors.js';
import { type ColumnIndex, findColumns, missingText, valueText } from './columns.js';
import { lineBatches } from './text.js';
import { type ExtraColumn, extraOf, type FormatEntry, type FormatRecord, type ReadContext } from './types.js';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

async function* jsonlRecords(file: string, context: ReadContext): AsyncGenerator<FormatRecord[]> {
  let row = 0;
  /** The columns, from the first object; `keys[i]` is the object key of column i. */
  let columns: { keys: string[]; index: ColumnIndex; extra: ExtraColumn[] } | undefined;
  const record = (obj: Record<string, unknown>, at: number): FormatRecord => {
    row++;
    if (columns === undefined) {
      const keys = Object.keys(obj);
      const found = findColumns(keys, true, context.columns);
      if ('missing' in found) {
        throw new DataError(
          'DATA_BAD_HEADER',
          `${file}:${at}: the first object has ${missingText(found.missing)} for jsonl; its fields are ${keys.slice(0, 12).join(', ') || '(none)'}`,
          {
            suggestions: [
              'jsonl expects objects like {"question1": ..., "question2": ..., "label": 0 or 1, "id": ...}',
              context.columns !== undefined
                ? 'check data.columns against the fields above'
                : 'or name your fields in data.columns, e.g. columns: { question1: text_a, question2: text_b, label: dup }',
            ],
          },
        );
      }
      context.useColumns(found.used);
      columns = { keys, index: found, extra: context.findExtra?.(keys) ?? [] };
    }
    const { keys, index, extra } = columns;
    const get = (i: number) => (i >= 0 ? valueText(obj[keys[i]!]) : undefined);
    const question1 = get(index.question1);
    const question2 = get(index.question2);
    const missing = [
      ...(question1 === undefined ? [index.used.question1] : []),
      ...(question2 === undefined ? [index.used.question2] : []),
    ];
    if (missing.length > 0) {
      return { line: at, error: `field ${missing.join(' and ')} missing or not a string` };
    }
    const label = get(index.label);
    const id = index.id >= 0 ? (get(index.id) ?? '') : String(row);
    return {
      line: at,
      id,
      question1: question1!,
      question2: question2!,
      label: label ?? '',
      // An extra key absent from this object (or null) reads as an empty value.
      ...(extra.length > 0 ? { extra: extraOf(extra, get) } : {}),
    };
  };

  for await (const lines of lineBatches(file, context)) {
    const batch: FormatRecord[] = [];
    for (const { line, text } of lines) {
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        row++;
        batch.push({ line, error: `not JSON: ${(err as Error).message}` });
        continue;
      }
      if (!isObject(value)) {
        row++;
        batch.push({ line, error: `not a JSON object: ${Array.isArray(value) ? 'an array' : typeof value}` });
        continue;
      }
      batch.push(record(value, line));
    }
    yield batch;
  }
}

export const jsonl: FormatEntry<'jsonl'> = {
  name: 'jsonl',
  labelled: true,
  header: false,
  expected:
    'one JSON object a line, with fields question1, question2, label (or is_duplicate) and optionally id (or idx), or those data.columns names',
  hint: { phrase: 'one JSON object a line (JSONL)' },
  // The first line must be a JSON object on its own (a pretty-printed JSON document is not JSONL).
  detect(head) {
    try {
      return isObject(JSON.parse(head.firstLine));
    } catch {
      return false;
    }
  },
  // Given explicitly: a first line that opens an object but is broken is the first bad row.
  accepts: (head) => head.firstLine.trimStart().startsWith('{'),
  records: jsonlRecords,
};
