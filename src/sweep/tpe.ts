import { Rng } from '../util/rng.js';
import { isActive, randomPoint, round, type TrialParams } from './space.js';
import type { ParameterSpace, TpeSpec } from './spec.js';

/**
 * The tree-structured Parzen estimator (Bergstra, Bardenet, Bengio and Kégl, "Algorithms for
 * Hyper-Parameter Optimization", NeurIPS 2011), in its independent form (each parameter on its
 * own, as Optuna's default sampler). The finished trials are split at a quantile of the metric
 * into good and bad; each side gets a density per parameter, l(x) from the good and g(x) from the
 * bad, both a Parzen mixture with a broad prior; a point is the best of `candidates` draws from l
 * by l(x)/g(x). A parameter that is not active in a trial (a conditional one) is simply absent
 * from that trial's observations, so each parameter learns from the trials that had it.
 *
 * Trials still running count as bad (a "constant liar"): parallel workers asking one after the
 * other are pushed away from the points already being tried, instead of all getting the same one.
 */

export interface Observation {
  params: TrialParams;
  /** The trial's metric; null while it runs (or when it ended without one, see `pending`). */
  value: number | null;
  /** Running or queued: counted with the bad trials until it has a value. */
  pending?: boolean;
}

/** An Rng for the `attempt`-th try at proposing trial `index` of a sweep seeded `seed`. */
export function proposalRng(seed: number, index: number, attempt = 0): Rng {
  // A fixed mix of the three, so a resumed sweep proposes what the first run would have.
  let h = (seed | 0) ^ 0x9e3779b9;
  for (const k of [index, attempt]) {
    h = Math.imul(h ^ k, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return new Rng(h >>> 0);
}

/** The next point: random until `startupTrials` trials have values, then TPE's choice. */
export function suggest(
  parameters: readonly ParameterSpace[],
  observations: readonly Observation[],
  mode: 'max' | 'min',
  options: TpeSpec,
  rng: Rng,
): TrialParams {
  const finished = observations.filter(
    (o): o is Observation & { value: number } => o.value !== null && Number.isFinite(o.value),
  );
  if (finished.length < options.startupTrials) return randomPoint(parameters, rng);
  const sorted = [...finished].sort((a, b) => (mode === 'max' ? b.value - a.value : a.value - b.value));
  const nGood = Math.min(25, Math.max(1, Math.ceil(options.gamma * sorted.length)));
  const good = sorted.slice(0, nGood).map((o) => o.params);
  const bad = [...sorted.slice(nGood), ...observations.filter((o) => o.pending && o.value === null)].map(
    (o) => o.params,
  );
  const point: TrialParams = {};
  for (const p of parameters) {
    if (!isActive(p, point)) continue;
    const had = (ps: TrialParams[]) => ps.filter((x) => p.path in x).map((x) => x[p.path]);
    point[p.path] = choose(p, had(good), had(bad), options.candidates, rng);
  }
  return point;
}

/** The best of `n` draws from the good density by log l(x) - log g(x). */
function choose(p: ParameterSpace, good: unknown[], bad: unknown[], n: number, rng: Rng): unknown {
  const l = estimator(p, good);
  const g = estimator(p, bad);
  let best: unknown;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const x = l.sample(rng);
    const score = l.logDensity(x) - g.logDensity(x);
    if (score > bestScore) {
      bestScore = score;
      best = x;
    }
  }
  return best;
}

interface Estimator {
  sample(rng: Rng): unknown;
  logDensity(x: unknown): number;
}

function estimator(p: ParameterSpace, observed: readonly unknown[]): Estimator {
  if ('values' in p) return categorical(p.values, observed);
  return numeric(
    p,
    observed.filter((v): v is number => typeof v === 'number'),
  );
}

/** Counts of each listed value plus a prior of total weight 1 spread evenly. */
function categorical(values: readonly unknown[], observed: readonly unknown[]): Estimator {
  const key = (v: unknown) => JSON.stringify(v);
  const index = new Map(values.map((v, i) => [key(v), i]));
  const weights = values.map(() => 1 / values.length);
  for (const v of observed) {
    const i = index.get(key(v));
    if (i !== undefined) weights[i] = (weights[i] as number) + 1;
  }
  const total = weights.reduce((a, b) => a + b, 0);
  return {
    sample: (rng) => values[rng.weighted(weights)],
    logDensity: (x) => Math.log((weights[index.get(key(x)) ?? -1] ?? 0) / total),
  };
}

/**
 * A mixture of normals truncated to the range, one at each observation and one broad prior at the
 * middle, in the parameter's own scale (log for loguniform, ±0.5 around the ends for int). Each
 * observation's width is the larger gap to its neighbours, clipped as in the paper's reference
 * implementation to [range / min(100, n + 1), range].
 */
function numeric(p: Extract<ParameterSpace, { min: number }>, observed: readonly number[]): Estimator {
  const log = p.distribution === 'loguniform';
  const int = p.distribution === 'int';
  const to = (x: number) => (log ? Math.log(x) : x);
  const lo = int ? p.min - 0.5 : to(p.min);
  const hi = int ? p.max + 0.5 : to(p.max);
  const range = hi - lo;
  const prior = (lo + hi) / 2;
  const points = [...observed.map((x) => ({ mu: to(x), prior: false })), { mu: prior, prior: true }].sort(
    (a, b) => a.mu - b.mu,
  );
  const minSigma = range / Math.min(100, points.length + 1);
  const components = points.map(({ mu, prior: isPrior }, i) => {
    if (isPrior) return { mu, sigma: range };
    const left = i > 0 ? mu - (points[i - 1]?.mu as number) : mu - lo;
    const right = i < points.length - 1 ? (points[i + 1]?.mu as number) - mu : hi - mu;
    return { mu, sigma: Math.min(range, Math.max(minSigma, left, right)) };
  });
  const from = (t: number): number => {
    if (int) return Math.min(p.max, Math.max(p.min, Math.round(t)));
    const x = round(log ? Math.exp(t) : t);
    return Math.min(p.max, Math.max(p.min, x));
  };
  const mass = components.map((c) =>
    Math.max(1e-300, phi((hi - c.mu) / c.sigma) - phi((lo - c.mu) / c.sigma)),
  );
  const logN = Math.log(components.length);
  return {
    sample(rng) {
      const c = components[rng.int(0, components.length - 1)] as { mu: number; sigma: number };
      for (let tries = 0; tries < 100; tries++) {
        const t = c.mu + c.sigma * normal(rng);
        if (t >= lo && t <= hi) return from(t);
      }
      return from(lo + rng.float() * range);
    },
    logDensity(x) {
      const t = to(x as number);
      const terms = components.map((c, i) => {
        const z = (t - c.mu) / c.sigma;
        return -0.5 * z * z - Math.log(c.sigma * Math.sqrt(2 * Math.PI) * (mass[i] as number));
      });
      return logSumExp(terms) - logN;
    },
  };
}

function logSumExp(xs: readonly number[]): number {
  const m = Math.max(...xs);
  if (!Number.isFinite(m)) return m;
  return m + Math.log(xs.reduce((a, x) => a + Math.exp(x - m), 0));
}

/** A standard normal draw (Box–Muller). */
function normal(rng: Rng): number {
  const u = 1 - rng.float();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.float());
}

/** The standard normal CDF, from erf (Abramowitz and Stegun 7.1.26, error below 1.5e-7). */
function phi(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}
