import { AshaScheduler, quantile } from './asha.js';
import type { HyperbandSpec, StoppingSpec } from './spec.js';

/**
 * What decides, after each epoch of a trial, whether it stops there: ASHA, Hyperband's brackets of
 * ASHA, the median rule. Each sees every epoch of every trial of its sweep; `record` re-enters one
 * seen before (a resumed sweep) without deciding.
 */
export interface EarlyStopper {
  record(trial: string, epoch: number, value: number): void;
  /** A trial reached `epoch` with `value`: true when it stops there. */
  report(trial: string, epoch: number, value: number): boolean;
}

/**
 * The median stopping rule (Golovin et al., "Google Vizier", KDD 2017): a trial stops at epoch e
 * when its best value so far is worse than the median of the other trials' running averages (the
 * mean of their values over epochs 1..e), counting the trials that have reached e. No decision
 * before `minEpochs`, nor with fewer than `minTrials` others to compare with.
 */
export class MedianStopper implements EarlyStopper {
  /** trial id → epoch → value. */
  private readonly values = new Map<string, Map<number, number>>();

  constructor(
    readonly rule: StoppingSpec,
    readonly mode: 'max' | 'min',
  ) {}

  record(trial: string, epoch: number, value: number): void {
    const t = this.values.get(trial) ?? new Map<number, number>();
    t.set(epoch, value);
    this.values.set(trial, t);
  }

  report(trial: string, epoch: number, value: number): boolean {
    this.record(trial, epoch, value);
    if (epoch < this.rule.minEpochs) return false;
    if (!Number.isFinite(value)) return true;
    const better = (a: number, b: number) => (this.mode === 'max' ? a > b : a < b);
    let best = value;
    for (const [e, v] of this.values.get(trial) ?? [])
      if (e <= epoch && Number.isFinite(v) && better(v, best)) best = v;
    const averages: number[] = [];
    for (const [other, byEpoch] of this.values) {
      if (other === trial || !byEpoch.has(epoch)) continue;
      let sum = 0;
      let n = 0;
      for (const [e, v] of byEpoch) {
        if (e > epoch || !Number.isFinite(v)) continue;
        sum += v;
        n++;
      }
      if (n > 0) averages.push(sum / n);
    }
    if (averages.length < this.rule.minTrials) return false;
    return better(median(averages), best);
  }
}

function median(xs: readonly number[]): number {
  return quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
}

/** One Hyperband bracket: its ASHA budget and its share of the trials. */
export interface Bracket {
  /** 0 is the most aggressive bracket (its first rung is the sweep's minEpochs). */
  index: number;
  minEpochs: number;
  /** Trials Hyperband's first iteration would give it: ⌈(s_max + 1) η^s / (s + 1)⌉, s = s_max − index. */
  weight: number;
}

/**
 * Hyperband's brackets (Li et al., JMLR 2018) as ASHA schedulers: bracket b judges its trials first
 * at minEpochs · η^b epochs, b = 0 … s_max with s_max = ⌊log_η(maxEpochs / minEpochs)⌋ (the last
 * bracket runs every trial to maxEpochs, a random search). Trials are dealt to the brackets in a
 * fixed order in proportion to the trials each gets in Hyperband, so trial n's bracket depends on n
 * alone: the same on every machine and after a resume.
 */
export function brackets(spec: HyperbandSpec): Bracket[] {
  const eta = spec.reductionFactor;
  const sMax = Math.floor(Math.log(spec.maxEpochs / spec.minEpochs) / Math.log(eta) + 1e-9);
  const out: Bracket[] = [];
  for (let b = 0; b <= sMax; b++) {
    const s = sMax - b;
    out.push({
      index: b,
      minEpochs: Math.min(spec.maxEpochs, Math.round(spec.minEpochs * eta ** b)),
      weight: Math.ceil(((sMax + 1) * eta ** s) / (s + 1)),
    });
  }
  return out;
}

/** The bracket of trial `index` (1-based): a smooth weighted round-robin over the brackets. */
export function bracketOf(spec: HyperbandSpec, index: number): number {
  const all = brackets(spec);
  const total = all.reduce((a, b) => a + b.weight, 0);
  const credit = all.map(() => 0);
  let chosen = 0;
  for (let n = 0; n < ((index - 1) % total) + 1; n++) {
    for (const b of all) credit[b.index] = (credit[b.index] as number) + b.weight;
    chosen = credit.indexOf(Math.max(...credit));
    credit[chosen] = (credit[chosen] as number) - total;
  }
  return chosen;
}

export class HyperbandScheduler implements EarlyStopper {
  private readonly schedulers: AshaScheduler[];
  /** trial id → bracket. */
  private readonly assigned = new Map<string, number>();

  constructor(
    readonly spec: HyperbandSpec,
    mode: 'max' | 'min',
  ) {
    this.schedulers = brackets(spec).map((b) => new AshaScheduler({ ...spec, minEpochs: b.minEpochs }, mode));
  }

  assign(trial: string, bracket: number): void {
    this.assigned.set(trial, bracket);
  }

  private of(trial: string): AshaScheduler | undefined {
    const b = this.assigned.get(trial);
    return b === undefined ? undefined : this.schedulers[b];
  }

  record(trial: string, epoch: number, value: number): void {
    this.of(trial)?.record(trial, epoch, value);
  }

  report(trial: string, epoch: number, value: number): boolean {
    return this.of(trial)?.report(trial, epoch, value) ?? false;
  }
}
