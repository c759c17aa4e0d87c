import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { detectFormatOf, FORMAT_NAMES, FORMATS, formatEntry } from '../../src/data/formats/index.js';
import type { FormatRecord } from '../../src/data/formats/types.js';
import { detectFormat } from '../../src/data/read.js';
import { DATA_FORMATS } from '../../src/data/schema.js';
import { DataError } from '../../src/errors.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

const FIX = join(PROJECT_ROOT, 'test', 'fixtures', 'data');

function headOf(name: string) {
  const bytes = readFileSync(join(FIX, name));
  const text = bytes.toString('utf8');
  return {
    bytes,
    firstLine: text
      .slice(0, text.indexOf('\n'))
      .replace(/^\ufeff/, '')
      .replace(/\r$/, ''),
  };
}

describe('the list of data formats', () => {
  it('gives data.format its values: auto, then each format once, in list order', () => {
    assert.deepEqual(DATA_FORMATS, ['auto', ...FORMATS.map((f) => f.name)]);
    assert.equal(new Set(FORMAT_NAMES).size, FORMAT_NAMES.length);
    for (const name of FORMAT_NAMES) assert.equal(formatEntry(name).name, name);
  });

  it('says which formats are labelled and which start with a header', () => {
    const facts = Object.fromEntries(FORMATS.map((f) => [f.name, [f.labelled, f.header]]));
    assert.deepEqual(facts, {
      'kaggle-csv': [true, true],
      'kaggle-test-csv': [false, true],
      'glue-tsv': [true, true],
      'glue-test-tsv': [false, true],
      'pairs-tsv': [true, false],
      'hf-csv': [true, true],
      'minimal-csv': [true, true],
      jsonl: [true, false],
      parquet: [true, false],
      csv: [true, true],
      tsv: [true, true],
    });
  });

  it('recognises each fixture by exactly one entry', () => {
    const cases: [string, string][] = [
      ['kaggle-quoted.csv', 'kaggle-csv'],
      ['kaggle-test.csv', 'kaggle-test-csv'],
      ['glue-train.tsv', 'glue-tsv'],
      ['glue-test.tsv', 'glue-test-tsv'],
      ['pairs.tsv', 'pairs-tsv'],
    ];
    for (const [file, format] of cases) {
      const head = headOf(file);
      assert.deepEqual(
        FORMATS.filter((f) => f.detect(head)).map((f) => f.name),
        [format],
        file,
      );
      assert.equal(detectFormatOf(head)?.name, format);
    }
  });

  it('names the formats with a hint in the message for a file none recognises', async () => {
    await assert.rejects(detectFormat(join(PROJECT_ROOT, 'package.json')), (err: unknown) => {
      assert.ok(err instanceof DataError);
      assert.equal(err.code, 'DATA_FORMAT_UNKNOWN');
      assert.deepEqual(err.suggestions, [
        'expected a header like id,qid1,qid2,question1,question2,is_duplicate (Kaggle CSV) or ' +
          'id<TAB>qid1<TAB>qid2<TAB>question1<TAB>question2<TAB>is_duplicate (GLUE/Quora TSV) or ' +
          'question1,question2,label,idx (Hugging Face CSV export) or ' +
          'question1,question2,is_duplicate (minimal CSV), or ' +
          'headerless rows label<TAB>question1<TAB>question2<TAB>id, or one JSON object a line (JSONL), ' +
          'or a Parquet file, or any CSV or TSV header, with data.columns naming its columns',
        'or set data.format / --format explicitly',
      ]);
      return true;
    });
  });
});

describe('record spans (quoted fields over several lines)', () => {
  async function records(name: string) {
    const out: FormatRecord[] = [];
    const entry = formatEntry(detectFormatOf(headOf(name))!.name);
    for await (const batch of entry.records(join(FIX, name), { invalidUtf8: () => {}, useColumns: () => {} }))
      out.push(...batch);
    return out;
  }

  it('gives a CSV record over several lines its line count and the field holding the breaks', async () => {
    const recs = await records('kaggle-broken-quote.csv');
    const merged = recs.find((r) => r.line === 6)!;
    assert.equal(merged.lines, 28);
    assert.equal(merged.field, 'question1');
    assert.equal(recs.filter((r) => r.lines !== undefined).length, 1);
    assert.equal(recs[recs.length - 1]!.line, 41);
  });

  it('gives TSV records no span: a line is a record', async () => {
    const recs = await records('glue-train.tsv');
    assert.ok(recs.length > 0);
    assert.ok(recs.every((r) => r.lines === undefined));
  });
});
