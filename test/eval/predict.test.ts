import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import type { QqpError } from '../../src/errors.js';
import { csvField, formatProbability, predictFile, predictPairs } from '../../src/eval/predict.js';
import { expectedFile, makeTinyRun, SYNTHETIC, syntheticHead, type TinyRun, writeFile } from './fixture.js';

let run: TinyRun;
let labelled: string;
let kaggleTest: string;

before(async () => {
  run = await makeTinyRun();
  labelled = writeFile(run.tmp, 'dev.csv', syntheticHead(50));
  // Kaggle's test.csv layout: test_id,question1,question2, quoted fields with commas and quotes.
  kaggleTest = writeFile(
    run.tmp,
    'test.csv',
    [
      'test_id,question1,question2',
      '0,How do I learn Go?,What is the best way to learn Go?',
      '1,"Why, and how, do ""cats"" purr?","How do cats purr?"',
      '2,"A question on\ntwo lines?",Another question?',
    ].join('\n'),
  );
});

after(() => {
  if (run) rmSync(run.tmp, { recursive: true, force: true });
});

const records = (file: string): Record<string, string>[] =>
  parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];

/** Nothing but the expected files in a folder: no temporary file left behind. */
const listing = (dir: string) => readdirSync(dir).sort();

describe('predictPairs', () => {
  it('gives a probability in [0, 1] and the label at the threshold', async () => {
    const pairs = [
      { question1: 'How do I learn Go?', question2: 'What is the best way to learn Go?' },
      { question1: '  Is the moon made of cheese?  ', question2: 'What is the capital of France?' },
    ];
    const r = await predictPairs({ run: run.id, experimentsDir: run.experimentsDir, pairs });
    assert.equal(r.predictions.length, 2);
    assert.equal(r.threshold, 0.5);
    assert.equal(r.run.id, run.id);
    for (const p of r.predictions) {
      assert.ok(p.probability >= 0 && p.probability <= 1, String(p.probability));
      assert.equal(p.prediction, p.probability >= 0.5 ? 1 : 0);
    }
    assert.equal(r.predictions[1]!.question1, 'Is the moon made of cheese?');
    const p0 = r.predictions[0]!.probability;
    // Thresholds just below and above the probability flip the label.
    const low = await predictPairs({
      run: run.id,
      experimentsDir: run.experimentsDir,
      pairs: pairs.slice(0, 1),
      threshold: p0,
    });
    assert.equal(low.predictions[0]!.prediction, 1);
    const high = await predictPairs({
      run: run.id,
      experimentsDir: run.experimentsDir,
      pairs: pairs.slice(0, 1),
      threshold: Math.min(1, p0 + 1e-6),
    });
    assert.equal(high.predictions[0]!.prediction, 0);
  });

  it('refuses an empty question and a threshold outside [0, 1]', async () => {
    await assert.rejects(
      predictPairs({
        run: run.id,
        experimentsDir: run.experimentsDir,
        pairs: [{ question1: ' ', question2: 'x' }],
      }),
      (err: QqpError) => err.code === 'PREDICT_EMPTY_QUESTION' && err.category === 'usage',
    );
    await assert.rejects(
      predictPairs({
        run: run.id,
        experimentsDir: run.experimentsDir,
        pairs: [{ question1: 'a', question2: 'b' }],
        threshold: 1.5,
      }),
      (err: QqpError) => err.code === 'PREDICT_BAD_THRESHOLD',
    );
  });
});

describe('predictFile', () => {
  it('writes id,probability,prediction,label for a labelled file, the same as independent predictions', async () => {
    const out = join(run.tmp, 'out', 'dev-preds.csv');
    const r = await predictFile({ run: run.id, experimentsDir: run.experimentsDir, data: labelled, out });
    assert.equal(r.status, 'completed');
    assert.equal(r.out, out);
    assert.equal(r.rows, 50);
    assert.deepEqual(r.columns, ['id', 'probability', 'prediction', 'label']);
    assert.equal(readFileSync(out, 'utf8').split('\n')[0], 'id,probability,prediction,label');
    const rows = records(out);
    assert.equal(rows.length, 50);
    const expected = await expectedFile(run.dir, labelled);
    const source = records(labelled);
    rows.forEach((row, i) => {
      const p = Number(row.probability);
      assert.ok(p >= 0 && p <= 1);
      assert.equal(row.id, expected.ids[i]);
      assert.ok(Math.abs(p - expected.probs[i]!) < 1e-6, `${p} vs ${expected.probs[i]}`);
      assert.equal(row.prediction, p >= 0.5 ? '1' : '0');
      assert.equal(row.label, source[i]!.is_duplicate);
    });
    assert.equal(r.predictedDuplicates, rows.filter((row) => row.prediction === '1').length);
    assert.deepEqual(listing(join(run.tmp, 'out')), ['dev-preds.csv']);
  });

  it('gives a pair the same probability in a file as on its own', async () => {
    const out = join(run.tmp, 'same.csv');
    await predictFile({ run: run.id, experimentsDir: run.experimentsDir, data: kaggleTest, out });
    const rows = records(out);
    assert.deepEqual(
      rows.map((r) => r.id),
      ['0', '1', '2'],
    );
    const single = await predictPairs({
      run: run.id,
      experimentsDir: run.experimentsDir,
      pairs: [
        { question1: 'How do I learn Go?', question2: 'What is the best way to learn Go?' },
        { question1: 'Why, and how, do "cats" purr?', question2: 'How do cats purr?' },
        { question1: 'A question on\ntwo lines?', question2: 'Another question?' },
      ],
    });
    single.predictions.forEach((p, i) => {
      assert.equal(rows[i]!.probability, formatProbability(p.probability));
    });
  });

  it("writes Kaggle's submission format with --kaggle", async () => {
    const out = join(run.tmp, 'submission.csv');
    const r = await predictFile({
      run: run.id,
      experimentsDir: run.experimentsDir,
      data: kaggleTest,
      out,
      kaggle: true,
    });
    assert.equal(r.input.format, 'kaggle-test-csv');
    assert.equal(r.input.labelled, false);
    const text = readFileSync(out, 'utf8');
    assert.equal(text.split('\n')[0], 'test_id,is_duplicate');
    const rows = records(out);
    assert.deepEqual(Object.keys(rows[0]!), ['test_id', 'is_duplicate']);
    assert.deepEqual(
      rows.map((row) => row.test_id),
      ['0', '1', '2'],
    );
    const expected = await expectedFile(run.dir, kaggleTest);
    for (const [i, row] of rows.entries())
      assert.ok(Math.abs(Number(row.is_duplicate) - expected.probs[i]!) < 1e-6);
  });

  it('answers every row of a Kaggle test file, an empty question included', async () => {
    const withEmpty = writeFile(
      run.tmp,
      'test-empty.csv',
      'test_id,question1,question2\n0,How do I learn Go?,\n1,Why?,Why not?\n',
    );
    const out = join(run.tmp, 'empty.csv');
    await predictFile({
      run: run.id,
      experimentsDir: run.experimentsDir,
      data: withEmpty,
      out,
      kaggle: true,
    });
    assert.deepEqual(
      records(out).map((r) => r.test_id),
      ['0', '1'],
    );
  });

  it('streams a file larger than one read chunk, in order', async () => {
    assert.ok(statSync(SYNTHETIC).size > 1 << 20, 'the synthetic file should span several 1 MB chunks');
    const out = join(run.tmp, 'all.csv');
    const seen: number[] = [];
    const r = await predictFile({
      run: run.id,
      experimentsDir: run.experimentsDir,
      data: SYNTHETIC,
      out,
      threshold: 0.46,
      onProgress: (p) => seen.push(p.done),
    });
    const rows = records(out);
    const source = records(SYNTHETIC);
    assert.equal(r.rows, source.length);
    assert.equal(rows.length, source.length);
    assert.deepEqual(
      rows.map((row) => row.id),
      source.map((row) => row.id),
    );
    assert.equal(r.predictedDuplicates, rows.filter((row) => Number(row.probability) >= 0.46).length);
    assert.equal(seen.at(-1), source.length);
    assert.ok(
      seen.length > 2 && seen.every((d, i) => i === 0 || d > seen[i - 1]!),
      'progress grows batch by batch',
    );
  });

  it('refuses to overwrite --out unless forced', async () => {
    const out = writeFile(run.tmp, 'existing.csv', 'keep me\n');
    await assert.rejects(
      predictFile({ run: run.id, experimentsDir: run.experimentsDir, data: labelled, out }),
      (err: QqpError) =>
        err.code === 'PREDICT_OUT_EXISTS' && err.category === 'usage' && err.message.includes(out),
    );
    assert.equal(readFileSync(out, 'utf8'), 'keep me\n');
    await predictFile({ run: run.id, experimentsDir: run.experimentsDir, data: labelled, out, force: true });
    assert.equal(records(out).length, 50);
  });

  it('leaves nothing under --out (and no temporary file) when it fails or is interrupted', async () => {
    const dir = join(run.tmp, 'fail');
    const out = join(dir, 'preds.csv');
    const options = { run: run.id, experimentsDir: run.experimentsDir, data: SYNTHETIC, out };
    await assert.rejects(
      predictFile({
        ...options,
        onProgress: (p) => {
          if (p.done > 1000) throw new Error('disk on fire');
        },
      }),
      /disk on fire/,
    );
    assert.deepEqual(listing(dir), []);

    const controller = new AbortController();
    const r = await predictFile({
      ...options,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done >= 512) controller.abort();
      },
    });
    assert.equal(r.status, 'interrupted');
    assert.equal(r.out, null);
    assert.deepEqual(listing(dir), []);

    // An existing file replaced with --force survives a failed run untouched.
    writeFileSync(out, 'previous\n');
    await assert.rejects(
      predictFile({
        ...options,
        force: true,
        onProgress: () => {
          throw new Error('boom');
        },
      }),
    );
    assert.equal(readFileSync(out, 'utf8'), 'previous\n');
    assert.deepEqual(listing(dir), ['preds.csv']);
  });

  it('names a missing data file and a missing run', async () => {
    await assert.rejects(
      predictFile({
        run: run.id,
        experimentsDir: run.experimentsDir,
        data: join(run.tmp, 'nope.csv'),
        out: join(run.tmp, 'x.csv'),
      }),
      (err: QqpError) =>
        err.code === 'DATA_FILE_NOT_FOUND' && err.category === 'data' && err.message.includes('nope.csv'),
    );
    await assert.rejects(
      predictFile({
        run: 'nope',
        experimentsDir: run.experimentsDir,
        data: labelled,
        out: join(run.tmp, 'x.csv'),
      }),
      (err: QqpError) => err.code === 'RUN_NOT_FOUND' && err.category === 'run',
    );
  });
});

describe('CSV helpers', () => {
  it('quotes fields that need it and keeps probabilities to 7 significant digits', () => {
    assert.equal(csvField('abc'), 'abc');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(formatProbability(0.123456789), '0.1234568');
    assert.equal(formatProbability(1), '1');
    assert.equal(Number(formatProbability(3.3e-9)), 3.3e-9);
  });
});

describe('predicting with several runs (an ensemble)', () => {
  let other: TinyRun;
  before(async () => {
    other = await makeTinyRun(['experiment.seed=8', 'experiment.name=tiny-b'], run.tmp);
  });

  it("writes the mean of the runs' probabilities for a file, and names the runs", async () => {
    const out = join(run.tmp, 'ens-preds.csv');
    const r = await predictFile({
      run: [run.id, other.dir],
      experimentsDir: run.experimentsDir,
      data: labelled,
      out,
    });
    assert.equal(r.status, 'completed');
    assert.deepEqual(
      r.members?.map((m) => m.id),
      [run.id, other.id],
    );
    const a = await expectedFile(run.dir, labelled);
    const b = await expectedFile(other.dir, labelled);
    const rows = records(out);
    assert.equal(rows.length, 50);
    let differs = 0;
    rows.forEach((row, i) => {
      const mean = Math.fround((a.probs[i]! + b.probs[i]!) / 2);
      assert.equal(row.probability, formatProbability(mean), `row ${i}`);
      if (Math.abs(a.probs[i]! - b.probs[i]!) > 1e-4) differs++;
    });
    // The two members are different models, so the mean is neither one.
    assert.ok(differs > 0);
  });

  it('gives one pair the mean probability, and refuses a run named twice', async () => {
    const pair = { question1: 'How do I learn Go?', question2: 'What is the best way to learn Go?' };
    const one = async (ref: string) =>
      (await predictPairs({ run: ref, experimentsDir: run.experimentsDir, pairs: [pair] })).predictions[0]!
        .probability;
    const r = await predictPairs({
      run: [run.id, other.id],
      experimentsDir: run.experimentsDir,
      pairs: [pair],
    });
    assert.equal(
      r.predictions[0]!.probability,
      Math.fround(((await one(run.id)) + (await one(other.id))) / 2),
    );
    assert.equal(r.members?.length, 2);
    await assert.rejects(
      predictPairs({ run: [run.id, run.dir], experimentsDir: run.experimentsDir, pairs: [pair] }),
      (err: unknown) => (err as QqpError).code === 'EVAL_ENSEMBLE_REPEATED',
    );
  });
});
