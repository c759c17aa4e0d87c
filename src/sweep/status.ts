import { QqpError } from '../errors.js';
import type { CancelRecord, QueueJobState } from './queue.js';
import { type ManifestTrial, openSweep, type SweepManifest, sortTrials, type TrialStatus } from './runner.js';

/** Every trial status, in the order `qqp sweep status` lists them. */
export const TRIAL_STATUSES: readonly TrialStatus[] = [
  'pending',
  'running',
  'completed',
  'stopped',
  'failed',
  'interrupted',
  'cancelled',
];

/** How many trials have each status (every status, zeros included). */
export function countTrials(trials: readonly Pick<ManifestTrial, 'status'>[]): Record<TrialStatus, number> {
  const counts = Object.fromEntries(TRIAL_STATUSES.map((s) => [s, 0])) as Record<TrialStatus, number>;
  for (const t of trials) counts[t.status] = (counts[t.status] ?? 0) + 1;
  return counts;
}

/** The queue's view of a sweep's jobs: not taken yet, running, finished either way, or not on the queue. */
export interface JobCounts {
  waiting: number;
  active: number;
  completed: number;
  failed: number;
  /** Trials with no job: not queued yet, or removed by a cancel. */
  absent: number;
}

/** Job states counted as JobCounts (delayed, prioritized and the like are waiting). */
export function countJobs(states: readonly QueueJobState[]): JobCounts {
  const counts: JobCounts = { waiting: 0, active: 0, completed: 0, failed: 0, absent: 0 };
  for (const s of states) {
    if (s === 'active' || s === 'completed' || s === 'failed') counts[s]++;
    else if (s === 'absent' || s === 'unknown') counts.absent++;
    else counts.waiting++;
  }
  return counts;
}

export type QueueStatus =
  | {
      url: string;
      name: string;
      reachable: true;
      jobs: JobCounts;
      /** Each trial's job state, by trial id. */
      states: Record<string, QueueJobState>;
      /** Set when `qqp sweep cancel` has cancelled the sweep on this queue. */
      cancel: CancelRecord | null;
    }
  | { url: string; name: string; reachable: false; error: string };

export interface SweepStatus {
  id: string;
  dir: string;
  name: string;
  status: SweepManifest['status'];
  strategy: SweepManifest['strategy'];
  metric: string;
  mode: 'max' | 'min';
  createdAt: string;
  updatedAt: string;
  counts: Record<TrialStatus, number>;
  /** TPE: the trials the sweep will have when done (some not yet proposed); else the trials' count. */
  planned: number;
  /** The best trial so far by the metric (null before any trial has a value). */
  best: {
    index: number;
    id: string;
    params: ManifestTrial['params'];
    value: number;
    epoch: number | null;
  } | null;
  /** In trial order. */
  trials: ManifestTrial[];
  /** For a sweep on a queue; null otherwise. */
  queue: QueueStatus | null;
}

export interface SweepStatusOptions {
  ref: string;
  experimentsDir: string;
  /** The Redis queue to ask (default: the manifest's). */
  queue?: string;
  queueName?: string;
}

/**
 * A sweep's state from its folder and, for a queued sweep, from its queue. An unreachable Redis
 * (or a queue that cannot be asked) is reported in `queue`, never thrown: the folder's view stands
 * on its own. BullMQ is loaded only for a queued sweep.
 */
export async function sweepStatus(options: SweepStatusOptions): Promise<SweepStatus> {
  const { dir, manifest } = openSweep(options.ref, options.experimentsDir);
  const top = sortTrials(manifest.trials, manifest.mode)[0];
  const url = options.queue ?? manifest.queue;
  let queue: QueueStatus | null = null;
  if (url) {
    const { DEFAULT_QUEUE_NAME, queuedSweepState } = await import('./queue.js');
    const name = options.queueName ?? manifest.queueName ?? DEFAULT_QUEUE_NAME;
    try {
      const state = await queuedSweepState({
        url,
        queueName: name,
        sweepId: manifest.id,
        trialIds: manifest.trials.map((t) => t.id),
      });
      queue = {
        url,
        name,
        reachable: true,
        jobs: countJobs(Object.values(state.jobs)),
        states: state.jobs,
        cancel: state.cancel,
      };
    } catch (err) {
      if (!(err instanceof QqpError)) throw err;
      queue = { url, name, reachable: false, error: err.message };
    }
  }
  return {
    id: manifest.id,
    dir,
    name: manifest.name,
    status: manifest.status,
    strategy: manifest.strategy,
    metric: manifest.metric,
    mode: manifest.mode,
    createdAt: manifest.createdAt,
    updatedAt: manifest.updatedAt,
    counts: countTrials(manifest.trials),
    planned: Math.max(manifest.planned ?? 0, manifest.trials.length),
    best:
      top && top.best !== null
        ? { index: top.index, id: top.id, params: top.params, value: top.best, epoch: top.bestEpoch }
        : null,
    trials: [...manifest.trials].sort((a, b) => a.index - b.index),
    queue,
  };
}
