/**
 * The tab-separated formats: GLUE/Quora TSV (`glue-tsv`, labelled; the original Quora release has
 * the same header), GLUE's test TSV (`glue-test-tsv`), headerless pairs (`pairs-tsv`: label,
 * question1, question2, id) and any TSV whose columns `data.columns` names (`tsv`). TSV is split on tabs literally, because the QQP TSVs are not
 * quote-aware (a question may hold a lone `"`).
 */
import {
  type AddFields,
  type Columns,
  delimitedFormat,
  headerOf,
  namesMapped,
  namesQuestions,
} from './delimited.js';
import { lineBatches } from './text.js';
import type { FileHead, FormatRecord, ReadContext } from './types.js';

/** TSV records: one per non-empty physical line, fields split on tabs, no quoting; one batch per chunk. */
async function* tsvRecords(
  file: string,
  context: ReadContext,
  add: AddFields,
): AsyncGenerator<FormatRecord[]> {
  for await (const lines of lineBatches(file, context)) {
    const batch: FormatRecord[] = [];
    for (const { line, text } of lines) if (text !== '') add(batch, line, text.split('\t'));
    yield batch;
  }
}

/** The names of a tab-separated first line, or undefined when it holds no tab. */
function tsvNames(head: FileHead): string[] | undefined {
  const { delimiter, names } = headerOf(head);
  return delimiter === '\t' ? names : undefined;
}

export const glueTsv = delimitedFormat({
  name: 'glue-tsv',
  labelled: true,
  expected: 'id<TAB>qid1<TAB>qid2<TAB>question1<TAB>question2<TAB>is_duplicate',
  hint: { header: 'id<TAB>qid1<TAB>qid2<TAB>question1<TAB>question2<TAB>is_duplicate (GLUE/Quora TSV)' },
  detect(head) {
    const names = tsvNames(head);
    return names !== undefined && namesQuestions(names) && names.includes('is_duplicate');
  },
  split: tsvRecords,
});

export const glueTestTsv = delimitedFormat({
  name: 'glue-test-tsv',
  labelled: false,
  expected: 'id<TAB>question1<TAB>question2',
  detect(head) {
    const names = tsvNames(head);
    return (
      names !== undefined &&
      namesQuestions(names) &&
      !names.includes('is_duplicate') &&
      !names.includes('label')
    );
  },
  // A labelled file read as unlabelled: its label column is ignored.
  accepts: (_head, detected) => detected === 'glue-tsv',
  split: tsvRecords,
});

const PAIRS_COLUMNS: Columns = { label: 0, question1: 1, question2: 2, id: 3, count: 4 };

export const pairsTsv = delimitedFormat({
  name: 'pairs-tsv',
  labelled: true,
  expected: 'no header; rows label<TAB>question1<TAB>question2<TAB>id',
  hint: { phrase: 'headerless rows label<TAB>question1<TAB>question2<TAB>id' },
  detect(head) {
    const names = tsvNames(head);
    if (names === undefined || namesQuestions(names)) return false;
    const { fields } = headerOf(head);
    return fields.length === 4 && /^[01]$/.test(fields[0]!.trim());
  },
  // A headerless file whose first row detection could not classify.
  accepts: (head, detected) => detected === undefined && head.firstLine.includes('\t'),
  columns: PAIRS_COLUMNS,
  split: tsvRecords,
});

export const anyTsv = delimitedFormat({
  name: 'tsv',
  labelled: true,
  expected:
    'a tab-separated header holding the columns data.columns names (default names question1, question2, is_duplicate or label, and optionally id or idx)',
  // Only with data.columns: a header of the user's own names (or the standard names with a label column).
  detect(head) {
    const names = tsvNames(head);
    return (
      names !== undefined &&
      (namesMapped(names, head.columns) ||
        (namesQuestions(names) && names.includes('label') && !names.includes('is_duplicate')))
    );
  },
  accepts: (head) => tsvNames(head) !== undefined,
  split: tsvRecords,
});
