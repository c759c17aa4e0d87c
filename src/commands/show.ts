import { Args, Flags } from '@oclif/core';
import { QqpCommand } from '../cli/base.js';
import { experimentsDirFlag } from '../cli/flags.js';
import { colorEnabled, keyValueTable, table, terminalWidth } from '../cli/render.js';
import { configLines } from '../cli/views/show.js';
import { RunError } from '../errors.js';
import { statusText } from '../report/format.js';
import {
  configFull,
  configInShort,
  epochTable,
  findRun,
  formatDuration,
  formatMetric,
  formatTime,
  learningCurves,
  listRuns,
  type RunInfo,
} from '../report/index.js';

export interface ShowResult {
  run: RunInfo;
  config: { key: string; value: string }[];
}

export default class Show extends QqpCommand<ShowResult> {
  static override summary =
    'Show one run: its config in short, its metrics per epoch, and its learning curves';
  static override description =
    'Reads only the run folder. The curves (loss and accuracy, training against validation) are drawn with characters: `*` training, `o` validation, `#` where they meet. Without a run, shows the newest.';
  static override examples = [
    '<%= config.bin %> show 20261128-101500-bilstm',
    '<%= config.bin %> show bilstm --full',
    '<%= config.bin %> show experiments/20261128-101500-bilstm --json',
  ];
  static override args = {
    run: Args.string({ description: 'Run id, run folder, or a part of an id (default: the newest run)' }),
  };
  static override flags = {
    ...experimentsDirFlag,
    full: Flags.boolean({ description: 'Every config value, not the config in short' }),
    'no-curves': Flags.boolean({ description: 'Leave out the learning curves' }),
  };

  protected async execute(): Promise<ShowResult> {
    const { args, flags } = await this.parse(Show);
    const listing = listRuns(flags['experiments-dir']);
    let run: RunInfo;
    if (args.run) run = findRun(args.run, listing.runs, listing.experimentsDir);
    else {
      const newest = listing.runs.at(-1);
      if (!newest) {
        throw new RunError('NO_RUNS', `no runs in ${listing.experimentsDir}`, {
          suggestions: [
            'train one with `qqp train CONFIG`, or point --experiments-dir at the folder of runs',
          ],
        });
      }
      run = newest;
    }
    this.curves = !flags['no-curves'];
    return { run, config: flags.full ? configFull(run.config) : configInShort(run.config) };
  }

  private curves = true;

  protected render({ run, config }: ShowResult): void {
    for (const w of run.warnings) this.note(`warning: ${run.id}: ${w}`);
    const color = colorEnabled();
    const info: Record<string, string>[] = [
      { run: run.id },
      { name: run.name },
      {
        status: `${statusText(run.status, color)}${run.failure ? `: ${run.failure.code} ${run.failure.message}` : ''}${run.statusReason ? ` (${run.statusReason})` : ''}`,
      },
      { started: formatTime(run.createdAt) },
      { 'training time': formatDuration(run.trainSeconds) },
      {
        epochs: `${run.epochs}${run.bestEpoch !== null ? ` (best: ${run.bestEpoch}, by ${run.monitor})` : ''}`,
      },
      { backend: run.backend ?? '-' },
    ];
    if (run.seed !== null) info.push({ seed: String(run.seed) });
    if (run.dataSizes) {
      const s = run.dataSizes;
      info.push({ data: `${s.train} train, ${s.validation} validation, ${s.test} test pairs` });
    }
    if (run.tags.length) info.push({ tags: run.tags.join(', ') });
    if (run.sweep) {
      const attempt = run.sweep.attempt !== null ? `, attempt ${run.sweep.attempt}` : '';
      info.push({ sweep: `${run.sweep.id}, trial ${run.sweep.trial}${attempt}` });
    }
    if (run.owner && (run.status === 'running' || run.status === 'stale' || run.status === 'crashed')) {
      info.push({
        owner: `process ${run.owner.pid} on ${run.owner.host}, heartbeat ${run.owner.heartbeatAt}`,
      });
    }
    info.push({ folder: run.dir });
    this.log(keyValueTable(info));

    if (config.length) {
      this.log('\nconfig');
      this.log(configLines(config, terminalWidth()).join('\n'));
    }

    if (run.history.length) {
      const t = epochTable(run);
      this.log(run.monitor && run.bestEpoch !== null ? `\nepochs (* best ${run.monitor})` : '\nepochs');
      this.log(table(t.head, t.rows, { align: t.head.map((h) => (h === 'epoch' ? 'left' : 'right')) }));
    } else this.log('\nno completed epochs');

    const evals = [
      ...(run.test ? [{ source: 'test (at the end of training)', m: run.test }] : []),
      ...run.evaluations.map((e) => ({ source: `${e.source} (${e.file})`, m: e.metrics })),
    ];
    if (evals.length) {
      this.log('\nevaluation (threshold 0.5)');
      this.log(
        table(
          ['on', 'pairs', 'accuracy', 'precision', 'recall', 'F1', 'ROC AUC', 'log loss'],
          evals.map(({ source, m }) => [
            source,
            m.count,
            formatMetric(m.accuracy),
            formatMetric(m.precision),
            formatMetric(m.recall),
            formatMetric(m.f1),
            formatMetric(m.auc),
            formatMetric(m.logLoss),
          ]),
          { align: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'] },
        ),
      );
    }

    if (this.curves && run.history.length) {
      const width = Math.max(20, Math.min(64, (process.stdout.columns ?? 80) - 14));
      for (const chart of learningCurves(run, { color, width })) this.log(`\n${chart}`);
    }
  }
}
