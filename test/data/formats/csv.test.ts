import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readPairs } from '../../../src/data/read.js';
import { DataError } from '../../../src/errors.js';
import { PROJECT_ROOT } from '../../helpers/cli.js';

const FIX = join(PROJECT_ROOT, 'test', 'fixtures', 'data');

describe('the Hugging Face CSV export, the minimal CSV and any CSV by data.columns', () => {
  it('reads the Hugging Face export (question1,question2,label,idx) with idx as the id', async () => {
    const { rows, report } = await readPairs(join(FIX, 'hf-export.csv'));
    assert.equal(report.format, 'hf-csv');
    assert.equal(rows.length, 5);
    assert.deepEqual(rows[0], {
      line: 2,
      id: '0',
      question1: 'How do I learn Python, fast?',
      question2: 'What is the quickest way to learn Python?',
      label: 1,
    });
    assert.deepEqual(report.columns, {
      question1: 'question1',
      question2: 'question2',
      label: 'label',
      id: 'idx',
    });
  });

  it('reads a minimal question1,question2,is_duplicate CSV, ids from row numbers', async () => {
    const { rows, report } = await readPairs(join(FIX, 'minimal.csv'));
    assert.equal(report.format, 'minimal-csv');
    assert.deepEqual(
      rows.map((r) => [r.id, r.label]),
      [
        ['1', 1],
        ['2', 0],
        ['3', 0],
        ['4', 0],
      ],
    );
    assert.equal(report.columns?.id, null);
  });

  it('reads a text_a,text_b,dup CSV through data.columns (detected as csv), and not without it', async () => {
    const columns = { question1: 'text_a', question2: 'text_b', label: 'dup' };
    const { rows, report } = await readPairs(join(FIX, 'text-ab.csv'), { columns });
    assert.equal(report.format, 'csv');
    assert.equal(rows.length, 4);
    assert.equal(rows.filter((r) => r.label === 1).length, 2);
    assert.deepEqual(report.columns, { question1: 'text_a', question2: 'text_b', label: 'dup', id: null });
    await assert.rejects(readPairs(join(FIX, 'text-ab.csv')), (err: unknown) => {
      assert.ok(err instanceof DataError);
      assert.equal(err.code, 'DATA_FORMAT_UNKNOWN');
      return true;
    });
  });

  it('names the file, the header it found and the mapped column it lacks', async () => {
    const columns = { question1: 'text_a', question2: 'text_c', label: 'dup' };
    await assert.rejects(readPairs(join(FIX, 'text-ab.csv'), { format: 'csv', columns }), (err: unknown) => {
      assert.ok(err instanceof DataError);
      assert.equal(err.code, 'DATA_BAD_HEADER');
      assert.match(
        err.message,
        /text-ab\.csv:1: header missing column text_c \(data\.columns\.question2\) for csv; the header has text_a, text_b, dup$/,
      );
      return true;
    });
  });

  it('maps the columns of a TSV too, and of a Kaggle CSV whose label is renamed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qqp-columns-'));
    const tsv = join(dir, 'mine.tsv');
    writeFileSync(tsv, 'a\tb\tsame\nWhy?\tHow?\t1\nWho?\tWhen?\t0\n');
    const { rows, report } = await readPairs(tsv, {
      columns: { question1: 'a', question2: 'b', label: 'same' },
    });
    assert.equal(report.format, 'tsv');
    assert.deepEqual(
      rows.map((r) => [r.question1, r.label]),
      [
        ['Why?', 1],
        ['Who?', 0],
      ],
    );
  });
});
