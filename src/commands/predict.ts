import { Args, Flags } from '@oclif/core';
import { BACKENDS } from '../backend/names.js';
import { QqpCommand } from '../cli/base.js';
import { EXIT_CODES } from '../cli/exit-codes.js';
import { columnsFlag, experimentsDirFlag, parseColumnsFlag, parseThreshold } from '../cli/flags.js';
import { formatCount } from '../cli/render.js';
import { RowProgressView, runLine } from '../cli/views/progress.js';
import { skippedWarnings } from '../cli/views/skipped.js';
import { DATA_FORMATS } from '../data/schema.js';
import { UsageError } from '../errors.js';
import type { PredictFileResult, PredictPairsResult } from '../eval/index.js';
import { DEFAULT_THRESHOLD } from '../eval/options.js';

export type PredictResult =
  | ({ mode: 'pair' } & Omit<PredictPairsResult, 'predictions'> & {
        question1: string;
        question2: string;
        probability: number;
        prediction: 0 | 1;
        label: 'duplicate' | 'not duplicate';
      })
  | ({ mode: 'file' } & PredictFileResult);

export default class Predict extends QqpCommand<PredictResult> {
  static override summary =
    "Predict with a run's final model: one pair (--q1/--q2) or a whole file (--data, --out)";
  static override description =
    'A file is streamed in chunks (any size, any readable format, Kaggle test.csv included) into a CSV with a header: ' +
    "id,probability,prediction (plus label when the file is labelled), or with --kaggle Kaggle's submission format test_id,is_duplicate " +
    '(is_duplicate holds the probability). The CSV is written to a temporary file and renamed when complete. ' +
    'A probability at or above --threshold predicts "duplicate". A run that did not complete uses its last epoch\'s model. ' +
    'With two runs or more, the probability is the mean of theirs (an ensemble, as `qqp eval RUN RUN…` evaluates it).';
  static override examples = [
    '<%= config.bin %> predict 20261128-101500-bilstm --q1 "How do I learn Go?" --q2 "What is the best way to learn Go?"',
    '<%= config.bin %> predict experiments/20261128-101500-bilstm --data data/qqp/test.csv --out preds.csv',
    '<%= config.bin %> predict 20261128-101500-bilstm --data data/qqp/test.csv --out submission.csv --kaggle',
    '<%= config.bin %> predict 20261128-101500-re2 20261128-103000-siamese --data data/qqp/test.csv --out preds.csv',
  ];
  static override strict = false;
  static override args = {
    run: Args.string({
      description:
        'Run folder, or run id under --experiments-dir; several: their ensemble (mean probability)',
      required: true,
    }),
  };
  static override flags = {
    ...experimentsDirFlag,
    q1: Flags.string({ description: 'First question of one pair', helpValue: 'TEXT', dependsOn: ['q2'] }),
    q2: Flags.string({ description: 'Second question of one pair', helpValue: 'TEXT', dependsOn: ['q1'] }),
    data: Flags.string({
      description: 'File of pairs to predict (any readable format)',
      helpValue: 'FILE',
      exclusive: ['q1', 'q2'],
    }),
    out: Flags.string({
      description: 'CSV file to write the predictions to (with --data)',
      helpValue: 'FILE',
    }),
    ...columnsFlag,
    format: Flags.string({ description: 'Format of --data', options: [...DATA_FORMATS], default: 'auto' }),
    kaggle: Flags.boolean({
      description: "Write Kaggle's submission format: test_id,is_duplicate (the probability)",
    }),
    force: Flags.boolean({ description: 'Replace --out if it exists' }),
    threshold: Flags.string({
      description: `Probability at or above which a pair is predicted duplicate (default ${DEFAULT_THRESHOLD})`,
      helpValue: 'T',
    }),
    'batch-size': Flags.integer({ description: 'Pairs per inference batch', default: 256, min: 1 }),
    backend: Flags.string({ options: [...BACKENDS], description: "Override the run's training.backend" }),
  };

  protected async execute(): Promise<PredictResult> {
    const { args, argv, flags } = await this.parse(Predict);
    const threshold = parseThreshold(flags.threshold);
    const { predictFile, predictPairs } = await import('../eval/index.js');
    const common = {
      run: argv as string[],
      experimentsDir: flags['experiments-dir'],
      threshold,
      batchSize: flags['batch-size'],
      ...(flags.backend ? { backend: flags.backend as (typeof BACKENDS)[number] } : {}),
    };
    if (flags.data === undefined) {
      if (flags.q1 === undefined || flags.q2 === undefined) {
        throw new UsageError(
          'PREDICT_NOTHING',
          'give one pair (--q1 TEXT --q2 TEXT) or a file (--data FILE --out FILE)',
          {
            suggestions: [
              `qqp predict ${args.run} --q1 "How do I learn Go?" --q2 "What is the best way to learn Go?"`,
            ],
          },
        );
      }
      for (const f of ['out', 'kaggle', 'force'] as const) {
        if (flags[f])
          throw new UsageError('PREDICT_FLAG_NEEDS_DATA', `--${f} goes with --data FILE, not with --q1/--q2`);
      }
      const r = await predictPairs({ ...common, pairs: [{ question1: flags.q1, question2: flags.q2 }] });
      const { predictions, ...rest } = r;
      const p = predictions[0]!;
      return { mode: 'pair', ...rest, ...p, label: p.prediction === 1 ? 'duplicate' : 'not duplicate' };
    }
    if (flags.out === undefined) {
      throw new UsageError('PREDICT_NO_OUT', '--data needs --out FILE: the CSV to write the predictions to', {
        suggestions: [`qqp predict ${args.run} --data ${flags.data} --out predictions.csv`],
      });
    }

    const { data } = flags;
    const { out } = flags;
    const progress = new RowProgressView('predict');
    try {
      const r = await this.interruptible(
        (signal) =>
          predictFile({
            ...common,
            data,
            out,
            format: flags.format as (typeof DATA_FORMATS)[number],
            ...(flags.columns !== undefined ? { columns: parseColumnsFlag(flags.columns) } : {}),
            kaggle: flags.kaggle,
            force: flags.force,
            signal,
            onProgress: (p) => progress.update(p),
          }),
        {
          onFirst: (signal) => {
            progress.stop();
            this.note(`\n${signal}: stopping after the current batch; ${out} will not be written`);
          },
          onAgain: (signal) => {
            progress.stop();
            this.note(`\n${signal} again: stopping now`);
          },
        },
      );
      if (r.status === 'interrupted') this.resultExitCode = EXIT_CODES.interrupted;
      return { mode: 'file', ...r };
    } finally {
      progress.stop();
    }
  }

  protected render(r: PredictResult): void {
    const runs = r.members ?? [r.run];
    for (const m of runs) for (const n of m.notes) this.note(`note: ${n}`);
    const by =
      r.members === undefined
        ? runLine(r.run)
        : `the mean of ${r.members.length} runs: ${r.members.map((m) => m.id).join(', ')}`;
    if (r.mode === 'pair') {
      this.log(`P(duplicate) = ${r.probability.toFixed(4)}: ${r.label} (threshold ${r.threshold}; ${by})`);
      return;
    }
    if (r.status === 'interrupted' || r.out === null) {
      this.log('interrupted: nothing was written');
      return;
    }
    const pct = r.rows > 0 ? ` (${((100 * r.predictedDuplicates) / r.rows).toFixed(1)}%)` : '';
    this.log(`wrote ${formatCount(r.rows)} predictions to ${r.out} (columns ${r.columns.join(',')})`);
    this.log(
      `${formatCount(r.predictedDuplicates)} predicted duplicate at threshold ${r.threshold}${pct}; ${by}`,
    );
    for (const text of skippedWarnings(r.input.file, r.input)) this.note(text);
    if (r.input.badRows > 0) {
      this.note('  (skipped rows have no prediction; `qqp data stats FILE` lists them all)');
      if (r.columns[0] === 'test_id') this.note('warning: a Kaggle submission needs a row for every test_id');
    }
  }
}
