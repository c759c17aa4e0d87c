import { QqpCommand } from '../../cli/base.js';
import { sweepQueueFlags, sweepQueueOptions, sweepRefArgs } from '../../cli/flags.js';
import { table } from '../../cli/render.js';
import { metricText, paramText, trialRows } from '../../cli/views/sweep.js';
import type { CancelSweepResult } from '../../sweep/cancel.js';

export default class SweepCancel extends QqpCommand<CancelSweepResult> {
  static override summary = 'Cancel a sweep whose trials are on a Redis queue';
  static override description =
    "Removes the sweep's trials that no worker has taken yet from the queue, tells the workers running its trials to stop them (each finishes its batch; the job completes as cancelled and is not handed to another worker), and marks the manifest `cancelled` (its unfinished trials too). Finished trials keep their results; results.json and best.yaml are rewritten from them. A coordinator still following the sweep (`qqp sweep --queue`) notices within a second, ends cancelled and exits 8. A completed sweep is left as it is (exit 0). A sweep without a queue runs in the process that started it: stop it with Ctrl-C there (refused here, exit 2). `qqp sweep --resume ID --queue URL` lifts the cancel and runs the cancelled trials again.";
  static override examples = [
    '<%= config.bin %> sweep cancel 20261128-101500-tiny',
    '<%= config.bin %> sweep cancel experiments/sweeps/20261128-101500-tiny --queue redis://10.0.0.5:6379',
  ];
  static override args = sweepRefArgs;
  static override flags = sweepQueueFlags;

  protected async execute(): Promise<CancelSweepResult> {
    const { args, flags } = await this.parse(SweepCancel);
    const { cancelSweep } = await import('../../sweep/cancel.js');
    return cancelSweep(sweepQueueOptions(args.id, flags));
  }

  protected render(r: CancelSweepResult): void {
    if (!r.cancelled) {
      this.log(`sweep ${r.id} has completed: nothing to cancel`);
    } else {
      this.log(`sweep ${r.id} cancelled (it was ${r.was}) on ${r.queue} queue ${r.queueName}`);
      this.log(`  ${r.removed.length} waiting trial(s) removed from the queue`);
      this.log(
        `  ${r.running.length} running trial(s) told to stop: each finishes its batch, then its job completes as cancelled`,
      );
    }
    this.log(
      table(['trial', 'parameters', 'status', 'epochs', `best ${r.metric}`, 'run'], trialRows(r.trials)),
    );
    if (r.best) {
      this.log(
        `best: trial ${r.best.trial.index} (${paramText(r.best.trial.params)}), ${r.metric} ${metricText(r.best.trial.best)} at epoch ${r.best.trial.bestEpoch}`,
      );
      this.log(`best config: ${r.best.configFile}`);
    }
    if (r.cancelled)
      this.log(`run the cancelled trials later: qqp sweep --resume ${r.id} --queue ${r.queue}`);
    this.log(`files: ${r.dir}`);
  }
}
