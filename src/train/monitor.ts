import type { ResolvedConfig } from '../config/schema.js';
import { monitorMode } from '../registry/schedules.js';
import type { TrainerState } from '../runs/records.js';

/**
 * Best-so-far of one monitored value (val_loss unless early stopping names another; none without a
 * validation split or early stopping): it picks the
 * best epoch (model/best/, summary.json's bestEpoch, restoreBestWeights) and counts the epochs
 * without improvement that early stopping waits for. Its memory is the trainer state's `best`,
 * `wait` and `stoppedEarly`, kept in checkpoints so that a resumed run continues it.
 */

type EarlyStopping = NonNullable<ResolvedConfig['training']['earlyStopping']>;

/**
 * Whether `value` improves on `best` by more than `minDelta`, in the monitor's direction (down for
 * losses, up for the other metrics). Nothing to compare with (`best` null) counts as an improvement.
 */
export function improves(
  monitor: string,
  best: { value: number } | null,
  value: number,
  minDelta: number,
): boolean {
  const sign = monitorMode(monitor) === 'min' ? 1 : -1;
  return best === null || sign * (best.value - value) > minDelta;
}

/**
 * The value that picks the best epoch: early stopping's monitor, else val_loss on a validation
 * split. Without either there is no best epoch (null): the lowest training loss is not "best".
 */
export function bestMonitorName(
  config: ResolvedConfig,
  validationSplit: 'validation' | 'test' | 'none',
): string | null {
  return config.training.earlyStopping?.monitor ?? (validationSplit === 'validation' ? 'val_loss' : null);
}

/** The prefix of the per-epoch figures on the held-out split: `val_` on validation, `test_` on test. */
export function heldOutPrefix(validationSplit: 'validation' | 'test' | 'none'): 'val_' | 'test_' {
  return validationSplit === 'test' ? 'test_' : 'val_';
}

export class BestMonitor {
  constructor(
    /** null: nothing picks a best epoch (no validation split, no early stopping). */
    readonly name: string | null,
    private readonly state: Pick<TrainerState, 'best' | 'wait' | 'stoppedEarly'>,
    private readonly early: EarlyStopping | undefined,
  ) {}

  /**
   * Takes an epoch's figures: true when the monitored value improved (a new best epoch); otherwise
   * one more epoch without improvement, which may end training when early stopping's patience is up.
   */
  update(epoch: number, logs: Record<string, number>): boolean {
    if (this.name === null) return false;
    const value = logs[this.name];
    const improved =
      value !== undefined && improves(this.name, this.state.best, value, this.early?.minDelta ?? 0);
    if (improved) {
      this.state.best = { value: value as number, epoch };
      this.state.wait = 0;
    } else {
      this.state.wait++;
      if (this.early && this.state.wait >= this.early.patience) this.state.stoppedEarly = true;
    }
    return improved;
  }

  /** The best epoch so far, or null before any improvement. */
  get bestEpoch(): number | null {
    return this.state.best?.epoch ?? null;
  }
}
