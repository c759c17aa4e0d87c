import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parquetWriteFile } from 'hyparquet-writer';
import { describeSkipped, readPairs, streamPairs } from '../../../src/data/read.js';
import { DataError } from '../../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'qqp-parquet-'));

/** A glue/qqp-like Parquet file of `n` rows in row groups of `group` rows; row 5 (1-based) has a null question2. */
function writeGlue(file: string, n: number, group: number): void {
  const q1 = Array.from({ length: n }, (_, i) => `What is question number ${i}?`);
  const q2 = Array.from({ length: n }, (_, i) => (i === 4 ? null : `Which question is number ${i}?`));
  parquetWriteFile({
    filename: file,
    columnData: [
      { name: 'question1', data: q1, type: 'STRING' },
      { name: 'question2', data: q2, type: 'STRING' },
      {
        name: 'label',
        data: Array.from({ length: n }, (_, i) => BigInt(i % 3 === 0 ? 1 : 0)),
        type: 'INT64',
      },
      { name: 'idx', data: Array.from({ length: n }, (_, i) => i), type: 'INT32' },
    ],
    rowGroupSize: group,
  });
}

describe('parquet', () => {
  it('reads the glue/qqp columns over several row groups, in order, a null question a bad row by its row', async () => {
    const file = join(dir, 'train.parquet');
    writeGlue(file, 25, 10);
    const stream = await streamPairs(file);
    assert.equal(stream.format, 'parquet');
    const batches: number[] = [];
    const rows = [];
    for await (const b of stream.batches) {
      batches.push(b.length);
      rows.push(...b);
    }
    assert.deepEqual(batches, [9, 10, 5]);
    assert.equal(rows.length, 24);
    assert.deepEqual(rows[0], {
      line: 1,
      id: '0',
      question1: 'What is question number 0?',
      question2: 'Which question is number 0?',
      label: 1,
    });
    assert.deepEqual(
      rows.slice(3, 5).map((r) => r.id),
      ['3', '5'],
    );
    const r = stream.report;
    assert.equal(r.position, 'row');
    assert.deepEqual(r.badRowSamples, [{ line: 5, reason: 'question2 is null' }]);
    assert.deepEqual(r.columns, {
      question1: 'question1',
      question2: 'question2',
      label: 'label',
      id: 'idx',
    });
    assert.equal(describeSkipped('train.parquet', r)[1], '  row 5: question2 is null');
    await assert.rejects(readPairs(file, { onBadRow: 'error' }), /train\.parquet row 5: question2 is null/);
  });

  it('takes columns named by data.columns and names the columns it has when one is missing', async () => {
    const file = join(dir, 'mine.parquet');
    parquetWriteFile({
      filename: file,
      columnData: [
        { name: 'text_a', data: ['Why?', 'Who?'], type: 'STRING' },
        { name: 'text_b', data: ['How?', 'When?'], type: 'STRING' },
        { name: 'dup', data: [true, false], type: 'BOOLEAN' },
      ],
    });
    const { rows } = await readPairs(file, {
      columns: { question1: 'text_a', question2: 'text_b', label: 'dup' },
    });
    assert.deepEqual(
      rows.map((r) => [r.id, r.question1, r.label]),
      [
        ['1', 'Why?', 1],
        ['2', 'Who?', 0],
      ],
    );
    await assert.rejects(readPairs(file), (err: unknown) => {
      assert.ok(err instanceof DataError);
      assert.equal(err.code, 'DATA_BAD_HEADER');
      assert.match(err.message, /its columns are text_a, text_b, dup/);
      return true;
    });
  });

  it('refuses a file cut short (no footer) with a clear message', async () => {
    const file = join(dir, 'cut.parquet');
    writeFileSync(file, Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(10)]));
    await assert.rejects(readPairs(file), (err: unknown) => {
      assert.ok(err instanceof DataError);
      assert.equal(err.code, 'DATA_PARQUET_UNREADABLE');
      assert.match(err.message, /cut\.parquet as Parquet/);
      return true;
    });
  });
});

describe('parquet extra columns', () => {
  it('reads the asked extra columns along with the pair, by name', async () => {
    const file = join(dir, 'kinds.parquet');
    parquetWriteFile({
      filename: file,
      columnData: [
        { name: 'question1', data: ['A?', 'B?', 'C?'], type: 'STRING' },
        { name: 'question2', data: ['D?', 'E?', 'F?'], type: 'STRING' },
        { name: 'label', data: [1n, 0n, 1n], type: 'INT64' },
        { name: 'kind', data: ['entity', null, 'order'], type: 'STRING' },
      ],
    });
    const { rows, report } = await readPairs(file, { extraColumns: ['kind', 'nope'] });
    assert.deepEqual(
      rows.map((r) => r.extra),
      [{ kind: 'entity' }, { kind: '' }, { kind: 'order' }],
    );
    assert.deepEqual(report.extra, { names: ['question1', 'question2', 'label', 'kind'], missing: ['nope'] });
    assert.equal((await readPairs(file)).rows[0]?.extra, undefined);
  });
});
