import { hostname } from 'node:os';
import { loadConfig } from '../config/load.js';
import { QqpError } from '../errors.js';
import type { EpochRecord } from '../runs/records.js';
import { type TrainEvent, train } from '../train/trainer.js';

/**
 * The process one trial runs in, forked by the local executor or a queue worker. It trains one run
 * and talks to its parent over IPC only (it never prints): `run`, each `epoch` (then, when asked, it
 * waits for a `decision`), and `done`. A crash here ends this process, never the sweep.
 */

export interface ChildStart {
  type: 'start';
  configFile: string;
  experimentsDir: string;
  name: string;
  /** `attempt`: which attempt at the trial this process is (1 first), recorded in run.json. */
  sweep: { id: string; trial: string; attempt?: number };
  ask: boolean;
  resumeRunDir?: string;
}

export type ChildMessage =
  | { type: 'run'; id: string; dir: string; host: string }
  | { type: 'epoch'; record: EpochRecord }
  | {
      type: 'done';
      status: 'completed' | 'interrupted';
      stopped: boolean;
      epochs: number;
      runId: string;
      runDir: string;
    }
  | { type: 'error'; message: string; code: string };

export type ParentMessage = ChildStart | { type: 'decision'; stop: boolean } | { type: 'abort' };

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

async function main(): Promise<void> {
  const controller = new AbortController();
  let decide: ((stop: boolean) => void) | undefined;
  let start: ((m: ChildStart) => void) | undefined;
  const started = new Promise<ChildStart>((r) => {
    start = r;
  });
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'start') start?.(m);
    else if (m.type === 'decision') decide?.(m.stop);
    else if (m.type === 'abort') controller.abort();
  });
  // Ctrl-C reaches the whole process group: let the parent decide, and finish the batch cleanly.
  process.on('SIGINT', () => controller.abort());
  process.on('SIGTERM', () => controller.abort());
  // An orphan (its sweep or worker killed) stops at once; the trial will run again elsewhere.
  const orphaned = () => process.exit(1);
  process.on('disconnect', orphaned);

  const job = await started;
  let answer: Promise<boolean> | undefined;
  try {
    const common = {
      experimentsDir: job.experimentsDir,
      command: ['sweep-trial', job.sweep.id, job.sweep.trial],
      signal: controller.signal,
      onEvent: (e: TrainEvent) => {
        if (e.type === 'run') void send({ type: 'run', id: e.id, dir: e.dir, host: hostname() });
        if (e.type === 'epochEnd') {
          // Every epoch is reported; the decision (asked for before the last epoch only) follows.
          answer = job.ask ? new Promise<boolean>((r) => (decide = r)) : undefined;
          void send({ type: 'epoch', record: e.record });
        }
      },
      shouldStop: async () => (answer ? await answer : false),
    };
    const result = job.resumeRunDir
      ? await train({ ...common, resume: job.resumeRunDir, sweep: job.sweep })
      : await train({
          ...common,
          loaded: loadConfig(job.configFile),
          name: job.name,
          sweep: job.sweep,
        });
    await send({
      type: 'done',
      status: result.status,
      stopped: result.summary.stoppedBy === 'scheduler',
      epochs: result.summary.epochs,
      runId: result.id,
      runDir: result.dir,
    });
  } catch (err) {
    await send({
      type: 'error',
      code: err instanceof QqpError ? err.code : 'INTERNAL',
      message: err instanceof QqpError ? err.describe() : String((err as Error).stack ?? err),
    });
    process.exitCode = 1;
  }
  process.removeListener('disconnect', orphaned);
  process.disconnect?.();
}

await main();
