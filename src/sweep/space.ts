import type { Rng } from '../util/rng.js';

/**
 * The search space's points: which parameters a point has (a conditional parameter only when its
 * condition holds), and the grid and random draws over them. Shared by every strategy.
 */

/** How a range is sampled. */
export const DISTRIBUTIONS = ['uniform', 'loguniform', 'int'] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

/** A parameter exists in a trial only when every condition holds: `path`'s value is among `values`. */
export interface Condition {
  path: string;
  values: unknown[];
}

export type ParameterSpace = (
  | { path: string; values: unknown[] }
  | { path: string; min: number; max: number; distribution: Distribution }
) & { when?: Condition[] };

/** One point of the search space: config path → value, in the spec's parameter order. */
export type TrialParams = Record<string, unknown>;

/** Four significant digits: sampled values stay readable and print the same everywhere. */
export function round(x: number): number {
  return Number(x.toPrecision(4));
}

/**
 * Whether `p` belongs in a point whose earlier parameters are `point`: always, unless its `when`
 * names a parameter whose value (if it has one at all) is not among the listed ones. The spec
 * guarantees a condition only names parameters declared before, so a point is built in order.
 */
export function isActive(p: ParameterSpace, point: TrialParams): boolean {
  if (!p.when) return true;
  return p.when.every((c) => c.path in point && c.values.some((v) => sameValue(v, point[c.path])));
}

/** Whether two parameter values are the same (lists and mappings compared by their JSON). */
export function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** Every value `p` can take when they can be listed: its listed values, or an int range's integers. */
export function parameterValues(p: ParameterSpace): unknown[] | undefined {
  if ('values' in p) return p.values;
  if (p.distribution === 'int') return Array.from({ length: p.max - p.min + 1 }, (_, i) => p.min + i);
  return undefined;
}

/** One value of `p`, uniformly (log-uniformly for a loguniform range). */
export function sampleValue(p: ParameterSpace, rng: Rng): unknown {
  if ('values' in p) return rng.pick(p.values);
  if (p.distribution === 'int') return rng.int(p.min, p.max);
  if (p.distribution === 'loguniform') {
    const lo = Math.log(p.min);
    const hi = Math.log(p.max);
    return round(Math.exp(lo + rng.float() * (hi - lo)));
  }
  return round(p.min + rng.float() * (p.max - p.min));
}

/** A point drawn at random: each active parameter sampled in the spec's order. */
export function randomPoint(parameters: readonly ParameterSpace[], rng: Rng): TrialParams {
  const point: TrialParams = {};
  for (const p of parameters) if (isActive(p, point)) point[p.path] = sampleValue(p, rng);
  return point;
}

/** Every grid point, the last parameter varying fastest; an inactive parameter adds no values. */
export function gridPoints(parameters: readonly ParameterSpace[]): TrialParams[] {
  let points: TrialParams[] = [{}];
  for (const p of parameters) {
    // The spec lets a grid have only listed values and int ranges.
    const values = parameterValues(p) ?? [];
    points = points.flatMap((pt) => (isActive(p, pt) ? values.map((v) => ({ ...pt, [p.path]: v })) : [pt]));
  }
  return points;
}
