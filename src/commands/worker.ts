import { Flags } from '@oclif/core';
import { QqpCommand } from '../cli/base.js';
import { experimentsDirFlag } from '../cli/flags.js';
import type { WorkerEvent } from '../sweep/queue.js';

interface WorkerResult {
  queue: string;
  trials: { jobId: string; name: string; status: string; epochs: number | null }[];
}

export default class WorkerCommand extends QqpCommand<WorkerResult> {
  static override summary = 'Take sweep trials from a Redis queue and run them, until stopped';
  static override description =
    "Start any number of workers, on any machines that have the project and its data at the same relative paths. Each trial runs in its own process; its run folder goes to this worker's --experiments-dir (give a shared directory to keep every model in one place); the coordinator records the host and folder of each trial's run. Ctrl-C (SIGINT/SIGTERM) stops the running trials after their batch and hands them back to the queue; a worker killed outright loses its trials only until the job lock expires (--lock-seconds), after which another worker runs them again.";
  static override examples = [
    '<%= config.bin %> worker --queue redis://127.0.0.1:6379',
    '<%= config.bin %> worker --queue redis://10.0.0.5:6379 --concurrency 2 --experiments-dir /shared/experiments',
  ];
  static override flags = {
    ...experimentsDirFlag,
    queue: Flags.string({
      description: 'Redis queue to take trials from',
      helpValue: 'redis://HOST:PORT',
      required: true,
    }),
    'queue-name': Flags.string({ description: 'Name of the BullMQ queue', default: 'qqp-trials' }),
    concurrency: Flags.integer({ description: 'Trials at once on this worker', default: 1, min: 1 }),
    'lock-seconds': Flags.integer({
      description: 'A trial whose worker is silent this long goes to another worker',
      default: 30,
      min: 1,
    }),
  };

  protected async execute(): Promise<WorkerResult> {
    const { flags } = await this.parse(WorkerCommand);
    const trials: WorkerResult['trials'] = [];
    const onEvent = (e: WorkerEvent) => {
      if (e.type === 'ready') {
        this.note(
          `worker ready: ${e.url} queue ${e.queueName}, ${e.concurrency} trial(s) at once; Ctrl-C to stop`,
        );
        return;
      }
      if (e.change === 'start') this.note(`${e.jobId}: started ${e.name}`);
      else if (e.change === 'epoch') this.note(`${e.jobId}: epoch ${e.epoch}`);
      else {
        const o = e.outcome;
        this.note(
          `${e.jobId}: ${o?.status ?? 'ended'}${o?.runDir ? ` (${o.runDir})` : ''}${o?.failure ? `: ${o.failure.split('\n')[0]}` : ''}`,
        );
        trials.push({
          jobId: e.jobId,
          name: e.name,
          status: o?.status ?? 'unknown',
          epochs: o?.epochs ?? null,
        });
      }
    };
    const { startWorker } = await import('../sweep/queue.js');
    const worker = await startWorker({
      url: flags.queue,
      queueName: flags['queue-name'],
      concurrency: flags.concurrency,
      experimentsDir: flags['experiments-dir'],
      lockSeconds: flags['lock-seconds'],
      onEvent,
    });
    // Runs until the first signal, then hands the running trials back; a second exits at once.
    await this.interruptible(
      async (signal) => {
        await new Promise<void>((resolveStop) => signal.addEventListener('abort', () => resolveStop()));
        await worker.close();
      },
      {
        onFirst: (signal) =>
          this.note(`${signal}: stopping the running trials after their batch; they go back to the queue`),
      },
    );
    return { queue: flags.queue, trials };
  }

  protected render(r: WorkerResult): void {
    this.log(`worker stopped after ${r.trials.length} trial(s)`);
    for (const t of r.trials)
      this.log(`  ${t.jobId} ${t.name}: ${t.status}${t.epochs === null ? '' : `, ${t.epochs} epoch(s)`}`);
  }
}
