import { fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, ParentMessage } from './child.js';
import type { TrialExecutor, TrialHooks, TrialOutcome } from './runner.js';

const here = fileURLToPath(import.meta.url);
/** The child entry beside this module: dist/sweep/child.js when built, src/sweep/child.ts under tsx. */
const CHILD = join(dirname(here), `child${extname(here)}`);

export interface ForkTrialOptions {
  configFile: string;
  experimentsDir: string;
  name: string;
  sweep: { id: string; trial: string; attempt?: number };
  ask: boolean;
  resumeRunDir?: string;
  /** Threads for the trial's fused recurrent kernels (QQP_THREADS in the child); unset: inherited. */
  threads?: number;
}

/**
 * Runs one trial in a child process and relays its epochs to `hooks`. A child that crashes or is
 * killed makes a `failed` outcome with the end of its stderr; aborting `signal` asks it to finish
 * its batch and stop (an `interrupted` outcome).
 */
export function forkTrial(
  options: ForkTrialOptions,
  hooks: TrialHooks,
  signal: AbortSignal,
): Promise<TrialOutcome> {
  return new Promise((resolvePromise) => {
    const child = fork(CHILD, [], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      execArgv: extname(CHILD) === '.ts' ? ['--import', 'tsx'] : [],
      env: {
        ...process.env,
        NO_COLOR: '1',
        ...(options.threads ? { QQP_THREADS: String(options.threads) } : {}),
      },
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    let outcome: TrialOutcome | undefined;
    let run: { id: string; dir: string; host: string } | undefined;
    let epochs = 0;
    // Epoch hooks run one at a time, in order, even when a hook is slow (a remote decision).
    let chain = Promise.resolve();
    const post = (m: ParentMessage) => {
      if (child.connected) child.send(m);
    };
    const onAbort = () => post({ type: 'abort' });
    signal.addEventListener('abort', onAbort, { once: true });
    child.on('message', (m: ChildMessage) => {
      chain = chain.then(async () => {
        if (m.type === 'run') {
          run = { id: m.id, dir: m.dir, host: m.host };
          hooks.onRun(run);
        } else if (m.type === 'epoch') {
          epochs = m.record.epoch;
          const stop = await hooks.onEpoch(m.record);
          if (options.ask) post({ type: 'decision', stop });
        } else if (m.type === 'done') {
          outcome = {
            status: m.status === 'interrupted' ? 'interrupted' : m.stopped ? 'stopped' : 'completed',
            epochs: m.epochs,
            runId: m.runId,
            runDir: m.runDir,
            ...(run ? { host: run.host } : {}),
          };
        } else if (m.type === 'error') {
          outcome = {
            status: 'failed',
            epochs,
            failure: `${m.code}: ${m.message}`,
            ...(run ? { runId: run.id, runDir: run.dir, host: run.host } : {}),
          };
        }
      });
    });
    child.on('error', (err) => {
      outcome ??= { status: 'failed', epochs, failure: `cannot start the trial process: ${err.message}` };
    });
    child.on('exit', (code, sig) => {
      signal.removeEventListener('abort', onAbort);
      void chain.then(() => {
        resolvePromise(
          outcome ?? {
            status: signal.aborted ? 'interrupted' : 'failed',
            epochs,
            failure: `the trial process ended (${sig ?? `exit code ${code}`}) without a result${stderr.trim() ? `:\n${stderr.trim()}` : ''}`,
            ...(run ? { runId: run.id, runDir: run.dir, host: run.host } : {}),
          },
        );
      });
    });
    child.send({
      type: 'start',
      configFile: options.configFile,
      experimentsDir: options.experimentsDir,
      name: options.name,
      sweep: options.sweep,
      ask: options.ask,
      ...(options.resumeRunDir ? { resumeRunDir: options.resumeRunDir } : {}),
    } satisfies ParentMessage);
  });
}

/**
 * Every trial in its own child process on this machine. With `parallel` trials at once, each
 * trial's fused kernels get an equal share of the cores (unless QQP_THREADS says otherwise), so
 * parallel trials do not oversubscribe the machine.
 */
export function localExecutor(experimentsDir: string, options: { parallel?: number } = {}): TrialExecutor {
  const threads = process.env.QQP_THREADS
    ? undefined
    : Math.max(1, Math.floor(availableParallelism() / Math.max(1, options.parallel ?? 1)));
  return (job, hooks, signal) =>
    forkTrial(
      {
        configFile: job.configFile,
        experimentsDir,
        name: job.name,
        sweep: { id: job.sweepId, trial: job.trial.id, attempt: job.trial.attempts },
        ask: job.ask,
        ...(job.resumeRunDir ? { resumeRunDir: job.resumeRunDir } : {}),
        ...(threads ? { threads } : {}),
      },
      hooks,
      signal,
    );
}
