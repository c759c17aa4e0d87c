import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';

/**
 * Data files and data sections that do not fit the formats: each is refused (or its rows skipped)
 * with a clear message, the documented exit code, no stack trace, and nothing written beside the
 * experiments folder.
 */

const root = mkdtempSync(join(tmpdir(), 'qqp-hostile-formats-'));
after(() => rmSync(root, { recursive: true, force: true }));

// oclif wraps long error messages and prefixes lines with ›: compare the text without that.
const flat = (s: string) => s.replace(/›/g, ' ').replace(/\s+/g, ' ');

let cases = 0;
/** A fresh folder (the cwd of the command) holding `files`. */
function folder(files: Record<string, string | Buffer>): string {
  const dir = join(root, `case-${++cases}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function config(data: string[]): string {
  return [
    'experiment: { name: hostile, seed: 1 }',
    'data:',
    ...data.map((l) => `  ${l}`),
    'model:',
    '  type: sequential',
    '  layers:',
    '    - { type: embedding, outputDim: 4 }',
    '    - { type: globalAveragePooling1d }',
    '    - { type: dense, units: 1, activation: sigmoid }',
    'training: { epochs: 1, batchSize: 8, backend: cpu }',
    '',
  ].join('\n');
}

const ROWS = 'text_a,text_b,dup\nWhy?,How?,1\nWho?,When?,0\n';

describe('hostile data files and data sections', () => {
  it('a column data.columns names that the file lacks: exit 4, the file, its header and the config line', () => {
    const dir = folder({
      'mine.csv': ROWS,
      'x.yaml': config([
        'train: mine.csv',
        'test: mine.csv',
        'columns: { question1: text_a, question2: text_c, label: dup }',
        'format: csv',
      ]),
    });
    const r = runCli(['train', 'x.yaml', '--experiments-dir', 'exp'], { cwd: dir });
    assert.equal(r.code, 4, r.stderr);
    const text = flat(r.stderr);
    assert.match(
      text,
      /mine\.csv:1: header missing column text_c \(data\.columns\.question2\) for csv; the header has text_a, text_b, dup/,
    );
    assert.match(text, /x\.yaml:5:44 data\.columns\.question2: names "text_c", which the file lacks/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.deepEqual(readdirSync(dir).sort(), ['exp', 'mine.csv', 'x.yaml']);
  });

  it('an empty list of files or a column field qqp does not know: exit 3 at the config line', () => {
    const dir = folder({
      'mine.csv': ROWS,
      'empty.yaml': config(['train: []', 'test: mine.csv']),
      'field.yaml': config(['train: mine.csv', 'test: mine.csv', 'columns: { q1: text_a }']),
    });
    const empty = runCli(['validate', 'empty.yaml'], { cwd: dir });
    assert.equal(empty.code, 3, empty.stderr + empty.stdout);
    assert.match(flat(empty.stdout + empty.stderr), /empty\.yaml:3:\d+ data\.train/);
    const field = runCli(['validate', 'field.yaml'], { cwd: dir });
    assert.equal(field.code, 3, field.stderr + field.stdout);
    assert.match(flat(field.stdout + field.stderr), /field\.yaml:5:\d+ data\.columns\.q1/);
    assert.doesNotMatch(empty.stderr + field.stderr, /\n\s+at /);
    assert.deepEqual(readdirSync(dir).sort(), ['empty.yaml', 'field.yaml', 'mine.csv']);
  });

  it('a Parquet file cut short, and a file of garbage named .parquet: exit 4 with what is wrong', () => {
    const dir = folder({
      'cut.parquet': Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(64, 7)]),
      'garbage.parquet': Buffer.from([0, 1, 2, 3, 255, 254, 10, 9, 9, 9]),
    });
    const cut = runCli(['data', 'stats', 'cut.parquet'], { cwd: dir });
    assert.equal(cut.code, 4, cut.stderr);
    assert.match(flat(cut.stderr), /cannot read cut\.parquet as Parquet/);
    const garbage = runCli(['data', 'stats', 'garbage.parquet'], { cwd: dir });
    assert.equal(garbage.code, 4, garbage.stderr);
    assert.match(flat(garbage.stderr), /cannot tell the format of garbage\.parquet/);
    assert.doesNotMatch(cut.stderr + garbage.stderr, /\n\s+at /);
  });

  it('a JSONL file whose lines are all broken or not objects: every line a bad row, exit 4 with onBadRow error', () => {
    const dir = folder({
      'bad.jsonl': '{"question1": "Why?", "question2": "How?", "label": 1\n[1, 2]\n"text"\n',
    });
    const skip = runCli(['data', 'stats', 'bad.jsonl', '--format', 'jsonl'], { cwd: dir });
    assert.equal(skip.code, 0, skip.stderr);
    assert.match(skip.stdout, /rows\s+│ 0 /);
    assert.match(skip.stdout, /bad rows\s+│ 3 \(lines 1, 2, 3\)/);
    const stop = runCli(['data', 'stats', 'bad.jsonl', '--format', 'jsonl', '--on-bad-row', 'error'], {
      cwd: dir,
    });
    assert.equal(stop.code, 4, stop.stderr);
    assert.match(flat(stop.stderr), /bad\.jsonl:1: not JSON/);
    assert.doesNotMatch(stop.stderr, /\n\s+at /);
  });
});
