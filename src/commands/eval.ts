import { Args, Flags } from '@oclif/core';
import { BACKENDS } from '../backend/names.js';
import { QqpCommand } from '../cli/base.js';
import { columnsFlag, experimentsDirFlag, parseColumnsFlag } from '../cli/flags.js';
import { formatCount, table } from '../cli/render.js';
import { RowProgressView, runLine } from '../cli/views/progress.js';
import { skippedWarnings } from '../cli/views/skipped.js';
import { DATA_FORMATS } from '../data/schema.js';
import type { EvaluationResult, SliceTable } from '../eval/index.js';
import { EVAL_SPLITS } from '../eval/options.js';
import { LENGTH_SLICE, sliceThresholdLabel } from '../eval/slices.js';
import type { ThresholdMetrics } from '../runs/records.js';
import { thresholdLabel } from '../train/metrics.js';
import { printable } from '../util/text.js';

export default class Eval extends QqpCommand<EvaluationResult> {
  static override summary =
    "Evaluate a run's final model on its test or validation split, or on a labelled file";
  static override description =
    'Accuracy, precision, recall, F1 and the confusion matrix at threshold 0.5 and at the F1-best threshold, plus log loss and ROC AUC. ' +
    "The run's split is reproduced from its config and seed (refused if the data files changed). " +
    'The result is saved in the run folder: eval-test.json, eval-validation.json, or eval-<file name>.json for --data. ' +
    "A run that did not complete is evaluated with its last epoch's model. " +
    '--slice adds a table per slice (pairs, duplicates, errors and the metrics of each value), at the F1-best threshold when it was chosen on other pairs (validation, --threshold-from), else at 0.5.';
  static override examples = [
    '<%= config.bin %> eval 20261128-101500-bilstm',
    '<%= config.bin %> eval experiments/20261128-101500-bilstm --split validation',
    '<%= config.bin %> eval 20261128-101500-bilstm --data data/qqp/dev.tsv --json',
    '<%= config.bin %> eval 20261128-101500-bilstm --slice kind --slice length',
  ];
  static override args = {
    run: Args.string({ description: 'Run folder, or run id under --experiments-dir', required: true }),
  };
  static override flags = {
    ...experimentsDirFlag,
    split: Flags.string({
      options: [...EVAL_SPLITS],
      description: "The run's split to evaluate (default test)",
      exclusive: ['data'],
    }),
    data: Flags.string({
      description: 'A labelled file to evaluate on instead (any readable format)',
      helpValue: 'FILE',
    }),
    ...columnsFlag,
    format: Flags.string({ description: 'Format of --data', options: [...DATA_FORMATS], default: 'auto' }),
    'threshold-from': Flags.string({
      description:
        "Where the F1-best threshold is chosen before it is applied: 'validation' (the run's split) or a labelled FILE (default: validation when the run has one, else the evaluated pairs, marked optimistic)",
      helpValue: 'validation|FILE',
    }),
    slice: Flags.string({
      description:
        "Metrics per value of an extra column of the data (e.g. kind), or per question-length bucket ('length': tokens of the longer question); repeatable",
      helpValue: 'COLUMN|length',
      multiple: true,
    }),
    'batch-size': Flags.integer({ description: 'Pairs per inference batch', default: 256, min: 1 }),
    backend: Flags.string({ options: [...BACKENDS], description: "Override the run's training.backend" }),
  };

  protected async execute(): Promise<EvaluationResult> {
    const { args, flags } = await this.parse(Eval);
    const { evaluateRun } = await import('../eval/index.js');
    const progress = new RowProgressView('eval');
    try {
      return await evaluateRun({
        run: args.run,
        experimentsDir: flags['experiments-dir'],
        ...(flags.split ? { split: flags.split as (typeof EVAL_SPLITS)[number] } : {}),
        ...(flags.data !== undefined ? { data: flags.data } : {}),
        format: flags.format as (typeof DATA_FORMATS)[number],
        ...(flags.columns !== undefined ? { columns: parseColumnsFlag(flags.columns) } : {}),
        batchSize: flags['batch-size'],
        ...(flags.slice !== undefined ? { slices: flags.slice } : {}),
        ...(flags['threshold-from'] !== undefined
          ? {
              thresholdFrom:
                flags['threshold-from'] === 'validation'
                  ? ('validation' as const)
                  : { file: flags['threshold-from'] },
            }
          : {}),
        ...(flags.backend ? { backend: flags.backend as (typeof BACKENDS)[number] } : {}),
        onProgress: (p) => progress.update(p),
      });
    } finally {
      progress.stop();
    }
  }

  protected render(r: EvaluationResult): void {
    for (const n of r.run.notes) this.note(`note: ${n}`);
    const what = r.source.kind === 'split' ? `the ${r.source.split} split` : r.source.file;
    const rate = r.count > 0 ? ` (${((100 * r.positives) / r.count).toFixed(1)}%)` : '';
    this.log(
      `${runLine(r.run)}, on ${what}: ${formatCount(r.count)} pairs, ${formatCount(r.positives)} duplicates${rate}`,
    );
    this.log(
      `log loss ${r.logLoss.toFixed(4)}, ROC AUC ${r.rocAuc === null ? '- (one class only)' : r.rocAuc.toFixed(4)}`,
    );
    const row = (label: string, m: ThresholdMetrics) => [
      label,
      m.accuracy.toFixed(4),
      m.precision.toFixed(4),
      m.recall.toFixed(4),
      m.f1.toFixed(4),
      m.confusion.tp,
      m.confusion.fp,
      m.confusion.tn,
      m.confusion.fn,
    ];
    this.log(
      table(
        ['threshold', 'accuracy', 'precision', 'recall', 'F1', 'TP', 'FP', 'TN', 'FN'],
        [row('0.5', r.atHalf), row(thresholdLabel(r.bestF1, 4), r.bestF1)],
        { align: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'] },
      ),
    );
    for (const t of r.slices ?? []) this.log(sliceText(t, r));
    if (r.source.kind === 'file') {
      for (const text of skippedWarnings(r.source.file, r.source)) this.note(text);
      if (r.source.badRows > 0)
        this.note('  (the metrics leave them out; `qqp data stats FILE` lists them all)');
    }
    if (r.savedTo) this.log(`saved: ${r.savedTo}`);
  }
}

/** A slice value as a table cell: terminal escapes shown as text, at most 40 characters. */
function cell(value: string): string {
  const v = printable(value);
  return v.length > 40 ? `${v.slice(0, 39)}…` : v;
}

/** A slice table for people: its title (what and at which threshold), the rows, its note. */
function sliceText(t: SliceTable, r: EvaluationResult): string {
  const what = t.by === LENGTH_SLICE ? 'question length (tokens)' : t.by;
  const f = (x: number) => x.toFixed(4);
  const rows = t.rows.map((s) => [
    cell(s.value),
    formatCount(s.pairs),
    formatCount(s.positives),
    formatCount(s.errors),
    f(s.accuracy),
    f(s.f1),
    f(s.precision),
    f(s.recall),
    f(s.logLoss),
    s.rocAuc === null ? '—' : f(s.rocAuc),
  ]);
  return [
    `by ${cell(what)}, at threshold ${sliceThresholdLabel(r)}:`,
    table(
      [
        t.by === LENGTH_SLICE ? 'length' : cell(t.by),
        'pairs',
        'positives',
        'errors',
        'accuracy',
        'F1',
        'precision',
        'recall',
        'log loss',
        'ROC AUC',
      ],
      rows,
      { align: ['left', ...Array<'right'>(9).fill('right')] },
    ),
    ...(t.note ? [`  ${printable(t.note)}`] : []),
    ...(t.rows.some((s) => s.rocAuc === null) ? ['  ROC AUC — : one class only in that slice'] : []),
  ].join('\n');
}
