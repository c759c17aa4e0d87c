import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { cancelQueuedSweep, DEFAULT_QUEUE_NAME } from './queue.js';
import {
  isUnfinished,
  type ManifestTrial,
  openSweep,
  SWEEP_FILES,
  type SweepManifest,
  type SweepResult,
  sortTrials,
  writeSweepResults,
} from './runner.js';

export interface CancelSweepOptions {
  /** The sweep's id (under experiments/sweeps) or folder. */
  ref: string;
  experimentsDir: string;
  /** The Redis queue (default: the one in the manifest). */
  queue?: string;
  /** The queue's name (default: the manifest's, else `qqp-trials`). */
  queueName?: string;
  cwd?: string;
}

export interface CancelSweepResult {
  id: string;
  dir: string;
  /** The sweep's status before the cancel. */
  was: SweepManifest['status'];
  status: SweepManifest['status'];
  /** False when there was nothing to cancel: the sweep had completed. */
  cancelled: boolean;
  queue: string | null;
  queueName: string | null;
  /** Jobs removed from the queue before any worker took them. */
  removed: string[];
  /** Jobs running on workers, told to stop (each finishes its batch). */
  running: string[];
  metric: string;
  /** Best first. */
  trials: ManifestTrial[];
  best: SweepResult['best'];
}

/**
 * Cancels a queued sweep: sets its cancel key and removes its waiting jobs (`cancelQueuedSweep`),
 * then marks the manifest `cancelled` (unfinished trials too) and rewrites results.json and best.yaml
 * from what finished. A coordinator still following the sweep sees the key within a poll and ends
 * cancelled as well, so the manifest says cancelled whichever writes last. A completed sweep is left
 * as it is (`cancelled: false`). A sweep without a queue runs in its coordinator's process, which
 * only Ctrl-C stops: refused (UsageError). With Redis unreachable nothing is changed (NetworkError).
 */
export async function cancelSweep(options: CancelSweepOptions): Promise<CancelSweepResult> {
  const cwd = options.cwd ?? process.cwd();
  const opened = openSweep(options.ref, options.experimentsDir);
  const { dir } = opened;
  const was = opened.manifest.status;
  const queue = options.queue ?? opened.manifest.queue;
  const queueName = options.queueName ?? opened.manifest.queueName ?? DEFAULT_QUEUE_NAME;
  const base = {
    id: opened.manifest.id,
    dir,
    was,
    metric: opened.manifest.metric,
    queue: queue ?? null,
    queueName: queue ? queueName : null,
  };
  if (was === 'completed') {
    // Nothing to do: its results are written already.
    const trials = sortTrials(opened.manifest.trials, opened.manifest.mode);
    const top = trials[0]?.best !== null ? trials[0] : undefined;
    const best = top ? { trial: top, configFile: join(dir, SWEEP_FILES.best) } : null;
    return { ...base, status: was, cancelled: false, removed: [], running: [], trials, best };
  }
  if (!queue) {
    throw new UsageError(
      'SWEEP_NOT_QUEUED',
      `sweep ${opened.manifest.id} runs its trials in the process that started it (no --queue): nothing to cancel from here`,
      {
        suggestions: [
          'stop a running local sweep with Ctrl-C in its terminal; `qqp sweep --resume ID` continues it later',
          'if its trials are on a queue after all, give it: qqp sweep cancel ID --queue redis://HOST:PORT',
        ],
      },
    );
  }
  const done = await cancelQueuedSweep({
    url: queue,
    queueName,
    sweepId: opened.manifest.id,
    trialIds: opened.manifest.trials.map((t) => t.id),
  });
  // Read again just before writing: a coordinator may have recorded more since.
  const { manifest } = openSweep(dir, options.experimentsDir);
  manifest.status = 'cancelled';
  // The trials not finished become `cancelled`.
  for (const t of manifest.trials) if (isUnfinished(t.status)) t.status = 'cancelled';
  manifest.updatedAt = new Date().toISOString();
  writeJsonAtomic(join(dir, SWEEP_FILES.manifest), manifest);
  const { trials, best } = writeSweepResults(dir, manifest, cwd);
  return { ...base, status: 'cancelled', cancelled: true, ...done, trials, best };
}
