import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DownloadProgress } from '../../src/cli/views/download.js';
import {
  type BarState,
  epochLine,
  epochLines,
  keptLine,
  runSecondsLeft,
  TrainProgress,
  trainBarLine,
} from '../../src/cli/views/progress.js';
import { configLines } from '../../src/cli/views/show.js';
import { skippedWarnings } from '../../src/cli/views/skipped.js';
import {
  LiveTable,
  metricText,
  paramText,
  type SweepProgress,
  sweepEta,
  sweepProgressLine,
  trialRows,
} from '../../src/cli/views/sweep.js';
import type { ManifestTrial, SweepManifest } from '../../src/sweep/runner.js';

/** A non-terminal stream that keeps what is written. */
function sink(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = {
    isTTY: false,
    write: (s: string) => {
      text += s;
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return { stream, text: () => text };
}

function trial(over: Partial<ManifestTrial>): ManifestTrial {
  return {
    index: 1,
    id: 'abcdefabcdef',
    params: { 'training.batchSize': 16, 'training.optimizer.type': 'sgd' },
    overrides: [],
    config: 'trials/abcdefabcdef.yaml',
    status: 'running',
    attempts: 1,
    epochs: 0,
    history: [],
    best: null,
    bestEpoch: null,
    ...over,
  };
}

describe('sweep views', () => {
  it('format parameters, metric values and trial rows', () => {
    assert.equal(paramText({ a: 1, b: 'x', c: [1, 2] }), 'a=1 b=x c=[1,2]');
    assert.equal(metricText(0.123456), '0.1235');
    assert.equal(metricText(null), '-');
    assert.equal(metricText(Number.NaN), '-');
    assert.deepEqual(trialRows([trial({ status: 'stopped', epochs: 2, best: 0.5, runId: 'r1' })]), [
      ['1', 'training.batchSize=16 training.optimizer.type=sgd', 'stopped @2', '2', '0.5000', 'r1'],
    ]);
    assert.equal(
      trialRows([trial({ status: 'stopped', epochs: 2, bracket: 1 })])[0]?.[2],
      'stopped @2 (bracket 1)',
    );
    assert.equal(
      trialRows([trial({ status: 'completed', epochs: 4, bracket: 0 })])[0]?.[2],
      'completed (bracket 0)',
    );
  });

  it('LiveTable off a terminal writes one line per change', () => {
    const out = sink();
    let ms = 0;
    const live = new LiveTable(out.stream, false, { now: () => ms, width: () => 80 });
    const t = trial({});
    const manifest = {
      id: 's1',
      metric: 'validation.loss',
      trials: [t, trial({ index: 2 })],
    } as SweepManifest;
    live.handle({ type: 'start', manifest, toRun: 1, parallel: 1 });
    live.handle({ type: 'trial', trial: t, change: 'start', manifest });
    live.handle({ type: 'trial', trial: { ...t, runId: 'r1', host: 'h' }, change: 'run', manifest });
    const e1 = { ...t, epochs: 1, history: [{ epoch: 1, value: 0.7 }], best: 0.7 };
    live.handle({ type: 'trial', trial: e1, change: 'epoch', manifest });
    ms = 65_000;
    live.handle({
      type: 'trial',
      trial: { ...e1, status: 'failed', failure: 'X: broke\nstack' },
      change: 'end',
      manifest,
    });
    live.stop();
    assert.equal(
      out.text(),
      [
        'sweep s1: 2 trial(s), 1 to run, 1 already done',
        'trial 1 started (training.batchSize=16 training.optimizer.type=sgd)',
        'trial 1 run r1 on h',
        'trial 1 epoch 1  validation.loss 0.7000  best 0.7000',
        'trial 1 failed after 1 epoch(s), best validation.loss 0.7000: X: broke',
        'sweep: 2/2 trials done, 0 running, 0 to go  elapsed 1m05s',
        '',
      ].join('\n'),
    );
  });
});

describe('sweep progress and ETA', () => {
  const base: SweepProgress = {
    total: 8,
    done: 3,
    running: [
      { seconds: 30, epochs: 1 },
      { seconds: 90, epochs: 3 },
    ],
    waiting: 3,
    finished: [
      { seconds: 100, epochs: 4 },
      { seconds: 140, epochs: 4 },
      { seconds: 120, epochs: 4 },
    ],
    elapsed: 250,
    parallel: 2,
  };

  it('sweepEta deals the trials left to the parallel slots at the mean time of the finished ones', () => {
    // Mean 120 s. Slots: 90 s and 30 s left; three more trials of 120 s go to the slot free first:
    // 30+120=150, 90+120=210, 150+120=270.
    assert.deepEqual(sweepEta(base), { seconds: 270, kind: 'estimate' });
    // One at a time: everything in a row.
    assert.deepEqual(sweepEta({ ...base, parallel: 1, running: [{ seconds: 30, epochs: 1 }], waiting: 4 }), {
      seconds: 90 + 4 * 120,
      kind: 'estimate',
    });
    // More slots than trials left: the longest one left.
    assert.deepEqual(sweepEta({ ...base, parallel: 8, waiting: 1 }), { seconds: 120, kind: 'estimate' });
    // A running trial past the mean is counted as about to end, not as negative time.
    assert.equal(sweepEta({ ...base, running: [{ seconds: 500, epochs: 9 }], waiting: 0 })?.seconds, 0);
    assert.equal(sweepEta({ ...base, finished: [] }), null);
  });

  it('with ASHA the ETA is an upper bound: every trial left at maxEpochs, at the pace per epoch seen', () => {
    // 30 s per epoch (a trial stopped at 2 epochs in 60 s, one that ran 6 in 180 s); a trial is 180 s.
    const asha: SweepProgress = {
      ...base,
      maxEpochs: 6,
      finished: [
        { seconds: 60, epochs: 2 },
        { seconds: 180, epochs: 6 },
      ],
      running: [{ seconds: 60, epochs: 2 }],
      waiting: 2,
    };
    // Slots: 120 s left and 0; the two waiting trials: 0+180, 120+180.
    assert.deepEqual(sweepEta(asha), { seconds: 300, kind: 'upper' });
    assert.equal(sweepEta({ ...asha, finished: [{ seconds: 5, epochs: 0 }] }), null);
  });

  it('sweepProgressLine fits 80 and 60 columns, with elapsed time and ETA', () => {
    const wide = sweepProgressLine(base, 80);
    assert.equal(wide, 'sweep: 3/8 trials done, 2 running, 3 to go  elapsed 4m10s  ETA 4m30s');
    const narrow = sweepProgressLine(base, 60);
    assert.ok(narrow.length <= 60, narrow);
    assert.equal(narrow, '3/8 done, 2 running  elapsed 4m10s  ETA 4m30s');
    const unknown = { ...base, done: 0, finished: [] };
    assert.equal(
      sweepProgressLine(unknown, 80),
      '0/8 done, 2 running  elapsed 4m10s  ETA unknown (no trial finished yet)',
    );
    assert.equal(sweepProgressLine(unknown, 60), '0/8 done, 2 running  elapsed 4m10s  ETA unknown');
    for (const width of [80, 60]) {
      for (const p of [
        unknown,
        { ...base, maxEpochs: 4 },
        { ...base, queued: true },
        { ...base, total: 1200, done: 1000, waiting: 180, elapsed: 400_000 },
      ]) {
        const line = sweepProgressLine(p, width);
        assert.ok([...line].length <= width, `${[...line].length} > ${width}: ${line}`);
        assert.match(line, /(elapsed )?\d+(h|m|s)\S* {2}ETA (unknown|(≤ )?\d)/);
      }
    }
    assert.match(
      sweepProgressLine({ ...base, maxEpochs: 4 }, 80),
      /ETA ≤ 4m30s \(if ASHA stops no more trials\)$/,
    );
    assert.match(sweepProgressLine({ ...base, maxEpochs: 4 }, 60), /ETA ≤ 4m30s$/);
    assert.match(
      sweepProgressLine({ ...base, queued: true }, 100),
      /ETA 4m30s \(at 2 trial\(s\) at once, as seen so far\)$/,
    );
    // Nothing left: no ETA.
    assert.equal(
      sweepProgressLine({ ...base, done: 8, running: [], waiting: 0 }, 80),
      'sweep: 8/8 trials done, 0 running, 0 to go  elapsed 4m10s',
    );
  });

  it('LiveTable measures trials by its clock, and on a queue from when a worker takes them', () => {
    let ms = 0;
    const out = sink();
    const live = new LiveTable(out.stream, false, { now: () => ms, queued: true, width: () => 80 });
    const a = trial({ index: 1 });
    const b = trial({ index: 2, id: 'bbbbbbbbbbbb' });
    const manifest = { id: 's1', metric: 'validation.loss', trials: [a, b] } as SweepManifest;
    live.handle({ type: 'start', manifest, toRun: 2, parallel: Number.MAX_SAFE_INTEGER });
    live.handle({ type: 'trial', trial: a, change: 'start', manifest });
    live.handle({ type: 'trial', trial: b, change: 'start', manifest });
    assert.equal(live.progress().running.length, 0, 'queued, not yet taken');
    assert.equal(live.progress().waiting, 2);
    ms = 10_000;
    live.handle({ type: 'trial', trial: { ...a, runId: 'r1', host: 'w1' }, change: 'run', manifest });
    ms = 70_000;
    live.handle({ type: 'trial', trial: { ...a, status: 'completed', epochs: 3 }, change: 'end', manifest });
    const p = live.progress();
    assert.deepEqual(p.finished, [{ seconds: 60, epochs: 3 }]);
    assert.equal(p.parallel, 1);
    assert.equal(p.elapsed, 70);
    assert.equal(p.waiting, 1);
    assert.equal(sweepEta(p)?.seconds, 60);
    assert.match(out.text(), /sweep: 1\/2 trials done, 0 running, 1 to go {2}elapsed 1m10s {2}ETA 1m00s/);
  });
});

describe('download views', () => {
  it('DownloadProgress off a terminal writes a line per tenth of the transfer', () => {
    const out = sink();
    const p = new DownloadProgress(out.stream);
    p.handle({ type: 'request', url: 'http://x/a.zip' });
    p.handle({ type: 'response', url: 'http://x/a.zip', totalBytes: 2_000_000 });
    for (const got of [100_000, 150_000, 200_000, 1_000_000, 2_000_000])
      p.handle({ type: 'progress', receivedBytes: got, totalBytes: 2_000_000 });
    p.handle({ type: 'downloaded', bytes: 2_000_000, sha256: 'ab' });
    p.handle({ type: 'extract', file: 'QQP/train.tsv', index: 0 });
    assert.equal(
      out.text(),
      [
        'downloading http://x/a.zip',
        '  size: 2.0 MB',
        '  10% (200.0 kB of 2.0 MB)',
        '  50% (1.0 MB of 2.0 MB)',
        '  100% (2.0 MB of 2.0 MB)',
        '  received 2,000,000 bytes, SHA-256 ab',
        '  unpacked QQP/train.tsv',
        '',
      ].join('\n'),
    );
  });
});

describe('skipped-row views', () => {
  const skipped = {
    file: 'train.csv',
    format: 'kaggle-csv',
    rows: 10,
    badRows: 2,
    badRowSamples: [
      { line: 4, reason: 'label must be 0 or 1, found "x"' },
      { line: 9, reason: 'question1 runs over 12 lines (lines 9-20): likely a quote not closed on line 9' },
    ],
    suspectFields: 1,
    suspectFieldSamples: [{ line: 9, lines: 12, field: 'question1' }],
    invalidUtf8Lines: 0,
    invalidUtf8Samples: [],
  };

  it('skippedWarnings: a warning with the count and lines, then each reason indented', () => {
    assert.deepEqual(skippedWarnings('train.csv', skipped), [
      'warning: train.csv: 2 bad rows skipped (lines 4, 9); 1 is a record over many lines, likely a broken quote (starting on line 9)',
      '  line 4: label must be 0 or 1, found "x"',
      '  line 9: question1 runs over 12 lines (lines 9-20): likely a quote not closed on line 9',
    ]);
    assert.deepEqual(skippedWarnings('ok.csv', { badRows: 0, invalidUtf8Lines: 0 }), []);
  });

  it('TrainProgress prints each file with its format and columns, then the skipped rows, then what was dropped', () => {
    const out = sink();
    const view = new TrainProgress(out.stream, false);
    const columns = { question1: 'text_a', question2: 'text_b', label: 'dup', id: null };
    view.handle({
      type: 'data',
      sizes: { train: 7, validation: 2, test: 1 },
      vocabularySize: 30,
      validationSplit: 'validation',
      monitor: 'val_loss',
      files: [
        { ...skipped, role: 'train', columns },
        { ...skipped, file: 'clean.csv', badRows: 0, badRowSamples: [], suspectFields: 0 },
      ],
      dropped: ['dropped 3 training pairs whose text is in the test file (data.dropTestOverlap)'],
    });
    const lines = out.text().split('\n');
    assert.match(lines[0]!, /^data: 7 train/);
    assert.match(
      lines[1]!,
      /^ {2}train train\.csv: kaggle-csv, \d+ rows \(question1=text_a, question2=text_b, label=dup, id=\(row number\)\)$/,
    );
    assert.match(lines[2]!, /^ {2}clean\.csv: kaggle-csv, \d+ rows$/);
    assert.match(lines[3]!, /^warning: train\.csv: 2 bad rows skipped \(lines 4, 9\)/);
    assert.equal(
      lines[5],
      '  line 9: question1 runs over 12 lines (lines 9-20): likely a quote not closed on line 9',
    );
    assert.equal(lines[6], 'dropped 3 training pairs whose text is in the test file (data.dropTestOverlap)');
    assert.ok(!out.text().includes('warning: clean.csv'));
    assert.equal(lines[7], '* on an epoch line: best val_loss so far (saved as model/best)');
  });

  it('TrainProgress names test_* for what they are and says when nothing picks a best epoch', () => {
    const out = sink();
    const view = new TrainProgress(out.stream, false);
    view.handle({
      type: 'data',
      sizes: { train: 8, validation: 0, test: 2 },
      vocabularySize: 30,
      validationSplit: 'test',
      monitor: null,
      files: [],
      dropped: [],
    });
    const text = out.text();
    assert.match(text, /no validation split, so test_\* are the test split per epoch/);
    assert.match(text, /no best epoch: nothing picks one/);
    assert.ok(!text.includes('val_'));
  });

  it('trainBarLine fits 80 columns and keeps examples/s and both ETAs, dropping detail first', () => {
    const wide: BarState = {
      epoch: 10,
      epochs: 100,
      batch: 12345,
      batches: 99999,
      loss: 0.412345,
      accuracy: 0.801123,
      examplesPerSecond: 12345.6,
      epochLeft: 3725,
      runLeft: 37250,
    };
    for (const width of [80, 60, 50]) {
      const line = trainBarLine(wide, width);
      assert.ok([...line].length <= width, `${line.length} > ${width}: ${line}`);
      assert.match(line, /^epoch 10\/100 /);
      assert.match(line, / 12346 ex\/s {2}ETA 1h02m, run 10h20m$/);
    }
    assert.match(trainBarLine(wide, 80), /loss 0\.41/);
    const roomy = trainBarLine(wide, 200);
    assert.match(roomy, / 12345\/99999 {2}loss 0\.4123 {2}acc 0\.8011 {2}/);
    assert.equal([...roomy.split(' ')[2]!].length, 24);
    const typical = trainBarLine(
      {
        ...wide,
        epoch: 3,
        epochs: 10,
        batch: 120,
        batches: 500,
        examplesPerSecond: 96,
        epochLeft: 41,
        runLeft: 250,
      },
      80,
    );
    assert.ok(typical.length <= 80, typical);
    assert.match(
      typical,
      /^epoch 3\/10 .* 120\/500 {2}loss 0\.4123 {2}acc 0\.8011 {2}96 ex\/s {2}ETA 41s, run 4m10s$/,
    );
    const lastEpoch = trainBarLine({ ...wide, epoch: 100, loss: Number.NaN, epochLeft: Number.NaN }, 80);
    assert.match(lastEpoch, /loss - .* ETA \?$/);
  });

  it("runSecondsLeft adds the epochs to come at the mean pace of those done, else at this epoch's", () => {
    assert.equal(runSecondsLeft(3, 10, 20, [30, 50], 10), 20 + 7 * 40);
    assert.equal(runSecondsLeft(1, 4, 30, [], 10), 30 + 3 * 40);
    assert.equal(runSecondsLeft(4, 4, 5, [30], 10), 5);
  });

  describe('epochLines', () => {
    const reference = {
      epoch: 3,
      loss: 0.41234,
      accuracy: 0.80111,
      test_loss: 0.45,
      test_accuracy: 0.79,
      learningRate: 0.0010000000474974513,
      seconds: 41.234,
      examplesPerSecond: 195.6,
    };
    // The longest realistic line: a validation split, every metric, a slow epoch, the best marker.
    const longest = {
      epoch: 100,
      loss: 0.41234,
      accuracy: 0.80111,
      precision: 0.7,
      recall: 0.6,
      binaryCrossentropy: 0.41,
      val_loss: 0.45,
      val_accuracy: 0.79,
      val_precision: 0.7,
      val_recall: 0.6,
      val_binaryCrossentropy: 0.45,
      learningRate: 0.00030000001,
      seconds: 12041.234,
      examplesPerSecond: 11195.6,
    };

    it('keeps every figure on one line with full names when it fits', () => {
      assert.deepEqual(epochLines(reference, 10, { best: true, width: 120 }), [
        'epoch 3/10  loss 0.4123  accuracy 0.8011  test_loss 0.4500  test_accuracy 0.7900  lr 0.001  41.2s  196 ex/s  *',
      ]);
      assert.deepEqual(epochLines(reference, 10, { width: 100 }), [
        'epoch 3/10  loss 0.4123  acc 0.8011  test_loss 0.4500  test_acc 0.7900  lr 0.001  41.2s  196 ex/s',
      ]);
    });

    it('fits 80 columns: training figures and the * first, the test_/val_ figures aligned below', () => {
      assert.deepEqual(epochLines(reference, 10, { best: true, width: 80 }), [
        'epoch 3/10  loss 0.4123  acc 0.8011  lr 0.001  41.2s  196 ex/s  *',
        '            test_loss 0.4500  test_acc 0.7900',
      ]);
      for (const width of [80, 60]) {
        const lines = epochLines(longest, 100, { best: true, width });
        for (const line of lines) assert.ok(line.length <= width, `${line.length} > ${width}: ${line}`);
        const text = lines.join('\n');
        assert.match(lines[0]!, /^epoch 100\/100 {2}loss 0\.4123 {2}acc 0\.8011/);
        for (const figure of [
          'val_loss 0.4500',
          'val_bce 0.4500',
          'rec 0.6000',
          'lr 0.0003',
          '12041.2s',
          '11196 ex/s',
        ])
          assert.ok(text.includes(figure), `${figure} missing: ${text}`);
        assert.equal(text.match(/\*/g)?.length, 1);
        // Every figure is on a line of its own kind: validation figures only after the training ones.
        const firstVal = lines.findIndex((l) => l.includes('val_'));
        assert.ok(lines.slice(firstVal).every((l) => !/ (loss|acc) /.test(l.replace(/val_\w+ /g, ''))));
        assert.ok(lines.slice(1).every((l) => l.startsWith(' '.repeat('epoch 100/100  '.length))));
      }
    });

    it('epochLine joins the lines, and TrainProgress prints them', () => {
      assert.equal(
        epochLine(reference, 10, true, 80),
        epochLines(reference, 10, { best: true, width: 80 }).join('\n'),
      );
      const out = sink();
      const view = new TrainProgress(out.stream, false, 10, () => 0);
      view.handle({ type: 'epochStart', epoch: 3, epochs: 10, batches: 10, examples: 1000 });
      view.handle({ type: 'epochEnd', record: longest, improved: true });
      const lines = out.text().trimEnd().split('\n');
      assert.ok(lines.length >= 2);
      for (const line of lines) assert.ok(line.length <= 80, line);
      assert.match(out.text(), /\*\n/);
    });
  });

  it('TrainProgress plain lines show the run ETA from its clock', () => {
    const out = sink();
    let ms = 0;
    const view = new TrainProgress(out.stream, false, 10, () => ms);
    view.handle({ type: 'epochStart', epoch: 1, epochs: 3, batches: 10, examples: 1000 });
    ms = 60_000;
    view.handle({
      type: 'epochEnd',
      record: { epoch: 1, learningRate: 0.001, seconds: 60, examplesPerSecond: 20 },
      improved: false,
    });
    view.handle({ type: 'epochStart', epoch: 2, epochs: 3, batches: 10, examples: 1000 });
    ms = 90_000;
    const batch = {
      type: 'batch',
      epoch: 2,
      batch: 5,
      batches: 10,
      examples: 500,
      loss: 0.5,
      accuracy: 0.75,
    } as const;
    view.handle({ ...batch, examplesPerSecond: 20 });
    const line = out.text().trim().split('\n').at(-1)!;
    assert.equal(line, 'epoch 2/3 batch 5/10  loss 0.5000  acc 0.7500  20 ex/s  ETA 25s, run 1m25s');
  });

  it("keptLine says which epoch's weights were kept and why", () => {
    const base = {
      status: 'completed',
      epochs: 10,
      stoppedEarly: false,
      best: null,
      test: null,
      trainSeconds: 1,
    } as const;
    const last = { epoch: 10, learningRate: 0.001, seconds: 1, examplesPerSecond: 1 };
    assert.equal(
      keptLine({ ...base, bestMonitor: null, bestEpoch: null, last, finalWeights: 'last' }),
      'kept the weights of epoch 10 (the last)',
    );
    assert.equal(
      keptLine({ ...base, bestMonitor: 'val_loss', bestEpoch: 3, last, finalWeights: 'last' }),
      'best val_loss at epoch 3; kept the weights of epoch 10 (the last)',
    );
    assert.equal(
      keptLine({
        ...base,
        epochs: 4,
        stoppedEarly: true,
        bestMonitor: 'val_loss',
        bestEpoch: 2,
        last: { ...last, epoch: 4 },
        finalWeights: 'best',
      }),
      'kept the weights of epoch 2 (best val_loss, early stopping restored them)',
    );
  });
});

describe('show views', () => {
  const model = {
    key: 'model',
    value:
      'sequential: embedding(outputDim=64) → bidirectional(lstm(units=64, returnSequences=true)) → bidirectional(lstm(units=32)) → dense(units=64, activation=relu) → dropout(rate=0.2) → dense(units=1, activation=sigmoid)',
  };
  const words = (lines: string[]) => lines.map((l) => l.trim().replace(/^model: +/, '')).join(' ');

  it('configLines wraps the model line at layer boundaries to 80 columns, with a hanging indent', () => {
    const lines = configLines([{ key: 'experiment', value: 'name bilstm, seed 2019' }, model], 80);
    assert.deepEqual(lines, [
      '  experiment: name bilstm, seed 2019',
      '  model:      sequential: embedding(outputDim=64) →',
      '                bidirectional(lstm(units=64, returnSequences=true)) →',
      '                bidirectional(lstm(units=32)) →',
      '                dense(units=64, activation=relu) → dropout(rate=0.2) →',
      '                dense(units=1, activation=sigmoid)',
    ]);
  });

  it('configLines at 50 columns: every line fits, no word is cut, each continuation indented', () => {
    const lines = configLines([model], 50);
    for (const line of lines) assert.ok([...line].length <= 50, line);
    assert.equal(words(lines), model.value);
    assert.ok(lines.slice(1).every((l) => /^ {16}\S/.test(l)));
    // Layers break at their arrows; only the one wider than the line breaks after a comma.
    assert.ok(
      lines.slice(0, -1).every((l) => l.endsWith('→') || l.endsWith(',') || l.endsWith(':')),
      lines.join('\n'),
    );
    assert.ok(lines.includes('                dense(units=64, activation=relu) →'));
  });
});
