import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  describeSkipped,
  detectFormat,
  firstBadRows,
  MAX_RECORD_LINES,
  readPairs,
  skippedRows,
  streamPairs,
} from '../../src/data/read.js';
import { DataError } from '../../src/errors.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

const FIX = join(PROJECT_ROOT, 'test', 'fixtures', 'data');
const fx = (name: string) => join(FIX, name);
const dir = mkdtempSync(join(tmpdir(), 'qqp-read-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function tmp(content: string | Buffer, ext = 'csv'): string {
  const p = join(dir, `f${n++}.${ext}`);
  writeFileSync(p, content);
  return p;
}

async function rejectsData(p: Promise<unknown>, code: string, re: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof DataError, `expected DataError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, re);
    return true;
  });
}

describe('format detection', () => {
  const cases: [string, string][] = [
    ['kaggle-quoted.csv', 'kaggle-csv'],
    ['kaggle-plain.csv', 'kaggle-csv'],
    ['kaggle-test.csv', 'kaggle-test-csv'],
    ['glue-train.tsv', 'glue-tsv'],
    ['glue-test.tsv', 'glue-test-tsv'],
    ['pairs.tsv', 'pairs-tsv'],
  ];
  for (const [file, format] of cases) {
    it(`detects ${file} as ${format}`, async () => {
      assert.equal(await detectFormat(fx(file)), format);
    });
  }

  it('detects the original Quora TSV header (same as GLUE)', async () => {
    const p = tmp('id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n1\t1\t2\ta?\tb?\t0\n', 'tsv');
    assert.equal(await detectFormat(p), 'glue-tsv');
  });

  it('detects a header after a UTF-8 BOM and with CRLF line ends', async () => {
    const p = tmp('\ufeffid,qid1,qid2,question1,question2,is_duplicate\r\n1,1,2,A?,B?,1\r\n');
    assert.equal(await detectFormat(p), 'kaggle-csv');
    const { rows } = await readPairs(p);
    assert.deepEqual(rows, [{ line: 2, id: '1', question1: 'A?', question2: 'B?', label: 1 }]);
  });

  it('rejects an explicit format that does not match, naming the file and showing the header', async () => {
    await rejectsData(
      detectFormat(fx('pairs.tsv'), 'kaggle-csv'),
      'DATA_FORMAT_MISMATCH',
      /pairs\.tsv.*1<TAB>How do I learn/,
    );
    await rejectsData(
      detectFormat(fx('kaggle-plain.csv'), 'glue-tsv'),
      'DATA_FORMAT_MISMATCH',
      /kaggle-plain\.csv.*looks like kaggle-csv/,
    );
  });

  it('accepts a labelled file read as its unlabelled format (labels ignored)', async () => {
    const { rows, report } = await readPairs(fx('kaggle-quoted.csv'), { format: 'kaggle-test-csv' });
    assert.equal(report.format, 'kaggle-test-csv');
    assert.equal(rows.length, 4);
    assert.ok(rows.every((r) => r.label === null));
  });

  it('says it cannot tell the format of an unknown header', async () => {
    await rejectsData(detectFormat(tmp('a,b,c\n1,2,3\n')), 'DATA_FORMAT_UNKNOWN', /first line: a,b,c/);
  });

  it('gives clear errors for a missing file, a directory and an empty file', async () => {
    await rejectsData(readPairs(join(dir, 'nope.csv')), 'DATA_FILE_NOT_FOUND', /nope\.csv/);
    await rejectsData(readPairs(dir), 'DATA_FILE_IS_DIRECTORY', /is a directory/);
    await rejectsData(readPairs(tmp('')), 'DATA_FILE_EMPTY', /is empty/);
  });
});

describe('Kaggle CSV', () => {
  it('reads every-field-quoted rows with commas, doubled quotes and newlines; ignores index and extra columns', async () => {
    const { rows, report } = await readPairs(fx('kaggle-quoted.csv'));
    assert.equal(report.format, 'kaggle-csv');
    assert.equal(report.rows, 4);
    assert.equal(report.badRows, 0);
    assert.deepEqual(rows[0], {
      line: 2,
      id: '10',
      question1: 'How do I bake bread, quickly?',
      question2: 'What is the fastest way to bake bread?',
      label: 1,
    });
    assert.equal(rows[1]!.question1, 'Is a "tomato" a fruit?');
    assert.equal(rows[2]!.question1, 'How do I write a poem\nwith two lines?');
    // The record after the two-line one starts on physical line 6.
    assert.deepEqual(
      rows.map((r) => r.line),
      [2, 3, 4, 6],
    );
  });

  it('skips and reports bad rows (label not 0/1, empty question, missing field) with their lines', async () => {
    const { rows, report } = await readPairs(fx('kaggle-plain.csv'));
    assert.deepEqual(
      rows.map((r) => [r.id, r.label]),
      [
        ['0', 1],
        ['1', 0],
        ['5', 1],
      ],
    );
    assert.equal(report.badRows, 3);
    assert.deepEqual(
      report.badRowSamples.map((b) => b.line),
      [4, 5, 6],
    );
    assert.match(report.badRowSamples[0]!.reason, /label must be 0 or 1, found "2"/);
    assert.match(report.badRowSamples[1]!.reason, /question1 is empty/);
    assert.match(report.badRowSamples[2]!.reason, /expected 9 fields, found 5/);
  });

  it("with onBadRow 'error' fails naming file:line and the reason", async () => {
    await rejectsData(
      readPairs(fx('kaggle-plain.csv'), { onBadRow: 'error' }),
      'DATA_BAD_ROW',
      /kaggle-plain\.csv:4: label must be 0 or 1/,
    );
  });

  it('reports an unclosed quote as a bad row instead of crashing', async () => {
    const p = tmp(
      'id,qid1,qid2,question1,question2,is_duplicate\n1,1,2,Fine?,Yes?,0\n2,3,4,"Never closed?,B?,1\n',
    );
    const { rows, report } = await readPairs(p);
    assert.equal(rows.length, 1);
    assert.equal(report.badRows, 1);
    assert.equal(report.badRowSamples[0]!.line, 3);
    assert.match(report.badRowSamples[0]!.reason, /CSV syntax/);
    // One line: not a suspect field.
    assert.equal(report.suspectFields, 0);
  });

  it('reads Kaggle test.csv with null labels', async () => {
    const { rows } = await readPairs(fx('kaggle-test.csv'));
    assert.deepEqual(rows[1], {
      line: 3,
      id: '1',
      question1: 'Where, exactly, is Timbuktu?',
      question2: 'Is Timbuktu a real place?',
      label: null,
    });
  });

  it('stops at limit and says so', async () => {
    const { rows, report } = await readPairs(fx('kaggle-quoted.csv'), { limit: 2 });
    assert.equal(rows.length, 2);
    assert.equal(report.rows, 2);
    assert.equal(report.truncated, true);
  });
});

describe('TSV formats', () => {
  it('reads GLUE TSV literally: a lone quote stays, a missing label is a bad row', async () => {
    const { rows, report } = await readPairs(fx('glue-train.tsv'));
    assert.equal(rows.length, 3);
    assert.equal(rows[0]!.question1, 'What does a lone " quote do?');
    assert.equal(rows[0]!.question2, 'How are "quotes" parsed?');
    assert.deepEqual(
      rows.map((r) => r.line),
      [2, 3, 5],
    );
    assert.deepEqual(report.badRowSamples, [{ line: 4, reason: 'label must be 0 or 1, found ""' }]);
  });

  it('reads GLUE test TSV with null labels', async () => {
    const { rows, report } = await readPairs(fx('glue-test.tsv'));
    assert.equal(report.format, 'glue-test-tsv');
    assert.deepEqual(
      rows.map((r) => [r.id, r.label]),
      [
        ['0', null],
        ['1', null],
      ],
    );
    assert.equal(rows[0]!.question1, 'What is a lone " here?');
  });

  it('reads headerless pairs TSV (label, q1, q2, id) from line 1', async () => {
    const { rows } = await readPairs(fx('pairs.tsv'));
    assert.equal(rows.length, 4);
    assert.deepEqual(rows[1], {
      line: 2,
      id: '101',
      question1: 'What is "jazz?',
      question2: 'Who invented the piano?',
      label: 0,
    });
  });

  it('counts lines with broken UTF-8 and decodes them as U+FFFD, without failing', async () => {
    const p = tmp(
      Buffer.concat([
        Buffer.from('1\tGood line?\tFine line?\t1\n0\tBroken '),
        Buffer.from([0xe2, 0x80]), // a curly quote cut short
        Buffer.from('\tq?\t2\n1\tAlso bad '),
        Buffer.from([0xff]),
        Buffer.from('?\tok?\t3\n0\tCaf\u00e9 is fine?\tYes?\t4\n'),
      ]),
      'tsv',
    );
    const { rows, report } = await readPairs(p);
    assert.equal(rows.length, 4);
    assert.equal(report.invalidUtf8Lines, 2);
    assert.deepEqual(report.invalidUtf8Samples, [2, 3]);
    assert.ok(rows[1]!.question1.includes('\ufffd'));
    assert.equal(rows[3]!.question1, 'Café is fine?');
  });

  it('counts broken UTF-8 in CSV too, across a multi-line record', async () => {
    const p = tmp(
      Buffer.concat([
        Buffer.from('id,qid1,qid2,question1,question2,is_duplicate\n1,1,2,"Two\nlines '),
        Buffer.from([0xc3]),
        Buffer.from('",B?,0\n'),
      ]),
    );
    const { rows, report } = await readPairs(p);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.line, 2);
    assert.equal(report.invalidUtf8Lines, 1);
    assert.deepEqual(report.invalidUtf8Samples, [3]);
  });

  it('stops with a clear error on a line over 16 MB instead of buffering it', async () => {
    const p = tmp(Buffer.concat([Buffer.from('1\tq?\tr?\t1\n0\t'), Buffer.alloc(17 * 2 ** 20, 0x61)]), 'tsv');
    await rejectsData(readPairs(p), 'DATA_LINE_TOO_LONG', /:2: a line longer than 16 MB/);
  });

  it('reads a file bigger than one read chunk with the right line numbers', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 30000; i++)
      lines.push(`${i % 2}\tQuestion number ${i} is here?\tAnother question ${i}?\t${i}`);
    const p = tmp(`${lines.join('\n')}\n`, 'tsv');
    const stream = await streamPairs(p);
    let count = 0;
    let last = 0;
    for await (const row of stream.rows) {
      count++;
      assert.equal(row.line, Number(row.id) + 1);
      last = row.line;
    }
    assert.equal(count, 30000);
    assert.equal(last, 30000);
    assert.equal(stream.report.rows, 30000);
  });
});

describe('allowEmptyQuestions', () => {
  it('keeps rows with an empty question for prediction, and skips them otherwise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qqp-empty-'));
    const file = join(dir, 'test.csv');
    writeFileSync(file, 'test_id,question1,question2\n0,How?,\n1,Why?,Why not?\n');
    const kept = await readPairs(file, { allowEmptyQuestions: true });
    assert.deepEqual(
      kept.rows.map((r) => [r.id, r.question2]),
      [
        ['0', ''],
        ['1', 'Why not?'],
      ],
    );
    const skipped = await readPairs(file);
    assert.equal(skipped.rows.length, 1);
    assert.equal(skipped.report.badRows, 1);
  });
});

describe('rows lost to a broken quote (suspect fields)', () => {
  it('skips a record that swallowed 27 rows, naming the line of the broken quote and the field', async () => {
    // Line 6 opens a quote that a quote on line 33 closes: lines 6-33 read as one record.
    const { rows, report } = await readPairs(fx('kaggle-broken-quote.csv'));
    assert.equal(report.rows, 12);
    assert.equal(report.badRows, 1);
    assert.equal(report.suspectFields, 1);
    assert.deepEqual(report.suspectFieldSamples, [{ line: 6, lines: 28, field: 'question1' }]);
    assert.equal(report.badRowSamples[0]!.line, 6);
    assert.match(report.badRowSamples[0]!.reason, /question1 runs over 28 lines \(lines 6-33\)/);
    assert.match(report.badRowSamples[0]!.reason, /quote not closed on line 6/);
    // No question holds the swallowed rows, and the rows after keep their own line numbers.
    assert.ok(rows.every((r) => !r.question1.includes('\n')));
    assert.deepEqual(
      rows.map((r) => r.line),
      [2, 3, 4, 5, 34, 35, 36, 37, 38, 39, 40, 41],
    );
  });

  it('fails at the broken quote with onBadRow error', async () => {
    await rejectsData(
      readPairs(fx('kaggle-broken-quote.csv'), { onBadRow: 'error' }),
      'DATA_BAD_ROW',
      /kaggle-broken-quote\.csv:6: question1 runs over 28 lines/,
    );
  });

  it('names the start of a quote never closed, and the lines it took to the end of the file', async () => {
    const body = Array.from({ length: 8 }, (_, i) => `${i + 3},1,2,Row ${i}?,B?,0`).join('\n');
    const p = tmp(`id,qid1,qid2,question1,question2,is_duplicate\n1,1,2,"Opened?,B?,1\n${body}\n`);
    const { rows, report } = await readPairs(p);
    assert.equal(rows.length, 0);
    assert.equal(report.badRows, 1);
    assert.equal(report.suspectFields, 1);
    assert.equal(report.suspectFieldSamples[0]!.line, 2);
    assert.equal(report.suspectFieldSamples[0]!.lines, 9);
    assert.match(report.badRowSamples[0]!.reason, /never closed, so lines 2-10 \(the rest of the file\)/);
  });

  it(`keeps a question over a few lines (up to ${MAX_RECORD_LINES}); maxRecordLines sets the limit`, async () => {
    const p = tmp(
      'id,qid1,qid2,question1,question2,is_duplicate\n1,1,2,"One\ntwo\nthree?",B?,1\n2,3,4,C?,D?,0\n',
    );
    const kept = await readPairs(p);
    assert.equal(kept.report.badRows, 0);
    assert.equal(kept.rows[0]!.question1, 'One\ntwo\nthree?');
    assert.deepEqual(
      kept.rows.map((r) => r.line),
      [2, 5],
    );
    const strict = await readPairs(p, { maxRecordLines: 2 });
    assert.equal(strict.report.badRows, 1);
    assert.deepEqual(strict.report.suspectFieldSamples, [{ line: 2, lines: 3, field: 'question1' }]);
  });

  it('names the column of a header file that holds the line breaks', async () => {
    const p = tmp('id,qid1,qid2,question1,question2,is_duplicate,notes\n1,1,2,A?,B?,1,"a\nb\nc"\n');
    const { report } = await readPairs(p, { maxRecordLines: 2 });
    assert.deepEqual(report.suspectFieldSamples, [{ line: 2, lines: 3, field: 'notes' }]);
  });
});

describe('every kind of skipped row in one file', () => {
  it('reports missing fields, a bad label, an empty question, a broken quote and invalid UTF-8 with lines', async () => {
    const { rows, report } = await readPairs(fx('kaggle-hostile-rows.csv'));
    assert.equal(report.rows, 47);
    assert.deepEqual(report.badRowSamples, [
      { line: 5, reason: 'label must be 0 or 1, found "yes"' },
      { line: 8, reason: 'expected 6 fields, found 4' },
      { line: 14, reason: 'question1 is empty' },
      {
        line: 21,
        reason:
          'question1 runs over 10 lines (lines 21-30): likely a quote not closed on line 21, which took the next lines in as text',
      },
    ]);
    assert.equal(report.suspectFields, 1);
    // Invalid UTF-8 is decoded with U+FFFD and the row kept.
    assert.deepEqual(report.invalidUtf8Samples, [11]);
    assert.ok(rows.find((r) => r.line === 11)!.question1.includes('\ufffd'));
  });
});

describe('describing skipped rows', () => {
  it('says nothing when nothing was skipped', () => {
    assert.deepEqual(
      describeSkipped('a.csv', { badRows: 0, invalidUtf8Lines: 0, badRowSamples: [], suspectFields: 0 }),
      [],
    );
  });

  it('gives the count, the first lines with reasons, the broken quote and invalid UTF-8', async () => {
    const { report } = await readPairs(fx('kaggle-hostile-rows.csv'));
    const lines = describeSkipped('f.csv', report, 3);
    assert.deepEqual(lines, [
      'f.csv: 4 bad rows skipped (lines 5, 8, 14, ...); 1 is a record over many lines, likely a broken quote (starting on line 21)',
      '  line 5: label must be 0 or 1, found "yes"',
      '  line 8: expected 6 fields, found 4',
      '  line 14: question1 is empty',
      '  ... and 1 more',
      'f.csv: 1 line of invalid UTF-8 read with U+FFFD in place of the bad bytes (line 11)',
    ]);
  });

  it('describes a record of counts only (an older run.json)', () => {
    assert.deepEqual(describeSkipped('old.csv', { badRows: 2, invalidUtf8Lines: 0 }), [
      'old.csv: 2 bad rows skipped',
    ]);
  });

  it('keeps the first samples for records, and lists the first bad rows for a message', () => {
    const many = {
      badRows: 30,
      badRowSamples: Array.from({ length: 20 }, (_, i) => ({ line: i + 2, reason: 'r' })),
      suspectFields: 0,
      suspectFieldSamples: [],
      invalidUtf8Lines: 12,
      invalidUtf8Samples: Array.from({ length: 12 }, (_, i) => i + 2),
    };
    const kept = skippedRows(many);
    assert.equal(kept.badRows, 30);
    assert.equal(kept.badRowSamples.length, 10);
    assert.equal(kept.invalidUtf8Samples.length, 10);
    assert.equal(firstBadRows(many, 2), ', first: line 2 (r); line 3 (r)');
    assert.equal(firstBadRows({ badRowSamples: [] }), '');
  });
});

describe('extra columns (extraColumns, for error analysis)', () => {
  const kinds = (rows: { extra?: Record<string, string> }[], name = 'kind') =>
    rows.map((r) => r.extra?.[name]);

  it('CSV and TSV: carries the asked columns by header name (any case), trimmed; other rows unchanged', async () => {
    const csv = tmp(
      'id,qid1,qid2,question1,question2,is_duplicate,Kind\n1,1,2,"Is a, b?",Is b?,1, number \n2,3,4,Why?,How?,0,\n',
    );
    const plain = await readPairs(csv);
    const { rows, report } = await readPairs(csv, { extraColumns: ['kind', 'qid1'] });
    assert.deepEqual(kinds(rows), ['number', '']);
    assert.deepEqual(kinds(rows, 'qid1'), ['1', '3']);
    assert.deepEqual(report.extra, {
      names: ['id', 'qid1', 'qid2', 'question1', 'question2', 'is_duplicate', 'Kind'],
      missing: [],
    });
    // The pair's own fields are what a read without extra columns gives.
    assert.deepEqual(
      rows.map(({ extra: _e, ...r }) => r),
      plain.rows,
    );
    assert.equal(plain.rows[0]?.extra, undefined);
    assert.equal(plain.report.extra, undefined);
    const tsv = tmp(
      'id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\tkind\n1\t1\t2\tA?\tB?\t1\torder\n',
      'tsv',
    );
    assert.deepEqual(kinds((await readPairs(tsv, { extraColumns: ['kind'] })).rows), ['order']);
  });

  it('a column the file lacks: rows without it, and the report names the file columns and the missing one', async () => {
    const file = tmp('question1,question2,is_duplicate\nA?,B?,1\n');
    const { rows, report } = await readPairs(file, { extraColumns: ['kind'] });
    assert.equal(rows[0]?.extra, undefined);
    assert.deepEqual(report.extra, { names: ['question1', 'question2', 'is_duplicate'], missing: ['kind'] });
  });

  it('headerless pairs TSV has no column names: every extra column is missing', async () => {
    const { rows, report } = await readPairs(fx('pairs.tsv'), { extraColumns: ['kind'] });
    assert.ok(rows.length > 0);
    assert.equal(rows[0]?.extra, undefined);
    assert.deepEqual(report.extra, { names: null, missing: ['kind'] });
  });

  it('JSONL: the first object names the keys; a later object without the key reads as empty', async () => {
    const file = tmp(
      '{"question1":"A?","question2":"B?","label":1,"kind":"negation"}\n{"question1":"C?","question2":"D?","label":0}\n{"question1":"E?","question2":"F?","label":0,"kind":7}\n',
      'jsonl',
    );
    const { rows, report } = await readPairs(file, { extraColumns: ['kind', 'topic'] });
    assert.deepEqual(kinds(rows), ['negation', '', '7']);
    assert.deepEqual(report.extra?.missing, ['topic']);
  });
});
