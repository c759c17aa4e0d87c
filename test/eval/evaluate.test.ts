import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { QqpError } from '../../src/errors.js';
import { evaluateRun } from '../../src/eval/evaluate.js';
import { openRun } from '../../src/eval/run.js';
import { evaluationFileName } from '../../src/runs/folder.js';
import type { BinaryEvaluation } from '../../src/runs/records.js';
import {
  assertSameMetrics,
  copyRun,
  expectedFile,
  expectedSplit,
  makeTinyRun,
  syntheticHead,
  type TinyRun,
  writeFile,
} from './fixture.js';

let run: TinyRun;

before(async () => {
  run = await makeTinyRun();
});

after(() => {
  if (run) rmSync(run.tmp, { recursive: true, force: true });
});

async function rejectsWith(
  p: Promise<unknown>,
  category: string,
  code: string,
  mentions: string,
): Promise<QqpError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof QqpError, `expected a QqpError, got ${(err as Error).stack}`);
    assert.equal(err.code, code, err.describe());
    assert.equal(err.category, category);
    assert.ok(err.message.includes(mentions), `"${err.message}" should mention ${mentions}`);
    return err;
  }
  assert.fail(`expected ${code}`);
}

describe('evaluateRun', () => {
  it('evaluates the test split by default: evaluateBinary of independent predictions, saved as eval-test.json', async () => {
    const r = await evaluateRun({ run: run.id, experimentsDir: run.experimentsDir, backend: 'cpu' });
    assert.deepEqual(r.source.kind === 'split' && r.source.split, 'test');
    assertSameMetrics(r, await expectedSplit(run.dir, 'test'));
    assert.equal(r.count, 60);
    assert.equal(r.run.completed, true);
    assert.deepEqual(r.run.notes, []);
    assert.equal(r.savedTo, join(run.dir, 'eval-test.json'));
    const saved = JSON.parse(readFileSync(join(run.dir, 'eval-test.json'), 'utf8'));
    assert.deepEqual(saved, JSON.parse(JSON.stringify(r)));
    // The trainer evaluated the same model on the same split at the end of the run.
    const summary = JSON.parse(readFileSync(join(run.dir, 'summary.json'), 'utf8'));
    assert.equal(r.logLoss, summary.test.logLoss);
    assert.deepEqual(r.bestF1, summary.test.bestF1);
  });

  it('evaluates the validation split, by folder path too', async () => {
    const r = await evaluateRun({
      run: run.dir,
      experimentsDir: '/nonexistent',
      split: 'validation',
      backend: 'cpu',
    });
    assertSameMetrics(r, await expectedSplit(run.dir, 'validation'));
    assert.ok(existsSync(join(run.dir, 'eval-validation.json')));
  });

  it('evaluates a labelled file (CSV and headerless TSV) and saves eval-<file name>.json', async () => {
    const csv = writeFile(run.tmp, 'dev.csv', syntheticHead(120));
    const r = await evaluateRun({
      run: run.id,
      experimentsDir: run.experimentsDir,
      data: csv,
      backend: 'cpu',
    });
    const expected = await expectedFile(run.dir, csv);
    assertSameMetrics(r, expected.evaluation as BinaryEvaluation);
    assert.equal(r.count, 120);
    assert.deepEqual(r.source, {
      kind: 'file',
      file: csv,
      format: 'kaggle-csv',
      badRows: 0,
      badRowSamples: [],
      suspectFields: 0,
      suspectFieldSamples: [],
      invalidUtf8Lines: 0,
      invalidUtf8Samples: [],
    });
    assert.equal(r.savedTo, join(run.dir, 'eval-dev.csv.json'));
    assert.ok(existsSync(join(run.dir, 'eval-dev.csv.json')));

    // The same pairs as label<TAB>question1<TAB>question2<TAB>id give the same figures.
    const tsvRows = syntheticHead(120)
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => {
        const [id, , , q1, q2, label] = line.split(',');
        return [label, q1, q2, id].join('\t');
      });
    // Only rows without commas inside questions survive that naive split; compare with the file read back.
    const tsv = writeFile(
      run.tmp,
      'dev.tsv',
      `${tsvRows.filter((l) => l.split('\t').length === 4).join('\n')}\n`,
    );
    const t = await evaluateRun({
      run: run.id,
      experimentsDir: run.experimentsDir,
      data: tsv,
      backend: 'cpu',
      save: false,
    });
    assertSameMetrics(t, (await expectedFile(run.dir, tsv)).evaluation as BinaryEvaluation);
    assert.equal(t.source.kind === 'file' && t.source.format, 'pairs-tsv');
    assert.equal(t.savedTo, null);
    assert.ok(!existsSync(join(run.dir, 'eval-dev.tsv.json')));
  });

  it('names saved files so a data file never replaces a split result', () => {
    assert.equal(evaluationFileName({ kind: 'split', split: 'test' }), 'eval-test.json');
    const file = { kind: 'file', format: 'kaggle-csv', badRows: 0, invalidUtf8Lines: 0 } as const;
    assert.equal(evaluationFileName({ ...file, file: '/x/test.csv' }), 'eval-test.csv.json');
    assert.equal(evaluationFileName({ ...file, file: '/x/my data?.tsv' }), 'eval-my_data_.tsv.json');
  });

  it('refuses an unlabelled file, an empty file, and --split with --data', async () => {
    const unlabelled = writeFile(
      run.tmp,
      'test.csv',
      'test_id,question1,question2\n0,How do I cook rice?,How to cook rice?\n',
    );
    const err = await rejectsWith(
      evaluateRun({ run: run.id, experimentsDir: run.experimentsDir, data: unlabelled }),
      'data',
      'EVAL_UNLABELLED',
      'has no labels',
    );
    assert.ok(err.suggestions.some((s) => s.includes('qqp predict')));
    const onlyBad = writeFile(
      run.tmp,
      'bad.csv',
      'id,qid1,qid2,question1,question2,is_duplicate\n1,1,2,,x,0\n',
    );
    await rejectsWith(
      evaluateRun({ run: run.id, experimentsDir: run.experimentsDir, data: onlyBad }),
      'data',
      'EVAL_NO_ROWS',
      'no readable pairs',
    );
    await rejectsWith(
      evaluateRun({ run: run.id, experimentsDir: run.experimentsDir, data: onlyBad, split: 'test' }),
      'usage',
      'EVAL_SPLIT_AND_DATA',
      'not both',
    );
    await rejectsWith(
      evaluateRun({ run: run.id, experimentsDir: run.experimentsDir, data: join(run.tmp, 'nope.csv') }),
      'data',
      'DATA_FILE_NOT_FOUND',
      'nope.csv',
    );
  });
});

describe('a run folder that is incomplete or damaged', () => {
  const edit = (dir: string, file: string, f: (text: string) => string) =>
    writeFileSync(join(dir, file), f(readFileSync(join(dir, file), 'utf8')));

  it('an unknown run names where it looked', async () => {
    await rejectsWith(openRun('no-such-run', run.experimentsDir), 'run', 'RUN_NOT_FOUND', 'no-such-run');
  });

  it('missing or corrupt run.json, config.yaml, vocabulary.json', async () => {
    const cases: [string, (dir: string) => void, string, string][] = [
      ['no-meta', (d) => rmSync(join(d, 'run.json')), 'RUN_FILE_MISSING', 'run.json'],
      ['bad-meta', (d) => writeFileSync(join(d, 'run.json'), '{"id": '), 'RUN_FILE_CORRUPT', 'run.json'],
      ['no-config', (d) => rmSync(join(d, 'config.yaml')), 'RUN_FILE_MISSING', 'config.yaml'],
      [
        'bad-config',
        (d) => writeFileSync(join(d, 'config.yaml'), 'model: {type: nonsense}\n'),
        'RUN_CONFIG_INVALID',
        'config.yaml',
      ],
      ['no-vocab', (d) => rmSync(join(d, 'vocabulary.json')), 'RUN_FILE_MISSING', 'vocabulary.json'],
      [
        'bad-vocab',
        (d) => writeFileSync(join(d, 'vocabulary.json'), '[1, 2'),
        'RUN_FILE_CORRUPT',
        'vocabulary.json',
      ],
      [
        'bad-summary',
        (d) => writeFileSync(join(d, 'summary.json'), '{}'),
        'RUN_FILE_CORRUPT',
        'summary.json',
      ],
    ];
    for (const [name, damage, code, file] of cases) {
      const dir = copyRun(run, name);
      damage(dir);
      await rejectsWith(evaluateRun({ run: name, experimentsDir: run.experimentsDir }), 'run', code, file);
    }
  });

  it('missing or corrupt model files', async () => {
    const cases: [string, (dir: string) => void, string, string][] = [
      [
        'no-weights',
        (d) => rmSync(join(d, 'model', 'last', 'weights.bin')),
        'RUN_MODEL_MISSING',
        'weights.bin',
      ],
      [
        'short-weights',
        (d) => writeFileSync(join(d, 'model', 'last', 'weights.bin'), 'xx'),
        'RUN_MODEL_CORRUPT',
        'weights.bin',
      ],
      ['no-model', (d) => rmSync(join(d, 'model'), { recursive: true }), 'RUN_MODEL_MISSING', 'model.json'],
      [
        'bad-model',
        (d) => writeFileSync(join(d, 'model', 'last', 'model.json'), '{"modelTopology": {}}'),
        'RUN_MODEL_CORRUPT',
        'model.json',
      ],
    ];
    for (const [name, damage, code, file] of cases) {
      const dir = copyRun(run, name);
      damage(dir);
      await rejectsWith(evaluateRun({ run: name, experimentsDir: run.experimentsDir }), 'run', code, file);
    }
  });

  it('a run without summary.json (not completed) uses model/last and says so', async () => {
    const dir = copyRun(run, 'unfinished');
    rmSync(join(dir, 'summary.json'));
    edit(dir, 'run.json', (t) => t.replace('"status": "completed"', '"status": "interrupted"'));
    rmSync(join(dir, 'model', 'best'), { recursive: true });
    const r = await evaluateRun({ run: 'unfinished', experimentsDir: run.experimentsDir });
    assert.equal(r.run.weights, 'last');
    assert.equal(r.run.completed, false);
    assert.match(r.run.notes.join('\n'), /did not complete \(status interrupted.*model\/last/);
    assertSameMetrics(r, await expectedSplit(run.dir, 'test'));
  });

  it("follows summary.json's finalWeights: best reads model/best", async () => {
    const dir = copyRun(run, 'restored-best');
    edit(dir, 'summary.json', (t) => t.replace(/"finalWeights": "last"/, '"finalWeights": "best"'));
    // Without model/best the choice shows: the error names it.
    rmSync(join(dir, 'model', 'best'), { recursive: true });
    const err = await rejectsWith(
      evaluateRun({ run: 'restored-best', experimentsDir: run.experimentsDir }),
      'run',
      'RUN_MODEL_MISSING',
      join('model', 'best'),
    );
    assert.ok(err.message.includes('model.json'));
    const copy = copyRun(run, 'restored-best-2');
    edit(copy, 'summary.json', (t) => t.replace(/"finalWeights": "last"/, '"finalWeights": "best"'));
    rmSync(join(copy, 'model', 'last'), { recursive: true });
    const r = await evaluateRun({ run: 'restored-best-2', experimentsDir: run.experimentsDir });
    assert.equal(r.run.weights, 'best');
  });

  it('changed data is refused; a missing data file is named with the config that names it', async () => {
    const changed = copyRun(run, 'changed');
    edit(changed, 'config.yaml', (t) => t.replace('limit: 400', 'limit: 399'));
    await rejectsWith(
      evaluateRun({ run: 'changed', experimentsDir: run.experimentsDir }),
      'run',
      'RUN_DATA_CHANGED',
      'changed since',
    );

    const moved = copyRun(run, 'moved');
    edit(moved, 'config.yaml', (t) => t.replace(/source: .*/, 'source: gone.csv'));
    const err = await rejectsWith(
      evaluateRun({ run: 'moved', experimentsDir: run.experimentsDir }),
      'data',
      'DATA_FILE_NOT_FOUND',
      'gone.csv',
    );
    assert.ok(err.message.includes(join(moved, 'config.yaml')));
  });

  it('an empty split is an error that suggests the other', async () => {
    const dir = copyRun(run, 'no-validation');
    edit(dir, 'config.yaml', (t) =>
      t.replace('train: 0.7', 'train: 0.85').replace('validation: 0.15', 'validation: 0'),
    );
    // run.json records the trained split's fingerprint; drop it so only the emptiness is tested.
    edit(dir, 'run.json', (t) => {
      const meta = JSON.parse(t);
      delete meta.data;
      return JSON.stringify(meta);
    });
    const err = await rejectsWith(
      evaluateRun({ run: 'no-validation', experimentsDir: run.experimentsDir, split: 'validation' }),
      'data',
      'EVAL_EMPTY_SPLIT',
      'no validation split',
    );
    assert.ok(err.suggestions.some((s) => s.includes('--split test')));
  });
});
