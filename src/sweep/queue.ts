import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { Job, type JobState, type JobType, Queue, Worker } from 'bullmq';
import YAML from 'yaml';
import { loadConfigText } from '../config/load.js';
import type { ResolvedConfig } from '../config/schema.js';
import { NetworkError, QqpError, UsageError } from '../errors.js';
import { configForRunFolder } from '../runs/folder.js';
import type { EpochRecord } from '../runs/records.js';
import { isInside, NAME_MAX_LENGTH, nameProblem, quoteName } from '../util/names.js';
import { forkTrial } from './local.js';
import type { TrialExecutor, TrialOutcome } from './runner.js';

/**
 * Trials over a Redis queue (BullMQ). The coordinator (`qqp sweep --queue`) adds one job per trial,
 * job id `<sweep id>.<trial hash>`, so adding a trial twice is a no-op, and follows each job's
 * progress (the run and its epoch records) to fill the sweep folder. Workers (`qqp worker`) run
 * each trial in a child process as the local executor does. A worker that dies mid-trial stops
 * renewing the job's lock; BullMQ's stalled check then hands the job to another worker, whose new
 * run replaces the lost attempt. ASHA decisions travel back through a Redis list per epoch.
 *
 * Cancelling (`qqp sweep cancel`) sets the key `qqp:<queue name>:cancel:<sweep id>` and removes the
 * sweep's jobs that wait. A worker checks the key when it takes a job of the sweep, every second
 * while the trial runs and at each epoch, and then aborts the trial (it finishes its batch) and
 * completes the job as `cancelled`: not handed back to the queue. The coordinator checks it at
 * each look at a job and ends the trial as cancelled too.
 */

/** The queue's name when none is given (`--queue-name`). */
export const DEFAULT_QUEUE_NAME = 'qqp-trials';

export interface QueueJobData {
  sweepId: string;
  trialId: string;
  trialIndex: number;
  name: string;
  /** The resolved config as YAML; data paths relative to the coordinator's (and worker's) directory. */
  config: string;
  ask: boolean;
}

export interface QueueProgress {
  run?: { id: string; dir: string; host: string };
  records: EpochRecord[];
}

function connection(url: string): {
  host: string;
  port: number;
  password?: string;
  username?: string;
  db?: number;
} {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError('QUEUE_URL', `"${url}" is not a Redis URL`, {
      suggestions: ['--queue redis://127.0.0.1:6379'],
    });
  }
  if (u.protocol !== 'redis:') {
    throw new UsageError('QUEUE_URL', `"${url}": only redis:// queues are supported`, {
      suggestions: ['--queue redis://127.0.0.1:6379'],
    });
  }
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(db !== undefined && Number.isInteger(db) ? { db } : {}),
  };
}

/** Set while a sweep is cancelled; its value says when and from where (`CancelRecord`). */
export function cancelKey(queueName: string, sweepId: string): string {
  return `qqp:${queueName}:cancel:${sweepId}`;
}

/** How long a cancel key is kept: longer than any job of the sweep can wait or run. */
const CANCEL_KEY_SECONDS = 30 * 86_400;

export interface CancelRecord {
  at: string;
  host: string;
}

function decisionKey(queueName: string, jobId: string, runId: string, epoch: number): string {
  return `qqp:${queueName}:decision:${jobId}:${runId}:${epoch}`;
}

async function openQueue(url: string, queueName: string): Promise<Queue> {
  const queue = new Queue(queueName, { connection: { ...connection(url), maxRetriesPerRequest: null } });
  let lastError: Error | undefined;
  queue.on('error', (err) => {
    lastError = err;
  });
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000).unref());
  const ready = await Promise.race([queue.waitUntilReady().then(() => 'ready' as const), timeout]).catch(
    (err: Error) => {
      lastError = err;
      return 'timeout' as const;
    },
  );
  if (ready !== 'ready') {
    await queue.close().catch(() => {});
    throw new NetworkError(
      'QUEUE_UNREACHABLE',
      `cannot reach the Redis queue at ${url}${lastError ? ` (${lastError.message})` : ''}`,
      {
        suggestions: ['start Redis (redis-server --port 6379) or check the host and port'],
      },
    );
  }
  return queue;
}

/** The few plain commands used here; BullMQ's client forwards them to ioredis. */
interface ListClient {
  rpush(key: string, value: string): Promise<number>;
  expire(key: string, seconds: number): Promise<number>;
  lpop(key: string): Promise<string | null>;
  exists(key: string): Promise<number>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, mode: 'EX', seconds: number): Promise<unknown>;
  del(key: string): Promise<number>;
}

async function listClient(queue: Queue): Promise<ListClient> {
  return (await queue.client) as unknown as ListClient;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function isCancelled(client: ListClient, queueName: string, sweepId: string): Promise<boolean> {
  return (await client.exists(cancelKey(queueName, sweepId))) > 0;
}

/** States of a job that no worker has taken yet: the ones a cancel removes. */
const NOT_STARTED = new Set(['waiting', 'delayed', 'prioritized', 'waiting-children', 'paused', 'wait']);

/** Removes a job that has not started; false when it has (or is gone), e.g. a worker took it meanwhile. */
async function removeIfNotStarted(job: Job): Promise<boolean> {
  if (!NOT_STARTED.has(await job.getState())) return false;
  try {
    await job.remove();
    return true;
  } catch {
    return false; // taken (and locked) by a worker between the two calls
  }
}

/** The coordinator's side: queue every trial and follow it until a worker has finished it. */
export async function queueExecutor(options: { url: string; queueName: string; pollMs?: number }): Promise<{
  executor: TrialExecutor;
  /** Lifts a cancel of the sweep (before resuming it). */
  clearCancel(sweepId: string): Promise<void>;
  close(): Promise<void>;
}> {
  const queue = await openQueue(options.url, options.queueName);
  const pollMs = options.pollMs ?? 500;
  const client = await listClient(queue);
  const executor: TrialExecutor = async (job, hooks, signal) => {
    const jobId = `${job.sweepId}.${job.trial.id}`;
    if (await isCancelled(client, options.queueName, job.sweepId)) return { status: 'cancelled' };
    const existing = await Job.fromId<QueueJobData, TrialOutcome>(queue, jobId);
    // A failed or cancelled job is added again only when the trial is to run again (a resume).
    if (existing) {
      const state = await existing.getState();
      if (state === 'failed' || (state === 'completed' && existing.returnvalue?.status === 'cancelled'))
        await existing.remove();
    }
    const data: QueueJobData = {
      sweepId: job.sweepId,
      trialId: job.trial.id,
      trialIndex: job.trial.index,
      name: job.name,
      config: YAML.stringify(job.config, { lineWidth: 0 }),
      ask: job.ask,
    };
    await queue.add('trial', data, { jobId, attempts: 5, removeOnComplete: false, removeOnFail: false });
    let run: QueueProgress['run'];
    let reported = 0;
    const cancelled = (): TrialOutcome => ({
      status: 'cancelled',
      ...(run ? { runId: run.id, runDir: run.dir, host: run.host } : {}),
    });
    for (;;) {
      const current = await Job.fromId<QueueJobData, TrialOutcome>(queue, jobId);
      if (!current) {
        // `qqp sweep cancel` sets the key before it removes the jobs.
        if (await isCancelled(client, options.queueName, job.sweepId)) return cancelled();
        return { status: 'failed', failure: `job ${jobId} vanished from the queue` };
      }
      const progress = (
        typeof current.progress === 'object' ? current.progress : { records: [] }
      ) as QueueProgress;
      if (progress.run && progress.run.id !== run?.id) {
        run = progress.run;
        reported = 0; // another attempt: its epochs start over
        hooks.onRun(run);
      }
      for (const record of progress.records ?? []) {
        if (record.epoch <= reported || !run) continue;
        reported = record.epoch;
        const stop = await hooks.onEpoch(record);
        if (job.ask) {
          const key = decisionKey(options.queueName, jobId, run.id, record.epoch);
          await client.rpush(key, stop ? '1' : '0');
          await client.expire(key, 86_400);
        }
      }
      const state = await current.getState();
      if (state === 'completed') {
        // The job may have completed after `current` was read: read its return value again.
        const done = await Job.fromId<QueueJobData, TrialOutcome>(queue, jobId);
        if (done?.returnvalue) return done.returnvalue;
        continue;
      }
      if (state === 'failed') {
        return {
          status: 'failed',
          failure: current.failedReason ?? 'the job failed',
          ...(run ? { runId: run.id, runDir: run.dir, host: run.host } : {}),
        };
      }
      if (await isCancelled(client, options.queueName, job.sweepId)) {
        // The canceller removes waiting jobs; one added since goes too. A running one is the worker's to stop.
        await removeIfNotStarted(current);
        return cancelled();
      }
      // The queued trial stays for the workers; a resumed sweep follows it again.
      if (signal.aborted)
        return { status: 'interrupted', ...(run ? { runId: run.id, runDir: run.dir, host: run.host } : {}) };
      await sleep(pollMs);
    }
  };
  return {
    executor,
    clearCancel: async (sweepId) => {
      await client.del(cancelKey(options.queueName, sweepId));
    },
    close: () => queue.close(),
  };
}

/** What a cancel did on the queue: the jobs it removed before any worker took them, and those running. */
export interface QueueCancel {
  removed: string[];
  running: string[];
}

/**
 * `qqp sweep cancel`'s side: sets the sweep's cancel key (first, so that a coordinator that finds a
 * job gone knows why, and a worker that takes one meanwhile does not run it), then removes the
 * sweep's jobs that wait; the running ones stop on their workers at the next check.
 */
export async function cancelQueuedSweep(options: {
  url: string;
  queueName: string;
  sweepId: string;
  /** The manifest's trials; any other job of the sweep on the queue is found by its id too. */
  trialIds: readonly string[];
}): Promise<QueueCancel> {
  const queue = await openQueue(options.url, options.queueName);
  try {
    const client = await listClient(queue);
    const record: CancelRecord = { at: new Date().toISOString(), host: hostname() };
    await client.set(
      cancelKey(options.queueName, options.sweepId),
      JSON.stringify(record),
      'EX',
      CANCEL_KEY_SECONDS,
    );
    const prefix = `${options.sweepId}.`;
    const ids = new Set(options.trialIds.map((t) => prefix + t));
    const listed = await queue.getJobs([...NOT_STARTED, 'active'] as JobType[]);
    for (const j of listed) if (j.id?.startsWith(prefix)) ids.add(j.id);
    const result: QueueCancel = { removed: [], running: [] };
    for (const id of [...ids].sort()) {
      const job = await Job.fromId(queue, id);
      if (!job) continue;
      if (await removeIfNotStarted(job)) result.removed.push(id);
      else if ((await job.getState()) === 'active') result.running.push(id);
    }
    return result;
  } finally {
    await queue.close();
  }
}

/** A trial's job as the queue has it: a BullMQ state, or `absent` (never queued, or removed). */
export type QueueJobState = JobState | 'unknown' | 'absent';

/** The state of each trial's job (by trial id) and the sweep's cancel, if any (`qqp sweep status`). */
export async function queuedSweepState(options: {
  url: string;
  queueName: string;
  sweepId: string;
  trialIds: readonly string[];
}): Promise<{ jobs: Record<string, QueueJobState>; cancel: CancelRecord | null }> {
  const queue = await openQueue(options.url, options.queueName);
  try {
    const client = await listClient(queue);
    const jobs: Record<string, QueueJobState> = {};
    for (const trialId of options.trialIds) {
      const job = await Job.fromId(queue, `${options.sweepId}.${trialId}`);
      jobs[trialId] = job ? await job.getState() : 'absent';
    }
    const raw = await client.get(cancelKey(options.queueName, options.sweepId));
    let cancel: CancelRecord | null = null;
    if (raw !== null) {
      try {
        cancel = JSON.parse(raw) as CancelRecord;
      } catch {
        cancel = { at: 'unknown', host: 'unknown' };
      }
    }
    return { jobs, cancel };
  } finally {
    await queue.close();
  }
}

export type WorkerEvent =
  | { type: 'ready'; url: string; queueName: string; concurrency: number }
  | {
      type: 'trial';
      jobId: string;
      change: 'start' | 'epoch' | 'end';
      name: string;
      epoch?: number;
      outcome?: TrialOutcome;
    };

export interface WorkerOptions {
  url: string;
  queueName: string;
  concurrency: number;
  /** Where this worker's run folders go (absolute; recorded with the host in the sweep). */
  experimentsDir: string;
  /** A job whose lock is not renewed for this long goes to another worker. */
  lockSeconds?: number;
  /** How often a running trial's sweep is checked for a cancel (besides each epoch). */
  cancelPollMs?: number;
  onEvent?: (e: WorkerEvent) => void;
}

/** The worker's side: take trials, run each in a child process, report epochs and the outcome. */
export async function startWorker(options: WorkerOptions): Promise<{ close(): Promise<void> }> {
  const experimentsDir = resolve(options.experimentsDir);
  const emit = options.onEvent ?? (() => {});
  const queue = await openQueue(options.url, options.queueName);
  const client = await listClient(queue);
  const controller = new AbortController();
  const lockDuration = (options.lockSeconds ?? 30) * 1000;
  const worker = new Worker<QueueJobData, TrialOutcome>(
    options.queueName,
    async (job) => {
      const jobId = job.id as string;
      const data = job.data;
      // The trial's config beside this worker's runs, data paths relative to it from here.
      const dir = join(experimentsDir, 'sweep-trials');
      const configFile = join(dir, `${jobId}.yaml`);
      // A job of a cancelled sweep (one no canceller removed: added since, or taken meanwhile) is not run.
      if (await isCancelled(client, options.queueName, data.sweepId)) {
        const outcome: TrialOutcome = { status: 'cancelled', epochs: 0 };
        emit({ type: 'trial', jobId, change: 'end', name: data.name, outcome });
        return outcome;
      }
      emit({ type: 'trial', jobId, change: 'start', name: data.name });
      // The job id names a file here: one not made by `qqp sweep` (<sweep id>.<trial id>) is refused.
      const badId = nameProblem(jobId, 2 * NAME_MAX_LENGTH);
      if (badId !== undefined || !isInside(dir, configFile)) {
        const outcome: TrialOutcome = {
          status: 'failed',
          epochs: 0,
          failure: `BAD_NAME: job id ${quoteName(jobId)} ${badId ?? 'is not a file name'}`,
        };
        emit({ type: 'trial', jobId, change: 'end', name: data.name, outcome });
        return outcome;
      }
      mkdirSync(dir, { recursive: true });
      let config: ResolvedConfig;
      try {
        config = loadConfigText(data.config, {
          name: `queued trial ${jobId}`,
          baseDir: process.cwd(),
        }).config;
      } catch (err) {
        if (!(err instanceof QqpError)) throw err;
        // Invalid here is invalid on every worker: the trial fails (as its process would say), no retry.
        const outcome: TrialOutcome = {
          status: 'failed',
          epochs: 0,
          failure: `${err.code}: ${err.describe()}`,
        };
        emit({ type: 'trial', jobId, change: 'end', name: data.name, outcome });
        return outcome;
      }
      writeFileSync(
        configFile,
        YAML.stringify(configForRunFolder(config, dir, process.cwd()), { lineWidth: 0 }),
      );
      const progress: QueueProgress = { records: [] };
      // This trial stops when the worker does (handed back) or when its sweep is cancelled (not).
      const trialStop = new AbortController();
      const stopWithWorker = () => trialStop.abort();
      controller.signal.addEventListener('abort', stopWithWorker, { once: true });
      let cancelled = false;
      const checkCancel = async () => {
        if (cancelled) return;
        if (await isCancelled(client, options.queueName, data.sweepId).catch(() => false)) {
          cancelled = true;
          trialStop.abort();
        }
      };
      const cancelTimer = setInterval(() => void checkCancel(), options.cancelPollMs ?? 1000);
      const forked = forkTrial(
        {
          configFile,
          experimentsDir,
          name: data.name,
          // BullMQ counts each start of the job, a restart after a dead worker's stalled lock included.
          sweep: { id: data.sweepId, trial: data.trialId, attempt: Math.max(1, job.attemptsStarted) },
          ask: data.ask,
        },
        {
          onRun: (run) => {
            progress.run = run;
            void job.updateProgress({ ...progress });
          },
          onEpoch: async (record) => {
            progress.records.push(record);
            await job.updateProgress({ ...progress, records: [...progress.records] });
            emit({ type: 'trial', jobId, change: 'epoch', name: data.name, epoch: record.epoch });
            await checkCancel();
            if (!data.ask || !progress.run || cancelled) return false;
            const key = decisionKey(options.queueName, jobId, progress.run.id, record.epoch);
            // The coordinator answers after its next look at the job; without one, go on.
            for (let waited = 0; waited < 600_000 && !trialStop.signal.aborted; waited += 250) {
              const answer = await client.lpop(key);
              if (answer !== null) return answer === '1';
              await sleep(250);
            }
            return false;
          },
        },
        trialStop.signal,
      );
      let outcome: TrialOutcome;
      try {
        outcome = await forked;
      } finally {
        clearInterval(cancelTimer);
        controller.signal.removeEventListener('abort', stopWithWorker);
      }
      // A cancelled trial ends here, whatever stopped it first: the job completes, with no retry.
      if (cancelled && outcome.status === 'interrupted') outcome = { ...outcome, status: 'cancelled' };
      emit({ type: 'trial', jobId, change: 'end', name: data.name, outcome });
      // A worker shutting down hands its trial back, to be run again by another worker.
      if (outcome.status === 'interrupted')
        throw new Error(`worker on ${progress.run?.host ?? 'this host'} stopped during the trial`);
      return outcome;
    },
    {
      connection: { ...connection(options.url), maxRetriesPerRequest: null },
      concurrency: options.concurrency,
      lockDuration,
      stalledInterval: lockDuration,
      maxStalledCount: 3,
    },
  );
  worker.on('error', () => {
    // Connection trouble is retried by the client; the job locks make sure nothing is lost.
  });
  await worker.waitUntilReady();
  emit({ type: 'ready', url: options.url, queueName: options.queueName, concurrency: options.concurrency });
  return {
    close: async () => {
      controller.abort();
      await worker.close();
      await queue.close();
    },
  };
}
