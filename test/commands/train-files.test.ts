// CLI test: a config whose data.train is a list of files of two formats (spawns the built CLI).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { runCliJson } from '../helpers/cli.js';

interface Result {
  id: string;
  dir: string;
  status: string;
}

const WORDS = ['rice', 'swim', 'jazz', 'piano', 'ice', 'cats', 'python', 'peru', 'magnets', 'sky'];

/** `n` made-up pairs: duplicates ask the same thing twice, others ask about two different words. */
function pairs(n: number, offset: number): [string, string, number][] {
  return Array.from({ length: n }, (_, i) => {
    const w = WORDS[(i + offset) % WORDS.length]!;
    const v = WORDS[(i + offset + 3) % WORDS.length]!;
    return i % 2 === 0
      ? [`How do I learn ${w} ${i + offset}?`, `What is the way to learn ${w}?`, 1]
      : [`How do I learn ${w} ${i + offset}?`, `Why is ${v} popular?`, 0];
  });
}

describe('qqp train with data.train: [a.tsv, b.csv]', () => {
  it('trains on both files, records each with its format and columns, and the fingerprint follows either file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qqp-cli-files-'));
    const a = join(dir, 'a.tsv');
    const b = join(dir, 'b.csv');
    writeFileSync(
      a,
      pairs(40, 0)
        .map(([q1, q2, l], i) => `${l}\t${q1}\t${q2}\t${i}\n`)
        .join(''),
    );
    const writeB = (extra: string) =>
      writeFileSync(
        b,
        `text_a,text_b,dup\n${pairs(30, 100)
          .map(([q1, q2, l]) => `${q1},${q2},${l}`)
          .join('\n')}\n${extra}`,
      );
    writeB('');
    writeFileSync(
      join(dir, 't.tsv'),
      pairs(10, 7)
        .map(([q1, q2, l], i) => `${l}\t${q1}\t${q2}\t${i}\n`)
        .join(''),
    );
    const config = join(dir, 'files.yaml');
    writeFileSync(
      config,
      [
        'experiment: { name: files, seed: 3 }',
        'data:',
        '  train: [a.tsv, b.csv]',
        '  test: t.tsv',
        '  columns: { question1: text_a, question2: text_b, label: dup }',
        '  split: { validation: 0.2, seed: 1 }',
        '  encoding: { pair: concat, maxLength: 8 }',
        '  vocabulary: { maxSize: 200 }',
        'model:',
        '  type: sequential',
        '  layers:',
        '    - { type: embedding, outputDim: 4 }',
        '    - { type: globalAveragePooling1d }',
        '    - { type: dense, units: 1, activation: sigmoid }',
        'training: { epochs: 1, batchSize: 16, backend: cpu }',
        '',
      ].join('\n'),
    );
    const experiments = join(dir, 'experiments');
    const r = runCliJson<Result>(['train', config, '--experiments-dir', experiments], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.status, 'completed');
    assert.match(r.stderr, /^data: 56 train, 14 validation, 10 test pairs/m);
    assert.match(
      r.stderr,
      /^ {2}train \S*\/a\.tsv: pairs-tsv, 40 rows \(question1=field 2, question2=field 3, label=field 1, id=field 4\)$/m,
    );
    assert.match(
      r.stderr,
      /^ {2}train \S*\/b\.csv: csv, 30 rows \(question1=text_a, question2=text_b, label=dup, id=\(row number\)\)$/m,
    );
    const meta = JSON.parse(readFileSync(join(r.json.dir, 'run.json'), 'utf8'));
    assert.deepEqual(
      meta.data.files.map((f: { role: string; format: string; rows: number }) => [f.role, f.format, f.rows]),
      [
        ['train', 'pairs-tsv', 40],
        ['train', 'csv', 30],
        ['test', 'pairs-tsv', 10],
      ],
    );
    assert.equal(meta.data.validationFromTrain, true);
    // The run folder's config names the files relative to the folder.
    const saved = readFileSync(join(r.json.dir, 'config.yaml'), 'utf8');
    const trainPaths = /train:\s*\n\s*- (\S+)\n\s*- (\S+)/.exec(saved);
    assert.ok(trainPaths, saved);
    assert.equal(resolve(r.json.dir, trainPaths[1]!), a);
    assert.equal(resolve(r.json.dir, trainPaths[2]!), b);
    const log = readFileSync(join(r.json.dir, 'train.log'), 'utf8');
    assert.match(log, /data: train \S*\/b\.csv: csv, 30 rows/);

    writeB('How do I learn rice 999?,Why is sky popular?,0\n');
    const changed = runCliJson<Result>(['train', config, '--experiments-dir', experiments], { cwd: dir });
    assert.equal(changed.code, 0, changed.stderr);
    const meta2 = JSON.parse(readFileSync(join(changed.json.dir, 'run.json'), 'utf8'));
    assert.notEqual(meta2.data.fingerprint, meta.data.fingerprint);
  });
});
