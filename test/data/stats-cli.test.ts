// CLI test of `qqp data stats` (spawns the built CLI: run `npm run build` first).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parquetWriteFile } from 'hyparquet-writer';
import type { DataStats } from '../../src/data/stats.js';
import { PROJECT_ROOT, runCli, runCliJson } from '../helpers/cli.js';

// oclif wraps long error messages and prefixes lines with ›: compare the text without that.
const flat = (s: string) => s.replace(/›/g, ' ').replace(/\s+/g, ' ');
const fixture = join(PROJECT_ROOT, 'test', 'fixtures', 'data', 'kaggle-plain.csv');

describe('qqp data stats', () => {
  it('prints a table for people', () => {
    const r = runCli(['data', 'stats', fixture]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /format\s+│ kaggle-csv/);
    assert.match(r.stdout, /rows\s+│ 3 /);
    assert.match(r.stdout, /duplicates\s+│ 2 \(66\.7%\)/);
    assert.match(r.stdout, /bad rows\s+│ 3 \(lines 4, 5, 6\)/);
    assert.match(r.stdout, /line 4: label must be 0 or 1/);
  });

  it('says what share of questions --max-length cuts (default 20), and refuses one below 1', () => {
    assert.match(
      runCli(['data', 'stats', fixture]).stdout,
      /cut by maxLength 20\s+│ 0\.0% of questions \(0\)/,
    );
    const r = runCli(['data', 'stats', fixture, '--max-length', '6']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /cut by maxLength 6\s+│ 33\.3% of questions \(2\)/);
    const bad = runCli(['data', 'stats', fixture, '--max-length', '0']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(flat(bad.stderr), /--max-length must be 1 or more, got 0/);
    assert.ok(!bad.stderr.includes('    at '), bad.stderr);
  });

  it('prints one JSON document with --json', () => {
    const r = runCliJson<DataStats>(['data', 'stats', fixture, '--min-count', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.rows, 3);
    assert.equal(r.json.duplicates, 2);
    assert.equal(r.json.minCount, 2);
    assert.equal(r.json.badRows, 3);
    assert.equal(r.json.format, 'kaggle-csv');
  });

  it('honours --format and rejects a mismatch with exit 4', () => {
    const r = runCli(['data', 'stats', fixture, '--format', 'pairs-tsv']);
    assert.equal(r.code, 4);
    assert.match(flat(r.stderr), /does not look like pairs-tsv: its first line is ,id,qid1/);
  });

  it('reports a missing file clearly: exit 4, no stack trace', () => {
    const r = runCli(['data', 'stats', 'no/such/file.csv']);
    assert.equal(r.code, 4);
    assert.match(flat(r.stderr), /data file not found: no\/such\/file\.csv/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    const j = runCliJson<{ error: { code: string } }>(['data', 'stats', 'no/such/file.csv']);
    assert.equal(j.code, 4);
    assert.equal(j.json.error.code, 'DATA_FILE_NOT_FOUND');
  });

  describe('on each format it reads, with the format and columns it used', () => {
    const fix = (name: string) => join(PROJECT_ROOT, 'test', 'fixtures', 'data', name);
    const parquetFile = join(mkdtempSync(join(tmpdir(), 'qqp-stats-')), 'glue.parquet');
    parquetWriteFile({
      filename: parquetFile,
      columnData: [
        { name: 'question1', data: ['Why?', 'Who?', 'How?', 'When?', 'What?'], type: 'STRING' },
        {
          name: 'question2',
          data: ['Why so?', 'Who is it?', null, 'When is it?', 'What is it?'],
          type: 'STRING',
        },
        { name: 'label', data: [1n, 0n, 1n, 1n, 0n], type: 'INT64' },
        { name: 'idx', data: [0, 1, 2, 3, 4], type: 'INT32' },
      ],
      rowGroupSize: 2,
    });
    const cases: [string, string[], string, number, number, number][] = [
      // file, extra args, format, rows, duplicates, bad rows
      [fix('hf-export.csv'), [], 'hf-csv', 5, 2, 0],
      [fix('pairs.jsonl'), [], 'jsonl', 4, 2, 3],
      [parquetFile, [], 'parquet', 4, 2, 1],
      [fix('minimal.csv'), [], 'minimal-csv', 4, 1, 0],
      [fix('text-ab.csv'), ['--columns', 'question1=text_a,question2=text_b,label=dup'], 'csv', 4, 2, 0],
    ];
    for (const [file, extra, format, rows, duplicates, bad] of cases) {
      it(`${format}: ${rows} rows, ${duplicates} duplicates`, () => {
        const r = runCliJson<DataStats>(['data', 'stats', file, ...extra]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.json.format, format);
        assert.equal(r.json.rows, rows);
        assert.equal(r.json.duplicates, duplicates);
        assert.equal(r.json.badRows, bad);
        assert.ok(r.json.columns !== null);
      });
    }

    it('prints the columns, and rows (not lines) for Parquet', () => {
      const r = runCli(['data', 'stats', parquetFile]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /columns\s+│ question1=question1, question2=question2, label=label, id=idx/);
      assert.match(r.stdout, /bad rows\s+│ 1 \(row 3\)/);
      assert.match(r.stdout, /row 3: question2 is null/);
    });

    it('summarises several files in turn (--json: a list)', () => {
      const r = runCliJson<DataStats[]>(['data', 'stats', fix('hf-export.csv'), fix('minimal.csv')]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(
        r.json.map((s) => [s.format, s.rows]),
        [
          ['hf-csv', 5],
          ['minimal-csv', 4],
        ],
      );
    });

    it('refuses a bad --columns (exit 2) and a mapped column the header lacks (exit 4)', () => {
      const bad = runCli(['data', 'stats', fix('text-ab.csv'), '--columns', 'q1=text_a']);
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(flat(bad.stderr), /--columns: "q1=text_a" is not FIELD=COLUMN/);
      const missing = runCli([
        'data',
        'stats',
        fix('text-ab.csv'),
        '--format',
        'csv',
        '--columns',
        'question1=text_a,question2=text_c,label=dup',
      ]);
      assert.equal(missing.code, 4, missing.stderr);
      assert.match(
        flat(missing.stderr),
        /header missing column text_c \(data\.columns\.question2\) for csv; the header has text_a, text_b, dup/,
      );
      assert.doesNotMatch(missing.stderr, /\n\s+at /);
    });
  });
});
