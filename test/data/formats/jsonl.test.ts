import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { describeSkipped, readPairs } from '../../../src/data/read.js';
import { DataError } from '../../../src/errors.js';
import { PROJECT_ROOT } from '../../helpers/cli.js';

const FIX = join(PROJECT_ROOT, 'test', 'fixtures', 'data');

describe('jsonl', () => {
  it('reads one object a line; bad JSON, a non-object and a missing field are bad rows on their lines', async () => {
    const { rows, report } = await readPairs(join(FIX, 'pairs.jsonl'));
    assert.equal(report.format, 'jsonl');
    assert.deepEqual(
      rows.map((r) => [r.line, r.id, r.label]),
      [
        [1, '0', 1],
        [2, '1', 0],
        [4, '3', 1],
        [6, '4', 0],
      ],
    );
    assert.equal(report.badRows, 3);
    assert.deepEqual(
      report.badRowSamples.map((b) => b.line),
      [3, 7, 8],
    );
    assert.match(report.badRowSamples[0]!.reason, /^not JSON: /);
    assert.equal(report.badRowSamples[1]!.reason, 'not a JSON object: an array');
    assert.equal(report.badRowSamples[2]!.reason, 'field question2 missing or not a string');
    assert.deepEqual(report.columns, {
      question1: 'question1',
      question2: 'question2',
      label: 'label',
      id: 'idx',
    });
    assert.match(
      describeSkipped('pairs.jsonl', report)[0]!,
      /^pairs\.jsonl: 3 bad rows skipped \(lines 3, 7, 8\)$/,
    );
  });

  it('stops at the first bad row with onBadRow: error, naming file:line', async () => {
    await assert.rejects(readPairs(join(FIX, 'pairs.jsonl'), { onBadRow: 'error' }), (err: unknown) => {
      assert.ok(err instanceof DataError);
      assert.match(err.message, /pairs\.jsonl:3: not JSON/);
      return true;
    });
  });

  it('takes fields named by data.columns, and says which fields the first object has when one is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qqp-jsonl-'));
    const file = join(dir, 'mine.jsonl');
    writeFileSync(file, '{"a": "Why?", "b": "How?", "same": true}\n{"a": "Who?", "b": "When?", "same": 0}\n');
    const { rows } = await readPairs(file, { columns: { question1: 'a', question2: 'b', label: 'same' } });
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
      assert.match(
        err.message,
        /mine\.jsonl:1: the first object has missing columns question1, question2, is_duplicate or label for jsonl; its fields are a, b, same/,
      );
      return true;
    });
  });
});
