import type { AshaSpec } from './spec.js';

/**
 * Asynchronous successive halving (ASHA): at each rung (minEpochs · η^k epochs) a trial goes on
 * only if its metric is in the best 1/η of the values every trial has reported at that rung so far;
 * otherwise the scheduler stops it there. Decisions never wait for other trials, so parallel
 * workers stay busy (Li et al., "A System for Massively Parallel Hyperparameter Tuning", 2020).
 */

/** The epochs at which trials are judged, below maxEpochs (the last epoch needs no decision). */
export function rungs(asha: AshaSpec): number[] {
  const out: number[] = [];
  for (let r = asha.minEpochs; r < asha.maxEpochs; r = Math.ceil(r * asha.reductionFactor)) out.push(r);
  return out;
}

/** Linear-interpolated quantile of sorted-ascending values, q in [0, 1]. */
export function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

/**
 * Whether a trial whose metric at a rung is `value` stops, given `recorded`, every value reported
 * at that rung (this one included). A lone value always goes on.
 */
export function ashaStops(
  value: number,
  recorded: readonly number[],
  mode: 'max' | 'min',
  reductionFactor: number,
): boolean {
  if (!Number.isFinite(value)) return true;
  const finite = recorded.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length <= 1) return false;
  if (mode === 'max') return value < quantile(finite, 1 - 1 / reductionFactor);
  return value > quantile(finite, 1 / reductionFactor);
}

/** The rung tables of a sweep: epoch → values reported there. Shared by every trial of a sweep. */
export class AshaScheduler {
  private readonly rungSet: Set<number>;
  /** rung epoch → trial id → value (by trial, so a retried trial is counted once). */
  private readonly tables = new Map<number, Map<string, number>>();

  constructor(
    readonly asha: AshaSpec,
    readonly mode: 'max' | 'min',
  ) {
    this.rungSet = new Set(rungs(asha));
  }

  /** Re-enters a value seen before (resume), without deciding anything. */
  record(trial: string, epoch: number, value: number): void {
    if (!this.rungSet.has(epoch)) return;
    const t = this.tables.get(epoch) ?? new Map<string, number>();
    t.set(trial, value);
    this.tables.set(epoch, t);
  }

  /** A trial reached `epoch` with `value`: true when it stops there. */
  report(trial: string, epoch: number, value: number): boolean {
    if (!this.rungSet.has(epoch)) return false;
    this.record(trial, epoch, value);
    const values = [...(this.tables.get(epoch)?.values() ?? [])];
    return ashaStops(value, values, this.mode, this.asha.reductionFactor);
  }
}
