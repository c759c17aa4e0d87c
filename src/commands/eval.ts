import { Args, Flags } from '@oclif/core';
import { BACKENDS } from '../backend/names.js';
import { QqpCommand } from '../cli/base.js';
import { columnsFlag, experimentsDirFlag, parseColumnsFlag } from '../cli/flags.js';
import { formatCount, table } from '../cli/render.js';
import { RowProgressView, runLine } from '../cli/views/progress.js';
import { skippedWarnings } from '../cli/views/skipped.js';
import { DATA_FORMATS } from '../data/schema.js';
import { UsageError } from '../errors.js';
import type { EnsembleEvaluation, EvaluationMetrics, EvaluationResult, SliceTable } from '../eval/index.js';
import { EVAL_SPLITS } from '../eval/options.js';
import { LENGTH_SLICE, sliceThresholdLabel } from '../eval/slices.js';
import type { RowProgress } from '../eval/stream.js';
import type { ThresholdMetrics } from '../runs/records.js';
import { thresholdLabel } from '../train/metrics.js';
import { printable } from '../util/text.js';

type EvalOutput = EvaluationResult | EnsembleEvaluation;

export default class Eval extends QqpCommand<EvalOutput> {
  static override summary =
    "Evaluate a run's final model on its test or validation split, or on a labelled file";
  static override description =
    'Accuracy, precision, recall, F1 and the confusion matrix at threshold 0.5 and at the F1-best threshold, plus log loss and ROC AUC. ' +
    "The run's split is reproduced from its config and seed (refused if the data files changed). " +
    'The result is saved in the run folder: eval-test.json, eval-validation.json, or eval-<file name>.json for --data. ' +
    "A run that did not complete is evaluated with its last epoch's model. " +
    '--slice adds a table per slice (pairs, duplicates, errors and the metrics of each value), at the F1-best threshold when it was chosen on other pairs (validation, --threshold-from), else at 0.5. ' +
    "With two runs or more, the mean of their probabilities is evaluated (an ensemble; the runs must score the same pairs: the same split, or --data), with each run's own figures beside it; saved only with --out.";
  static override examples = [
    '<%= config.bin %> eval 20261128-101500-bilstm',
    '<%= config.bin %> eval experiments/20261128-101500-bilstm --split validation',
    '<%= config.bin %> eval 20261128-101500-bilstm --data data/qqp/dev.tsv --json',
    '<%= config.bin %> eval 20261128-101500-bilstm --slice kind --slice length',
    '<%= config.bin %> eval 20261128-101500-re2 20261128-103000-siamese --out ensemble.json',
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
    out: Flags.string({
      description: "With several runs: a JSON file to write the ensemble's result to",
      helpValue: 'FILE',
    }),
    'batch-size': Flags.integer({ description: 'Pairs per inference batch', default: 256, min: 1 }),
    backend: Flags.string({ options: [...BACKENDS], description: "Override the run's training.backend" }),
  };

  protected async execute(): Promise<EvalOutput> {
    const { argv, flags } = await this.parse(Eval);
    const { EnsembleFolder, expandRunRefs } = await import('../runs/ensemble-folder.js');
    const { evaluationFileName } = await import('../runs/files.js');
    // An ensemble folder stands for its runs; one ensemble's result is saved in its folder.
    const runs = expandRunRefs(argv as string[], flags['experiments-dir']);
    const refs = argv as string[];
    const ensemble = refs.length === 1 ? EnsembleFolder.find(refs[0]!, flags['experiments-dir']) : undefined;
    if (runs.length > 1 && flags.slice !== undefined)
      throw new UsageError(
        'EVAL_ENSEMBLE_SLICES',
        '--slice evaluates one run; it does not apply to an ensemble',
        {
          suggestions: ['qqp eval RUN --slice COLUMN, for each run'],
        },
      );
    if (runs.length === 1 && flags.out !== undefined && ensemble === undefined)
      throw new UsageError('EVAL_OUT_ONE_RUN', '--out is for an ensemble (two runs or more)', {
        suggestions: ["one run's result is saved in its run folder (eval-*.json)"],
      });
    const { evaluateEnsemble, evaluateRun } = await import('../eval/index.js');
    const progress = new RowProgressView('eval');
    const common = {
      experimentsDir: flags['experiments-dir'],
      ...(flags.split ? { split: flags.split as (typeof EVAL_SPLITS)[number] } : {}),
      ...(flags.data !== undefined ? { data: flags.data } : {}),
      format: flags.format as (typeof DATA_FORMATS)[number],
      ...(flags.columns !== undefined ? { columns: parseColumnsFlag(flags.columns) } : {}),
      batchSize: flags['batch-size'],
      ...(flags['threshold-from'] !== undefined
        ? {
            thresholdFrom:
              flags['threshold-from'] === 'validation'
                ? ('validation' as const)
                : { file: flags['threshold-from'] },
          }
        : {}),
      ...(flags.backend ? { backend: flags.backend as (typeof BACKENDS)[number] } : {}),
      onProgress: (p: RowProgress) => progress.update(p),
    };
    try {
      if (runs.length > 1)
        return await evaluateEnsemble({
          ...common,
          runs,
          ...(flags.out !== undefined
            ? { out: flags.out }
            : ensemble
              ? {
                  out: ensemble.path(
                    evaluationFileName(
                      flags.data !== undefined
                        ? { kind: 'file', file: flags.data }
                        : { kind: 'split', split: flags.split ?? 'test' },
                    ),
                  ),
                }
              : {}),
        });
      return await evaluateRun({
        ...common,
        run: runs[0]!,
        ...(flags.slice !== undefined ? { slices: flags.slice } : {}),
      });
    } finally {
      progress.stop();
    }
  }

  protected render(r: EvalOutput): void {
    if ('members' in r) {
      this.renderEnsemble(r);
      return;
    }
    for (const n of r.run.notes) this.note(`note: ${n}`);
    this.log(`${runLine(r.run)}, on ${sourceText(r)}`);
    this.log(metricsText(r));
    for (const t of r.slices ?? []) this.log(sliceText(t, r));
    this.renderSkipped(r);
  }

  private renderEnsemble(r: EnsembleEvaluation): void {
    for (const m of r.members) for (const n of m.run.notes) this.note(`note: ${n}`);
    this.log(`ensemble of ${r.members.length} runs (the mean of their probabilities), on ${sourceText(r)}`);
    const f = (x: number) => x.toFixed(4);
    const auc = (m: EvaluationMetrics) => (m.rocAuc === null ? '-' : f(m.rocAuc));
    // Where every F1-best threshold of the table was chosen (the same pairs for all of them).
    const on =
      r.bestF1.optimistic !== false
        ? `, chosen on ${r.bestF1.chosenOn ?? 'these pairs'}: optimistic`
        : ` on ${r.bestF1.chosenOn}`;
    const rows = [
      ...r.members.map((m) => [
        m.run.id,
        f(m.logLoss),
        auc(m),
        f(m.atHalf.accuracy),
        f(m.bestF1.accuracy),
        f(m.bestF1.threshold),
      ]),
      [
        'mean of the runs',
        f(r.logLoss),
        auc(r),
        f(r.atHalf.accuracy),
        f(r.bestF1.accuracy),
        f(r.bestF1.threshold),
      ],
    ];
    this.log(
      table(
        ['run', 'log loss', 'ROC AUC', 'accuracy (0.5)', `accuracy (F1-best${on})`, `F1-best threshold${on}`],
        rows,
        {
          align: ['left', 'right', 'right', 'right', 'right', 'right'],
        },
      ),
    );
    this.log('the mean of the runs:');
    this.log(metricsText(r));
    this.renderSkipped(r);
  }

  private renderSkipped(r: EvalOutput): void {
    if (r.source.kind === 'file') {
      for (const text of skippedWarnings(r.source.file, r.source)) this.note(text);
      if (r.source.badRows > 0)
        this.note('  (the metrics leave them out; `qqp data stats FILE` lists them all)');
    }
    if (r.savedTo) this.log(`saved: ${r.savedTo}`);
  }
}

/** What was evaluated: `the test split: 2,000 pairs, 740 duplicates (37.0%)`. */
function sourceText(r: EvalOutput): string {
  const what = r.source.kind === 'split' ? `the ${r.source.split} split` : r.source.file;
  const rate = r.count > 0 ? ` (${((100 * r.positives) / r.count).toFixed(1)}%)` : '';
  return `${what}: ${formatCount(r.count)} pairs, ${formatCount(r.positives)} duplicates${rate}`;
}

/** Log loss, ROC AUC and the table at 0.5 and at the F1-best threshold. */
function metricsText(r: EvaluationMetrics): string {
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
  return [
    `log loss ${r.logLoss.toFixed(4)}, ROC AUC ${r.rocAuc === null ? '- (one class only)' : r.rocAuc.toFixed(4)}`,
    table(
      ['threshold', 'accuracy', 'precision', 'recall', 'F1', 'TP', 'FP', 'TN', 'FN'],
      [row('0.5', r.atHalf), row(thresholdLabel(r.bestF1, 4), r.bestF1)],
      { align: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'] },
    ),
  ].join('\n');
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
