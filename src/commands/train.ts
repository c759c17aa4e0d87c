import { Args, Flags } from '@oclif/core';
import { BACKENDS } from '../backend/names.js';
import { QqpCommand } from '../cli/base.js';
import { EXIT_CODES } from '../cli/exit-codes.js';
import { configFlags, experimentsDirFlag } from '../cli/flags.js';
import { table } from '../cli/render.js';
import { keptLine, TrainProgress } from '../cli/views/progress.js';
import { loadConfig } from '../config/load.js';
import { UsageError } from '../errors.js';
import { thresholdLabel } from '../train/metrics.js';
import type { TrainResult } from '../train/trainer.js';

export default class Train extends QqpCommand<TrainResult> {
  static override summary = 'Train the model a config describes; the run goes to experiments/<id>/';
  static override description =
    'Ctrl-C (or SIGTERM) finishes the current batch, keeps the last completed epoch as a checkpoint and marks the run interrupted; `qqp train --resume <run>` continues it and ends as an uninterrupted run would. A run is trained by one process at a time (owner.json in its folder): a resume while another process trains the run is refused (exit 6); a run whose process died on this host (crashed) is taken over, and one left by another host whose heartbeat stopped only with --take-over.';
  static override examples = [
    '<%= config.bin %> train configs/bilstm.yaml',
    '<%= config.bin %> train configs/bilstm.yaml --set training.epochs=3 --name quick',
    '<%= config.bin %> train --resume experiments/20261128-101500-bilstm',
  ];
  static override args = {
    config: Args.string({ description: 'Config file (not with --resume)', required: false }),
  };
  static override flags = {
    ...configFlags,
    ...experimentsDirFlag,
    name: Flags.string({ description: 'Run name (default: experiment.name)' }),
    backend: Flags.string({ options: [...BACKENDS], description: 'Override training.backend' }),
    resume: Flags.string({
      description: 'Continue an interrupted or failed run (its folder or id)',
      helpValue: 'RUN',
    }),
    'take-over': Flags.boolean({
      description:
        'With --resume: take the run over from a process on another host whose heartbeat stopped (a dead owner on this host is taken over without it)',
      dependsOn: ['resume'],
    }),
  };

  protected async execute(): Promise<TrainResult> {
    const { args, flags } = await this.parse(Train);
    if (!args.config && !flags.resume) {
      throw new UsageError('TRAIN_NOTHING', 'give a config to train, or --resume RUN', {
        suggestions: ['qqp train configs/bilstm.yaml'],
      });
    }
    if (args.config && flags.resume) {
      throw new UsageError(
        'TRAIN_BOTH',
        'give either a config or --resume RUN, not both (a resumed run keeps its config)',
      );
    }
    if (flags.resume && flags.set?.length) {
      throw new UsageError(
        'TRAIN_RESUME_SET',
        '--set cannot change a resumed run: it continues with its own config',
      );
    }
    const { train } = await import('../train/trainer.js');
    const progress = new TrainProgress(
      process.stderr,
      Boolean(process.stderr.isTTY && process.stdout.isTTY && !this.jsonEnabled()),
    );
    try {
      const result = await this.interruptible(
        (signal) =>
          train({
            experimentsDir: flags['experiments-dir'],
            ...(args.config ? { loaded: loadConfig(args.config, { overrides: flags.set ?? [] }) } : {}),
            ...(flags.resume ? { resume: flags.resume } : {}),
            ...(flags['take-over'] ? { takeOver: true } : {}),
            ...(flags.name !== undefined ? { name: flags.name } : {}),
            ...(flags.backend ? { backend: flags.backend as (typeof BACKENDS)[number] } : {}),
            command: process.argv.slice(2),
            signal,
            onEvent: (e) => progress.handle(e),
          }),
        {
          onFirst: (signal) => {
            progress.stop();
            this.note(
              `\n${signal}: finishing the current batch, then saving (${signal} again to stop at once)`,
            );
          },
          onAgain: (signal) => {
            progress.stop();
            this.note(`\n${signal} again: stopping now; the last completed epoch's checkpoint is kept`);
          },
        },
      );
      if (result.status === 'interrupted') this.resultExitCode = EXIT_CODES.interrupted;
      return result;
    } finally {
      progress.stop();
    }
  }

  protected render(r: TrainResult): void {
    if (r.status === 'interrupted') {
      this.log(`run ${r.id} interrupted after ${r.summary.epochs} completed epoch(s); continue it with:`);
      this.log(`  qqp train --resume ${r.dir}`);
      return;
    }
    const s = r.summary;
    this.log(
      `run ${r.id} completed: ${s.epochs} epoch(s)${s.stoppedEarly ? ' (stopped early)' : ''}; ${keptLine(s)}`,
    );
    if (s.test) {
      const t = s.test;
      const row = (label: string, m: typeof t.atHalf) => [
        label,
        m.accuracy.toFixed(4),
        m.precision.toFixed(4),
        m.recall.toFixed(4),
        m.f1.toFixed(4),
      ];
      this.log(
        `test split: ${t.count} pairs, log loss ${t.logLoss.toFixed(4)}, ROC AUC ${t.rocAuc.toFixed(4)}`,
      );
      this.log(
        table(
          ['threshold', 'accuracy', 'precision', 'recall', 'F1'],
          [row('0.5', t.atHalf), row(thresholdLabel(t.bestF1, 3), t.bestF1)],
        ),
      );
    }
    this.log(`files: ${r.dir}`);
  }
}
