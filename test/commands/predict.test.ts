import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import type { PredictResult } from '../../src/commands/predict.js';
import {
  copyRun,
  expectedFile,
  makeTinyRun,
  syntheticHead,
  type TinyRun,
  writeFile,
} from '../eval/fixture.js';
import { runCli, runCliJson } from '../helpers/cli.js';

// These spawn the built CLI: run `npm run build` first (npm test does).

let run: TinyRun;
let dirFlag: string[];
let labelled: string;
let kaggleTest: string;

const Q1 = 'How do I learn Go?';
const Q2 = 'What is the best way to learn Go?';

before(async () => {
  run = await makeTinyRun();
  dirFlag = ['--experiments-dir', run.experimentsDir];
  labelled = writeFile(run.tmp, 'dev.csv', syntheticHead(40));
  kaggleTest = writeFile(
    run.tmp,
    'test.csv',
    `test_id,question1,question2\n0,${Q1},${Q2}\n1,"Why, and how, do cats purr?",How do cats purr?\n`,
  );
});

after(() => {
  if (run) rmSync(run.tmp, { recursive: true, force: true });
});

const records = (file: string): Record<string, string>[] =>
  parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];

function assertNoStack(stderr: string): void {
  assert.doesNotMatch(stderr, /\n\s+at /, `a stack trace in:\n${stderr}`);
}

describe('qqp predict', () => {
  it('one pair: the probability and the label, as text and as JSON', () => {
    const r = runCli(['predict', run.id, '--q1', Q1, '--q2', Q2, ...dirFlag]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^P\(duplicate\) = \d\.\d{4}: (duplicate|not duplicate) \(threshold 0\.5; run /);

    const j = runCliJson<Extract<PredictResult, { mode: 'pair' }>>([
      'predict',
      run.id,
      '--q1',
      Q1,
      '--q2',
      Q2,
      ...dirFlag,
    ]);
    assert.equal(j.code, 0, j.stderr);
    assert.equal(j.json.mode, 'pair');
    assert.ok(j.json.probability >= 0 && j.json.probability <= 1);
    assert.equal(j.json.prediction, j.json.probability >= 0.5 ? 1 : 0);
    assert.equal(j.json.label, j.json.prediction === 1 ? 'duplicate' : 'not duplicate');
    assert.ok(r.stdout.includes(`= ${j.json.probability.toFixed(4)}:`));
  });

  it('a file: a CSV with a header, one row per pair, the same probability as the single-pair path', async () => {
    const out = join(run.tmp, 'preds.csv');
    const r = runCli(['predict', run.id, '--data', kaggleTest, '--out', out, ...dirFlag]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(`wrote 2 predictions to ${out} (columns id,probability,prediction)`));
    const rows = records(out);
    assert.deepEqual(Object.keys(rows[0]!), ['id', 'probability', 'prediction']);
    assert.deepEqual(
      rows.map((row) => row.id),
      ['0', '1'],
    );
    for (const row of rows) {
      const p = Number(row.probability);
      assert.ok(p >= 0 && p <= 1);
      assert.equal(row.prediction, p >= 0.5 ? '1' : '0');
    }
    const single = runCliJson<Extract<PredictResult, { mode: 'pair' }>>([
      'predict',
      run.id,
      '--q1',
      Q1,
      '--q2',
      Q2,
      ...dirFlag,
    ]);
    assert.ok(Math.abs(Number(rows[0]!.probability) - single.json.probability) < 1e-6);
  });

  it('a labelled file: adds the label column; probabilities equal independent predictions', async () => {
    const out = join(run.tmp, 'labelled-preds.csv');
    const r = runCliJson<Extract<PredictResult, { mode: 'file' }>>([
      'predict',
      run.id,
      '--data',
      labelled,
      '--out',
      out,
      ...dirFlag,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.rows, 40);
    assert.equal(r.json.input.labelled, true);
    const rows = records(out);
    assert.equal(rows.length, 40);
    const expected = await expectedFile(run.dir, labelled);
    rows.forEach((row, i) => {
      assert.ok(Math.abs(Number(row.probability) - expected.probs[i]!) < 1e-6);
      assert.match(row.label!, /^[01]$/);
    });
  });

  it('--kaggle writes test_id,is_duplicate', () => {
    const out = join(run.tmp, 'submission.csv');
    const r = runCli(['predict', run.id, '--data', kaggleTest, '--out', out, '--kaggle', ...dirFlag]);
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(out, 'utf8');
    assert.equal(text.split('\n')[0], 'test_id,is_duplicate');
    const rows = records(out);
    assert.equal(rows.length, 2);
    assert.ok(rows.every((row) => Number(row.is_duplicate) >= 0 && Number(row.is_duplicate) <= 1));
  });

  it('refuses to overwrite --out without --force, and leaves no temporary file', () => {
    const dir = join(run.tmp, 'outdir');
    const out = join(dir, 'taken.csv');
    mkdirSync(dir);
    writeFileSync(out, 'mine\n');
    const again = runCli(['predict', run.id, '--data', kaggleTest, '--out', out, ...dirFlag]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exists; not overwriting it/);
    assert.match(again.stderr, /--force/);
    assert.equal(readFileSync(out, 'utf8'), 'mine\n');
    const forced = runCli(['predict', run.id, '--data', kaggleTest, '--out', out, '--force', ...dirFlag]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(records(out).length, 2);
    assert.deepEqual(readdirSync(dir), ['taken.csv']);
  });

  it('usage mistakes exit 2 with a message', () => {
    const noOut = runCli(['predict', run.id, '--data', kaggleTest, ...dirFlag]);
    assert.equal(noOut.code, 2);
    assert.match(noOut.stderr, /--data needs --out FILE/);
    const badT = runCli(['predict', run.id, '--q1', 'a', '--q2', 'b', '--threshold', 'high', ...dirFlag]);
    assert.equal(badT.code, 2);
    assert.match(badT.stderr, /--threshold must be a number from 0 to 1, got "high"/);
    for (const r of [noOut, badT]) assertNoStack(r.stderr);
  });

  it('a damaged run folder, a missing data file: exit 6 or 4 naming the file', () => {
    const noModel = copyRun(run, 'no-model');
    rmSync(join(noModel, 'model', 'last', 'model.json'));
    const m = runCli(['predict', 'no-model', '--q1', 'a', '--q2', 'b', ...dirFlag]);
    assert.equal(m.code, 6);
    assert.ok(m.stderr.includes(join(noModel, 'model', 'last', 'model.json')), m.stderr);

    const out = join(run.tmp, 'never.csv');
    const d = runCli(['predict', run.id, '--data', join(run.tmp, 'nope.csv'), '--out', out, ...dirFlag]);
    assert.equal(d.code, 4);
    assert.match(d.stderr, /data file not found: .*nope\.csv/);
    assert.throws(() => readFileSync(out));
    for (const r of [m, d]) assertNoStack(r.stderr);
  });
});

describe('qqp predict RUN RUN (an ensemble)', () => {
  let other: TinyRun;
  before(async () => {
    other = await makeTinyRun(['experiment.seed=8', 'experiment.name=tiny-b'], run.tmp);
  });

  it('predicts one pair and a file with the mean of the runs, naming them', () => {
    const pair = runCli(['predict', run.id, other.id, '--q1', Q1, '--q2', Q2, ...dirFlag]);
    assert.equal(pair.code, 0, pair.stderr);
    assert.ok(pair.stdout.includes(`the mean of 2 runs: ${run.id}, ${other.id}`), pair.stdout);
    const { json } = runCliJson<PredictResult>([
      'predict',
      run.id,
      other.id,
      '--q1',
      Q1,
      '--q2',
      Q2,
      ...dirFlag,
    ]);
    assert.equal(json.mode, 'pair');
    assert.deepEqual(
      json.members?.map((m) => m.id),
      [run.id, other.id],
    );
    const out = join(run.tmp, 'ens-cli.csv');
    const file = runCli(['predict', run.id, other.id, '--data', labelled, '--out', out, ...dirFlag]);
    assert.equal(file.code, 0, file.stderr);
    assert.match(file.stdout, /wrote 40 predictions/);
    assert.ok(file.stdout.includes('the mean of 2 runs'));
    assert.equal(records(out).length, 40);
  });

  it('refuses a run named twice with the usage exit code and no stack trace', () => {
    const r = runCli(['predict', run.id, run.dir, '--q1', Q1, '--q2', Q2, ...dirFlag]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /is given twice/);
    assertNoStack(r.stderr);
  });
});
