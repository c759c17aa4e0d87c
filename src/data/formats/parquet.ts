/**
 * Parquet (`parquet`), read with hyparquet (pure JS): the Hugging Face `glue/qqp` files (columns
 * question1, question2, label, idx) or any file whose columns `data.columns` names. Only the used
 * columns are read, one row group at a time, so memory follows the largest row group, not the
 * file. Records are numbered by row (1-based), as Parquet has no lines.
 */
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { DataError } from '../../errors.js';
import { findColumns, missingText, valueText } from './columns.js';
import { extraOf, type FormatEntry, type FormatRecord, type ReadContext } from './types.js';

/** Rows handed over per batch at most (a big row group is read once, yielded in slices). */
const BATCH_ROWS = 8192;

function unreadable(file: string, err: unknown): DataError {
  return new DataError(
    'DATA_PARQUET_UNREADABLE',
    `cannot read ${file} as Parquet: ${(err as Error).message}`,
    {
      suggestions: ['check that the file is complete (a download cut short has no footer)'],
      cause: err,
    },
  );
}

async function* parquetRecords(file: string, context: ReadContext): AsyncGenerator<FormatRecord[]> {
  const buffer = await asyncBufferFromFile(file);
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (err) {
    throw unreadable(file, err);
  }
  const names = parquetSchema(metadata).children.map((c) => c.element.name);
  const found = findColumns(names, true, context.columns);
  if ('missing' in found) {
    throw new DataError(
      'DATA_BAD_HEADER',
      `${file}: ${missingText(found.missing)} for parquet; its columns are ${names.slice(0, 12).join(', ')}`,
      {
        suggestions: [
          'parquet expects columns question1, question2, label (or is_duplicate) and optionally idx (or id)',
          context.columns !== undefined
            ? 'check data.columns against the columns above'
            : 'or name your columns in data.columns, e.g. columns: { question1: text_a, question2: text_b, label: dup }',
        ],
      },
    );
  }
  context.useColumns(found.used);
  const extra = context.findExtra?.(names) ?? [];
  const fields = [found.question1, found.question2, found.label, ...(found.id >= 0 ? [found.id] : [])];
  // Only the used columns are read: the pair's fields and the extra columns asked for.
  const used = [...new Set([...fields, ...extra.map((c) => c.index)])].map((i) => names[i]!);
  const [q1, q2, label, id] = [found.question1, found.question2, found.label, found.id].map((i) =>
    i >= 0 ? names[i]! : undefined,
  );
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file: buffer, metadata, columns: used, rowStart, rowEnd });
    } catch (err) {
      throw unreadable(file, err);
    }
    for (let s = 0; s < rows.length; s += BATCH_ROWS) {
      const batch: FormatRecord[] = [];
      for (let i = s; i < Math.min(rows.length, s + BATCH_ROWS); i++) {
        const r = rows[i]!;
        const at = rowStart + i + 1;
        const question1 = valueText(r[q1!]);
        const question2 = valueText(r[q2!]);
        if (question1 === undefined || question2 === undefined) {
          const which = [question1 === undefined ? q1 : undefined, question2 === undefined ? q2 : undefined]
            .filter((x) => x !== undefined)
            .join(' and ');
          batch.push({ line: at, error: `${which} is null` });
          continue;
        }
        batch.push({
          line: at,
          id: id !== undefined ? (valueText(r[id]) ?? '') : String(at),
          question1,
          question2,
          label: valueText(r[label!]) ?? '',
          ...(extra.length > 0 ? { extra: extraOf(extra, (c) => valueText(r[names[c]!])) } : {}),
        });
      }
      yield batch;
    }
    rowStart = rowEnd;
  }
}

const MAGIC = Buffer.from('PAR1');

export const parquet: FormatEntry<'parquet'> = {
  name: 'parquet',
  labelled: true,
  header: false,
  position: 'row',
  expected:
    'a Parquet file with columns question1, question2, label (or is_duplicate) and optionally idx (or id)',
  hint: { phrase: 'a Parquet file' },
  detect: (head) => head.bytes.subarray(0, 4).equals(MAGIC),
  async countRows(file) {
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(file));
    return Number(metadata.num_rows);
  },
  records: parquetRecords,
};
