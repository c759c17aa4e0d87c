import { QqpCommand } from '../../cli/base.js';
import { sweepQueueFlags, sweepQueueOptions, sweepRefArgs } from '../../cli/flags.js';
import { table } from '../../cli/render.js';
import { jobCountsText, metricText, paramText, trialCountsText, trialRows } from '../../cli/views/sweep.js';
import type { SweepStatus } from '../../sweep/status.js';

export default class SweepStatusCommand extends QqpCommand<SweepStatus> {
  static override summary = "Where a sweep stands: its status, trials, best so far and its queue's jobs";
  static override description =
    "Read from the sweep's folder (manifest.json): the status, strategy, metric, the trials by status, the best trial so far and the trials table. For a sweep on a Redis queue, also the queue's jobs of this sweep (waiting, active, completed, failed) and whether it has been cancelled; when Redis cannot be reached that is said, and the folder's view is shown all the same.";
  static override examples = [
    '<%= config.bin %> sweep status 20261128-101500-tiny',
    '<%= config.bin %> sweep status 20261128-101500-tiny --json',
  ];
  static override args = sweepRefArgs;
  static override flags = sweepQueueFlags;

  protected async execute(): Promise<SweepStatus> {
    const { args, flags } = await this.parse(SweepStatusCommand);
    const { sweepStatus } = await import('../../sweep/status.js');
    return sweepStatus(sweepQueueOptions(args.id, flags));
  }

  protected render(r: SweepStatus): void {
    this.log(`sweep ${r.id}: ${r.status}, ${r.strategy}, ${r.mode}imise ${r.metric}`);
    const later = r.planned - r.trials.length;
    this.log(
      `trials: ${r.trials.length} (${trialCountsText(r.counts)})${later > 0 ? `; ${later} more to be proposed by TPE` : ''}`,
    );
    this.log(
      r.best
        ? `best so far: trial ${r.best.index} (${paramText(r.best.params)}), ${r.metric} ${metricText(r.best.value)} at epoch ${r.best.epoch}`
        : 'best so far: none (no trial has a metric yet)',
    );
    if (r.queue) {
      const where = `queue ${r.queue.url} (${r.queue.name})`;
      if (r.queue.reachable) {
        this.log(`${where}: ${jobCountsText(r.queue.jobs)}`);
        if (r.queue.cancel) this.log(`  cancelled at ${r.queue.cancel.at} from ${r.queue.cancel.host}`);
      } else {
        this.log(`${where}: not reachable (${r.queue.error}); the folder's view follows`);
      }
    }
    this.log(
      table(['trial', 'parameters', 'status', 'epochs', `best ${r.metric}`, 'run'], trialRows(r.trials)),
    );
    this.log(`updated ${r.updatedAt}; files: ${r.dir}`);
  }
}
