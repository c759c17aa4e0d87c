/**
 * How much of a sweep metric's spread each parameter explains on its own: the correlation ratio
 * (eta squared). The trials are put in groups by the parameter's value, and eta² is the between-group
 * sum of squares over the total sum of squares of the metric. It is marginal: a parameter that matters
 * only together with another can score low, and two parameters swept together share the credit.
 */

/** One trial seen by one parameter: the parameter's value and the trial's metric. */
export interface ImportanceSample {
  value: number | string;
  metric: number;
}

export interface Importance {
  /** Trials used: those with a finite metric and a value of the parameter. */
  trials: number;
  /** Groups the trials were put in (distinct values, or quantile bins). */
  groups: number;
  /** How the groups were made. */
  grouping: 'value' | 'bins';
  /** Between-group over total sum of squares, 0..1; null when it cannot be told (see `reason`). */
  eta2: number | null;
  /**
   * What a parameter with no effect gives on average with this many trials and groups,
   * (groups − 1) / (trials − 1): with one trial per group, eta² is 1 whatever the parameter does.
   */
  chance: number | null;
  reason: 'too few trials' | 'metric constant' | null;
}

/** Fewer usable trials than this and eta² says nothing. */
export const MIN_TRIALS = 3;
/** Numbers with more distinct values than this are put in this many quantile bins (at most). */
export const MAX_GROUPS = 4;

/** Between-group sum of squares over the total; null when the total is 0 (every value the same). */
export function etaSquared(groups: readonly (readonly number[])[]): number | null {
  const all = groups.flat();
  if (all.length === 0) return null;
  const mean = all.reduce((s, v) => s + v, 0) / all.length;
  const total = all.reduce((s, v) => s + (v - mean) ** 2, 0);
  // Relative to the values' size, so rounding in a constant metric is not read as spread.
  if (!(total > 1e-24 * Math.max(1, mean * mean) * all.length)) return null;
  let between = 0;
  for (const g of groups) {
    if (g.length === 0) continue;
    const m = g.reduce((s, v) => s + v, 0) / g.length;
    between += g.length * (m - mean) ** 2;
  }
  return Math.min(1, Math.max(0, between / total));
}

/**
 * The samples in groups: by value when the values are text or few numbers, else in quantile bins of
 * equal counts (a quantile is the same on a log scale, so log-spread numbers are binned fairly too).
 * Equal values always share a group. Group keys are the values, or the bins' 0-based numbers.
 */
export function groupSamples(samples: readonly ImportanceSample[]): {
  grouping: Importance['grouping'];
  groups: ImportanceSample[][];
} {
  const numeric = samples.every((s) => typeof s.value === 'number');
  const distinct = new Set(samples.map((s) => (typeof s.value === 'number' ? s.value : `s:${s.value}`)));
  if (!numeric || distinct.size <= MAX_GROUPS) {
    const byValue = new Map<number | string, ImportanceSample[]>();
    for (const s of samples) {
      const key = typeof s.value === 'number' ? s.value : `s:${s.value}`;
      const g = byValue.get(key);
      if (g) g.push(s);
      else byValue.set(key, [s]);
    }
    return { grouping: 'value', groups: [...byValue.values()] };
  }
  // About three trials a bin at least, so a bin's mean is more than one trial's noise.
  const bins = Math.min(MAX_GROUPS, Math.max(2, Math.floor(samples.length / 3)));
  const sorted = [...samples].sort((a, b) => (a.value as number) - (b.value as number));
  const groups: ImportanceSample[][] = [];
  let bin = -1;
  sorted.forEach((s, rank) => {
    const prev = sorted[rank - 1];
    // A tie stays in the bin its first copy went to.
    const next =
      prev !== undefined && prev.value === s.value ? bin : Math.floor((rank * bins) / sorted.length);
    if (next !== bin) {
      groups.push([]);
      bin = next;
    }
    groups.at(-1)!.push(s);
  });
  return { grouping: 'bins', groups };
}

/** Eta² of one parameter over the samples given (the caller leaves out trials without a metric or value). */
export function parameterImportance(samples: readonly ImportanceSample[]): Importance {
  const usable = samples.filter((s) => Number.isFinite(s.metric));
  const { grouping, groups } = groupSamples(usable);
  const base = { trials: usable.length, groups: groups.length, grouping };
  if (usable.length < MIN_TRIALS) return { ...base, eta2: null, chance: null, reason: 'too few trials' };
  const chance = (groups.length - 1) / (usable.length - 1);
  const eta2 = etaSquared(groups.map((g) => g.map((s) => s.metric)));
  if (eta2 === null) return { ...base, eta2: null, chance, reason: 'metric constant' };
  return { ...base, eta2, chance, reason: null };
}
