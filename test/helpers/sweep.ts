import { join } from 'node:path';
import type { EpochRecord } from '../../src/runs/records.js';
import type { TrialExecutor, TrialJob, TrialOutcome } from '../../src/sweep/runner.js';

/** An epoch record with the sweep metric `val_loss` (the other figures fixed). */
export function epochRecord(epoch: number, valLoss: number, loss = 1): EpochRecord {
  return { epoch, learningRate: 0.001, seconds: 0, examplesPerSecond: 0, loss, val_loss: valLoss };
}

/** What one scripted trial does: its run's name, the metric after each epoch, how it ends. */
export interface TrialScript {
  name: string | number;
  values: readonly number[];
  status: TrialOutcome['status'];
  failure?: string;
}

/**
 * An executor that trains nothing: each trial reports a run `run-<name>` in `runsDir` and the
 * epochs its script gives, then ends as the script says (the stop decisions are not followed).
 */
export function scriptedExecutor(runsDir: string, script: (job: TrialJob) => TrialScript): TrialExecutor {
  return async (job, hooks) => {
    const s = script(job);
    hooks.onRun({ id: `run-${s.name}`, dir: join(runsDir, `run-${s.name}`), host: 'test' });
    for (const [i, v] of s.values.entries()) await hooks.onEpoch(epochRecord(i + 1, v));
    return { status: s.status, epochs: s.values.length, ...(s.failure ? { failure: s.failure } : {}) };
  };
}
