// Tests on the real QQP samples in ../shared/data/qqp (skipped, saying so, when that folder is absent).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readPairs } from '../../src/data/read.js';
import type { DataStats } from '../../src/data/stats.js';
import { computeStats } from '../../src/data/stats.js';
import { runCliJson, SHARED_QQP } from '../helpers/cli.js';

const skip = existsSync(SHARED_QQP) ? false : `shared QQP samples not found at ${SHARED_QQP}`;
const at = (f: string) => join(SHARED_QQP, f);

// Figures seen when reading these files (row counts and duplicates match the folder's README).
const EXPECTED = [
  {
    file: 'kaggle-train-first10k.csv',
    format: 'kaggle-csv',
    rows: 10000,
    duplicates: 3711,
    invalidUtf8Lines: 0,
  },
  {
    file: 'kaggle-train-sample1k.csv',
    format: 'kaggle-csv',
    rows: 1000,
    duplicates: 374,
    invalidUtf8Lines: 0,
  },
  { file: 'pairs-balanced-a.tsv', format: 'pairs-tsv', rows: 10000, duplicates: 5000, invalidUtf8Lines: 83 },
  { file: 'pairs-balanced-b.tsv', format: 'pairs-tsv', rows: 10000, duplicates: 5000, invalidUtf8Lines: 72 },
];

describe('real QQP samples', { skip }, () => {
  for (const e of EXPECTED) {
    it(`reads ${e.file}: ${e.rows} rows, ${e.duplicates} duplicates, ${e.invalidUtf8Lines} broken UTF-8 lines`, async () => {
      const { rows, report } = await readPairs(at(e.file));
      assert.equal(report.format, e.format);
      assert.equal(rows.length, e.rows);
      assert.equal(report.badRows, 0);
      assert.equal(rows.filter((r) => r.label === 1).length, e.duplicates);
      assert.equal(report.invalidUtf8Lines, e.invalidUtf8Lines);
      assert.ok(rows.every((r) => r.question1 !== '' && r.question2 !== '' && r.id !== ''));
    });
  }

  it('the Kaggle first-10k file has ids 0..9999 on lines 2..10001 (no multi-line records)', async () => {
    const { rows } = await readPairs(at('kaggle-train-first10k.csv'));
    assert.equal(rows[0]!.id, '0');
    assert.equal(rows[9999]!.id, '9999');
    assert.ok(rows.every((r, i) => r.id === String(i)));
  });

  it('decodes the broken curly quotes as U+FFFD', async () => {
    const { rows, report } = await readPairs(at('pairs-balanced-a.tsv'));
    const first = report.invalidUtf8Samples[0]!;
    const row = rows.find((r) => r.line === first)!;
    assert.ok(`${row.question1}${row.question2}`.includes('\ufffd'));
  });

  it('computeStats gives 37.1% duplicates on the first 10k Kaggle rows', async () => {
    const s = await computeStats(at('kaggle-train-first10k.csv'));
    assert.equal(s.rows, 10000);
    assert.equal(s.duplicates, 3711);
    assert.equal(s.duplicateRate!.toFixed(3), '0.371');
    assert.ok(s.questionTokens.p50 > 0 && s.questionTokens.max >= s.questionTokens.p99);
  });

  it('`qqp data stats --json` reports 10,000 rows and 3,711 duplicates', () => {
    const r = runCliJson<DataStats>(['data', 'stats', at('kaggle-train-first10k.csv')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.rows, 10000);
    assert.equal(r.json.duplicates, 3711);
  });
});
