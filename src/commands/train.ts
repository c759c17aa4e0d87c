import { Args, Flags, type Interfaces } from '@oclif/core';
import { BACKENDS } from '../backend/names.js';
import { QqpCommand } from '../cli/base.js';
import { EXIT_CODES } from '../cli/exit-codes.js';
import { configFlags, experimentsDirFlag } from '../cli/flags.js';
import { table } from '../cli/render.js';
import { keptLine, TrainProgress } from '../cli/views/progress.js';
import { loadConfig } from '../config/load.js';
import type { EnsembleTrainResult } from '../ensemble/train.js';
import { UsageError } from '../errors.js';
import { thresholdLabel } from '../train/metrics.js';
import type { TrainResult } from '../train/trainer.js';

type TrainOutput = TrainResult | EnsembleTrainResult;

export default class Train extends QqpCommand<TrainOutput> {
  static override summary =
    'Train the model a config describes (the run goes to experiments/<id>/), or every run of an ensemble spec';
  static override description =
    'An ensemble spec (configs/ensembles/) trains each member config once per seed, one run after another, into experiments/<id>/members/, then evaluates the mean of their probabilities on the test split; qqp eval and qqp predict take the ensemble folder. ' +
    'Ctrl-C (or SIGTERM) finishes the current batch, keeps the last completed epoch as a checkpoint and marks the run interrupted; `qqp train --resume <run>` continues it and ends as an uninterrupted run would. A run is trained by one process at a time (owner.json in its folder): a resume while another process trains the run is refused (exit 6); a run whose process died on this host (crashed) is taken over, and one left by another host whose heartbeat stopped only with --take-over.';
  static override examples = [
    '<%= config.bin %> train configs/bilstm.yaml',
    '<%= config.bin %> train configs/bilstm.yaml --set training.epochs=3 --name quick',
    '<%= config.bin %> train --resume experiments/20261128-101500-bilstm',
    '<%= config.bin %> train configs/ensembles/re2-siamese.yaml --seeds 2021,2022',
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
    seeds: Flags.string({
      description:
        "With an ensemble spec: the seeds every member is trained with, replacing the spec's (experiment.seed)",
      helpValue: 'N,N…',
    }),
    'take-over': Flags.boolean({
      description:
        'With --resume: take the run over from a process on another host whose heartbeat stopped (a dead owner on this host is taken over without it)',
      dependsOn: ['resume'],
    }),
  };

  protected async execute(): Promise<TrainOutput> {
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
    const { isEnsembleSpecFile } = await import('../ensemble/spec.js');
    const { EnsembleFolder } = await import('../runs/ensemble-folder.js');
    const ensembleSpec = args.config !== undefined && isEnsembleSpecFile(args.config);
    if (
      ensembleSpec ||
      (flags.resume !== undefined && EnsembleFolder.find(flags.resume, flags['experiments-dir']))
    ) {
      return this.trainEnsemble(args.config, flags);
    }
    if (flags.seeds !== undefined) {
      throw new UsageError(
        'TRAIN_SEEDS_NOT_ENSEMBLE',
        '--seeds is for an ensemble spec (configs/ensembles/)',
        {
          suggestions: ['for one run: --set experiment.seed=N'],
        },
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
        this.onSignals(progress),
      );
      if (result.status === 'interrupted') this.resultExitCode = EXIT_CODES.interrupted;
      return result;
    } finally {
      progress.stop();
    }
  }

  private async trainEnsemble(
    config: string | undefined,
    flags: Interfaces.InferredFlags<typeof Train.flags>,
  ): Promise<EnsembleTrainResult> {
    if (flags['take-over']) {
      throw new UsageError('TRAIN_TAKE_OVER_ENSEMBLE', '--take-over resumes one run, not an ensemble', {
        suggestions: ["resume the ensemble's run with it first: qqp train --resume RUN --take-over"],
      });
    }
    const { loadEnsembleSpec } = await import('../ensemble/spec.js');
    const { trainEnsemble } = await import('../ensemble/train.js');
    const progress = new TrainProgress(
      process.stderr,
      Boolean(process.stderr.isTTY && process.stdout.isTTY && !this.jsonEnabled()),
    );
    const seeds = flags.seeds === undefined ? undefined : parseSeeds(flags.seeds);
    try {
      const result = await this.interruptible(
        (signal) =>
          trainEnsemble({
            experimentsDir: flags['experiments-dir'],
            ...(config !== undefined ? { spec: loadEnsembleSpec(config) } : {}),
            ...(flags.resume !== undefined ? { resume: flags.resume } : {}),
            ...(flags.set?.length ? { set: flags.set } : {}),
            ...(seeds !== undefined ? { seeds } : {}),
            ...(flags.name !== undefined ? { name: flags.name } : {}),
            ...(flags.backend ? { backend: flags.backend as (typeof BACKENDS)[number] } : {}),
            command: process.argv.slice(2),
            signal,
            onEvent: (e) => {
              if (e.type === 'train') progress.handle(e.event);
              else if (e.type === 'ensemble')
                this.note(`ensemble ${e.id}: ${e.runs} runs${e.resumed ? ' (resumed)' : ''}, in ${e.dir}`);
              else if (e.type === 'member')
                this.note(
                  `run ${e.index + 1} of ${e.runs}: ${e.config}${e.seed === null ? '' : `, seed ${e.seed}`}${e.resume ? ' (resumed)' : ''}`,
                );
              else this.note(`evaluating the mean of the ${e.runs} runs on the test split`);
            },
          }),
        this.onSignals(progress),
      );
      if (result.status === 'interrupted') this.resultExitCode = EXIT_CODES.interrupted;
      return result;
    } finally {
      progress.stop();
    }
  }

  /** What Ctrl-C (or SIGTERM) says, once and twice: the bar stops and the run saves what it has. */
  private onSignals(progress: TrainProgress) {
    return {
      onFirst: (signal: NodeJS.Signals) => {
        progress.stop();
        this.note(`\n${signal}: finishing the current batch, then saving (${signal} again to stop at once)`);
      },
      onAgain: (signal: NodeJS.Signals) => {
        progress.stop();
        this.note(`\n${signal} again: stopping now; the last completed epoch's checkpoint is kept`);
      },
    };
  }

  protected render(r: TrainOutput): void {
    if ('kind' in r) {
      this.renderEnsemble(r);
      return;
    }
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

  private renderEnsemble(r: EnsembleTrainResult): void {
    const done = r.runs.filter((x) => x.status === 'completed').length;
    if (r.status === 'interrupted') {
      this.log(
        `ensemble ${r.id} interrupted with ${done} of ${r.runs.length} runs completed; continue it with:`,
      );
      this.log(`  qqp train --resume ${r.dir}`);
      return;
    }
    this.log(`ensemble ${r.id} completed: ${r.runs.length} runs`);
    if (r.test) {
      const t = r.test;
      const row = (label: string, m: typeof t.atHalf) => [
        label,
        m.accuracy.toFixed(4),
        m.precision.toFixed(4),
        m.recall.toFixed(4),
        m.f1.toFixed(4),
      ];
      this.log(
        `test split, the mean of the runs' probabilities: ${t.count} pairs, log loss ${t.logLoss.toFixed(4)}, ROC AUC ${t.rocAuc === null ? 'n/a' : t.rocAuc.toFixed(4)}`,
      );
      this.log(
        table(
          ['threshold', 'accuracy', 'precision', 'recall', 'F1'],
          [row('0.5', t.atHalf), row(thresholdLabel(t.bestF1, 3), t.bestF1)],
        ),
      );
      this.log(
        table(
          ['run', 'seed', 'accuracy at 0.5', 'F1 at 0.5', 'log loss', 'ROC AUC'],
          t.members.map((m, i) => [
            m.run.id,
            String(r.runs[i]?.seed ?? ''),
            m.atHalf.accuracy.toFixed(4),
            m.atHalf.f1.toFixed(4),
            m.logLoss.toFixed(4),
            m.rocAuc === null ? 'n/a' : m.rocAuc.toFixed(4),
          ]),
        ),
      );
    }
    this.log(`files: ${r.dir}`);
  }
}

/** `--seeds 2021,2022` → [2021, 2022]; anything else is a usage error. */
function parseSeeds(text: string): number[] {
  const seeds = text.split(',').map((s) => s.trim());
  if (seeds.some((s) => !/^-?\d+$/.test(s)) || new Set(seeds).size !== seeds.length) {
    throw new UsageError(
      'TRAIN_BAD_SEEDS',
      `--seeds ${text}: expected distinct integers separated by commas`,
      {
        suggestions: ['--seeds 2021,2022'],
      },
    );
  }
  return seeds.map(Number);
}
