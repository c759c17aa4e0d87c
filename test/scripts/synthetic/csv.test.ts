import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import {
  csvField,
  generateSyntheticQqp,
  KAGGLE_HEADER,
  SYNTHETIC_DEFAULTS,
  writeSyntheticCsv,
} from '../../../scripts/synthetic/index.js';
import { DataError } from '../../../src/errors.js';
import { PROJECT_ROOT } from '../../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'qqp-synthetic-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('csvField', () => {
  it('quotes only fields with a comma, quote or line break, doubling quotes', () => {
    assert.equal(csvField('How do I learn Python?'), 'How do I learn Python?');
    assert.equal(csvField(12), '12');
    assert.equal(csvField('Which is better, A or B?'), '"Which is better, A or B?"');
    assert.equal(csvField('What does "lit" mean?'), '"What does ""lit"" mean?"');
    assert.equal(csvField('a\nb'), '"a\nb"');
  });
});

describe('writeSyntheticCsv', () => {
  it('writes byte-identical files for the same seed and rows', async () => {
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    const ra = await writeSyntheticCsv(a, { seed: 3, rows: 400 });
    await writeSyntheticCsv(b, { seed: 3, rows: 400 });
    assert.ok(readFileSync(a).equals(readFileSync(b)));
    assert.equal(ra.sha256, sha256(readFileSync(a)));
    assert.equal(ra.bytes, statSync(a).size);
    await writeSyntheticCsv(b, { seed: 4, rows: 400 });
    assert.ok(!readFileSync(a).equals(readFileSync(b)));
  });

  it('writes the Kaggle train.csv layout that csv-parse reads back to the generated rows', async () => {
    const path = join(dir, 'kaggle.csv');
    const result = await writeSyntheticCsv(path, { seed: 8, rows: 500 });
    const text = readFileSync(path, 'utf8');
    assert.equal(text.split('\n')[0], `${KAGGLE_HEADER},kind`);
    assert.ok(text.endsWith('\n') && !text.includes('\r'));
    const records = parse(text, { columns: true }) as Record<string, string>[];
    const rows = generateSyntheticQqp({ seed: 8, rows: 500 });
    assert.equal(records.length, 500);
    assert.deepEqual(Object.keys(records[0] ?? {}), [...KAGGLE_HEADER.split(','), 'kind']);
    records.forEach((rec, i) => {
      const row = rows[i];
      assert.ok(row);
      assert.deepEqual(rec, {
        id: String(row.id),
        qid1: String(row.qid1),
        qid2: String(row.qid2),
        question1: row.question1,
        question2: row.question2,
        is_duplicate: String(row.isDuplicate),
        kind: row.kind,
      });
    });
    assert.equal(result.duplicates, rows.filter((r) => r.isDuplicate === 1).length);
  });

  it('leaves no temporary file behind, and reports a write failure as a data error', async () => {
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes('.tmp')),
      [],
    );
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, 'x');
    await assert.rejects(writeSyntheticCsv(join(blocker, 'out.csv'), { seed: 1, rows: 5 }), DataError);
  });

  it('regenerates the committed data/qqp-synthetic.csv exactly from the default options', async () => {
    const committed = readFileSync(join(PROJECT_ROOT, 'data', 'qqp-synthetic.csv'));
    assert.ok(committed.length < 5 * 1024 * 1024, 'a few MB at most');
    const fresh = await writeSyntheticCsv(join(dir, 'default.csv'), { ...SYNTHETIC_DEFAULTS });
    assert.equal(fresh.sha256, sha256(committed), 'run `npm run data:synthetic` and commit the result');
  });
});

describe('scripts/generate-synthetic.ts', () => {
  const script = join(PROJECT_ROOT, 'scripts', 'generate-synthetic.ts');
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    });

  it('writes --rows pairs with --seed to --out', async () => {
    const out = join(dir, 'script.csv');
    const r = run(['--seed', '5', '--rows', '50', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /50 pairs/);
    const expected = await writeSyntheticCsv(join(dir, 'script-expected.csv'), { seed: 5, rows: 50 });
    assert.equal(sha256(readFileSync(out)), expected.sha256);
  });

  it('exits 2 with a message on a bad flag', () => {
    const r = run(['--rows', 'many', '--out', join(dir, 'never.csv')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--rows must be a whole number/);
  });
});
