import { dirname, resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { QqpCommand } from '../cli/base.js';
import { EXIT_CODES } from '../cli/exit-codes.js';
import { experimentsDirFlag } from '../cli/flags.js';
import { table } from '../cli/render.js';
import { LiveTable, metricText, paramText, trialRows } from '../cli/views/sweep.js';
import { UsageError } from '../errors.js';
import { localExecutor } from '../sweep/local.js';
import { openSweep, type PlanResult, planSweep, runSweep, type SweepResult } from '../sweep/runner.js';
import { loadSweepSpec } from '../sweep/spec.js';

type Result = ({ dryRun: true } & PlanResult) | ({ dryRun: false } & SweepResult);

export default class Sweep extends QqpCommand<Result> {
  static override summary =
    'Run a hyperparameter sweep (grid, random, ASHA, TPE or Hyperband) from a sweep spec';
  static override description =
    'Each trial trains an ordinary run (tagged with the sweep id) in its own process. The sweep folder experiments/sweeps/<id>/ holds the spec, manifest.json (trial identity = hash of the resolved config, run id, status), results.json and best.yaml. Ctrl-C stops the running trials after their batch; `--resume <id>` runs only what is left. With --queue the trials go to a Redis queue that `qqp worker` processes take from; `qqp sweep cancel <id>` cancels such a sweep (this process then ends with exit code 8) and `qqp sweep status <id>` shows where any sweep stands.';
  static override examples = [
    '<%= config.bin %> sweep configs/sweeps/tiny.yaml --dry-run',
    '<%= config.bin %> sweep configs/sweeps/bilstm-lr-units.yaml --parallel 2',
    '<%= config.bin %> sweep configs/sweeps/tiny-tpe.yaml',
    '<%= config.bin %> sweep --resume 20261128-101500-bilstm-lr-units',
    '<%= config.bin %> sweep configs/sweeps/tiny.yaml --queue redis://127.0.0.1:6379',
  ];
  static override args = {
    spec: Args.string({ description: 'Sweep spec (YAML); not with --resume', required: false }),
  };
  static override flags = {
    ...experimentsDirFlag,
    parallel: Flags.integer({
      description:
        "Trials at once on this machine (default: the spec's `parallel`); with --queue and strategy tpe, how many trials TPE keeps queued or running at once",
      min: 1,
    }),
    'dry-run': Flags.boolean({ description: 'List the trials and their configs; run nothing' }),
    resume: Flags.string({
      description: 'Continue a sweep (its id or folder): finished trials are skipped',
      helpValue: 'ID',
    }),
    'retry-failed': Flags.boolean({ description: 'With --resume: run the failed trials again too' }),
    queue: Flags.string({
      description:
        'Put the trials on this Redis queue for `qqp worker` processes instead of running them here',
      helpValue: 'redis://HOST:PORT',
    }),
    'queue-name': Flags.string({ description: 'Name of the BullMQ queue', default: 'qqp-trials' }),
  };

  protected async execute(): Promise<Result> {
    const { args, flags } = await this.parse(Sweep);
    if (!args.spec && !flags.resume) {
      throw new UsageError('SWEEP_NOTHING', 'give a sweep spec, or --resume ID', {
        suggestions: ['qqp sweep configs/sweeps/tiny.yaml --dry-run'],
      });
    }
    if (args.spec && flags.resume) {
      throw new UsageError(
        'SWEEP_BOTH',
        'give either a spec or --resume ID, not both (a resumed sweep keeps its spec)',
      );
    }
    if (flags['retry-failed'] && !flags.resume) {
      throw new UsageError('SWEEP_RETRY_NEEDS_RESUME', '--retry-failed goes with --resume ID');
    }
    const spec = args.spec ? loadSweepSpec(args.spec) : undefined;
    const specDir = args.spec ? dirname(resolve(args.spec)) : undefined;
    if (flags['dry-run']) {
      if (!spec || !specDir)
        throw new UsageError('SWEEP_DRY_RUN_RESUME', '--dry-run lists the trials of a spec; give the spec');
      return { dryRun: true, ...planSweep(spec, specDir, flags.parallel) };
    }
    const live = new LiveTable(process.stderr, Boolean(process.stderr.isTTY && !this.jsonEnabled()), {
      queued: flags.queue !== undefined,
    });
    return this.interruptible<Result>(
      async (signal) => {
        const queue = flags.queue
          ? await (await import('../sweep/queue.js')).queueExecutor({
              url: flags.queue,
              queueName: flags['queue-name'],
            })
          : undefined;
        try {
          // A resume is asked for: a cancel of the sweep no longer holds (its cancelled trials run again).
          if (queue && flags.resume)
            await queue.clearCancel(openSweep(flags.resume, flags['experiments-dir']).manifest.id);
          const result = await runSweep({
            experimentsDir: flags['experiments-dir'],
            ...(spec ? { spec } : {}),
            ...(specDir ? { specDir } : {}),
            ...(flags.resume ? { resume: flags.resume } : {}),
            retryFailed: flags['retry-failed'],
            ...(queue
              ? {
                  executor: queue.executor,
                  queue: flags.queue,
                  queueName: flags['queue-name'],
                  parallel: Number.MAX_SAFE_INTEGER,
                  ...(flags.parallel ? { proposalSlots: flags.parallel } : {}),
                }
              : {
                  executor: localExecutor(flags['experiments-dir'], {
                    parallel: flags.parallel ?? spec?.parallel ?? 1,
                  }),
                }),
            ...(!queue && flags.parallel ? { parallel: flags.parallel } : {}),
            signal,
            onEvent: (e) => live.handle(e),
          });
          if (result.status === 'interrupted') this.resultExitCode = EXIT_CODES.interrupted;
          if (result.status === 'cancelled') this.resultExitCode = EXIT_CODES.cancelled;
          return { dryRun: false, ...result };
        } finally {
          live.stop();
          await queue?.close();
        }
      },
      {
        onFirst: (signal) => {
          live.stop();
          this.note(
            `\n${signal}: ${flags.queue ? 'leaving the queued trials to the workers' : "finishing the running trials' batches"}, then saving (${signal} again to stop at once)`,
          );
        },
        onAgain: (signal) => {
          live.stop();
          this.note(`\n${signal} again: stopping now; \`qqp sweep --resume\` reruns the unfinished trials`);
        },
      },
    );
  }

  protected render(r: Result): void {
    if (r.dryRun) {
      this.log(
        `sweep ${r.name}: ${r.strategy}, ${r.trials.length} trial(s), ${r.parallel} at a time, ${r.mode}imise ${r.metric}`,
      );
      const brackets = r.trials.some((t) => t.bracket !== undefined);
      this.log(
        table(
          [
            'trial',
            'id',
            'parameters',
            'epochs',
            ...(brackets ? ['bracket'] : []),
            'overrides of the base config',
          ],
          r.trials.map((t) => [
            String(t.index),
            t.id,
            paramText(t.params),
            String(t.config.training.epochs),
            ...(brackets ? [String(t.bracket)] : []),
            t.overrides.join(' '),
          ]),
        ),
      );
      if (r.proposedLater > 0)
        this.log(
          `then ${r.proposedLater} more trial(s), each proposed by TPE from the results of the trials before it`,
        );
      this.log('the resolved configs: --dry-run --json (trials[].config)');
      return;
    }
    this.log(
      `sweep ${r.id} ${r.status}: ${r.ran} trial(s) run, ${r.skipped} skipped as already done; sorted by ${r.metric} (${r.mode})`,
    );
    this.log(
      table(['trial', 'parameters', 'status', 'epochs', `best ${r.metric}`, 'run'], trialRows(r.trials)),
    );
    const failed = r.trials.filter((t) => t.status === 'failed');
    for (const t of failed)
      this.log(`trial ${t.index} failed: ${(t.failure ?? '').split('\n').slice(0, 3).join(' ')}`);
    if (r.best) {
      this.log(
        `best: trial ${r.best.trial.index} (${paramText(r.best.trial.params)}), ${r.metric} ${metricText(r.best.trial.best)} at epoch ${r.best.trial.bestEpoch}`,
      );
      this.log(`best config: ${r.best.configFile}`);
      this.log(`  train it: qqp train ${r.best.configFile}`);
    }
    if (r.status === 'cancelled')
      this.log(
        `cancelled by \`qqp sweep cancel\`; \`qqp sweep --resume ${r.id} --queue URL\` runs the cancelled trials`,
      );
    if (r.status === 'interrupted')
      this.log(
        `continue: qqp sweep --resume ${r.id}${failed.length ? ' (--retry-failed to rerun the failed ones)' : ''}`,
      );
    const experiments = dirname(dirname(r.dir));
    const where = resolve(experiments) === resolve('experiments') ? '' : ` --experiments-dir ${experiments}`;
    this.log(
      `report: qqp report --sweep ${r.id}${where} --out ${r.id}.html  (parameter importance, best so far)`,
    );
    this.log(`files: ${r.dir}`);
  }
}
