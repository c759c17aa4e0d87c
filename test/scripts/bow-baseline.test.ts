import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BASELINE_DEFAULTS, readPairs, runBowBaseline } from '../../scripts/bow-baseline.js';
import { generateSyntheticQqp, writeSyntheticCsv } from '../../scripts/synthetic/index.js';
import { DataError } from '../../src/errors.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'qqp-bow-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('bag-of-words baseline', () => {
  it('reads Kaggle CSVs with an unnamed index column and extra columns, skipping bad labels', () => {
    const path = join(dir, 'kaggle-like.csv');
    writeFileSync(
      path,
      [
        ',id,qid1,qid2,question1,question2,is_duplicate,extra',
        '0,0,1,2,"How do I cook rice, fast?",How to cook rice quickly?,1,x',
        '1,1,3,4,Why is the sea salty?,Who wrote Hamlet?,0,y',
        '2,2,5,6,What is love?,,0,z',
        '3,3,7,8,Broken label?,Row,maybe,w',
      ].join('\n'),
    );
    const { pairs, skipped } = readPairs(path);
    assert.equal(skipped, 1);
    assert.deepEqual(pairs, [
      { q1: 'How do I cook rice, fast?', q2: 'How to cook rice quickly?', label: 1 },
      { q1: 'Why is the sea salty?', q2: 'Who wrote Hamlet?', label: 0 },
      { q1: 'What is love?', q2: '', label: 0 },
    ]);
  });

  it('says what is wrong with a missing file or a file without the QQP columns', () => {
    assert.throws(() => readPairs(join(dir, 'nope.csv')), DataError);
    const path = join(dir, 'other.csv');
    writeFileSync(path, 'a,b\n1,2\n');
    assert.throws(() => readPairs(path), /question1, question2 and is_duplicate/);
  });

  it('learns something on the synthetic data but stays well below 100%', () => {
    const pairs = generateSyntheticQqp({ seed: 21, rows: 3000 }).map((r) => ({
      q1: r.question1,
      q2: r.question2,
      label: r.isDuplicate,
    }));
    const m = runBowBaseline(pairs, BASELINE_DEFAULTS);
    assert.equal(m.train + m.test, 3000);
    assert.equal(m.test, 600);
    assert.ok(
      m.accuracy > m.majorityAccuracy + 0.03,
      `accuracy ${m.accuracy} vs majority ${m.majorityAccuracy}`,
    );
    assert.ok(m.accuracy < 0.9, `a bag of words should not solve it: ${m.accuracy}`);
    assert.ok(m.f1 > 0 && m.f1 < 1 && m.logLoss > 0);
  });

  it('prints its figures as one JSON document with --json', async () => {
    const path = join(dir, 'small.csv');
    await writeSyntheticCsv(path, { seed: 2, rows: 300 });
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(PROJECT_ROOT, 'scripts', 'bow-baseline.ts'), path, '--json', '--epochs', '3'],
      { cwd: PROJECT_ROOT, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const json = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(json.rows, 300);
    for (const key of ['accuracy', 'f1', 'logLoss', 'majorityAccuracy'])
      assert.equal(typeof json[key], 'number', key);
  });
});
