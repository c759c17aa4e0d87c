/**
 * Configs as flat `path → value` maps, so runs of different shapes can be lined up column by column:
 * `training.optimizer.learningRate`, `model.layers[1].units`. Lists of plain values (metrics, tags,
 * combine) stay one value, written `[a, b]`: they are one setting, not several.
 */

export type Scalar = string | number | boolean | null;

function isPlainList(v: unknown[]): boolean {
  return v.every((x) => x === null || typeof x !== 'object');
}

export function formatScalarList(v: unknown[]): string {
  return `[${v.map((x) => String(x)).join(', ')}]`;
}

export function flattenConfig(
  value: unknown,
  prefix = '',
  out: Map<string, Scalar> = new Map(),
): Map<string, Scalar> {
  if (Array.isArray(value)) {
    if (isPlainList(value)) out.set(prefix, formatScalarList(value));
    else
      value.forEach((v, i) => {
        flattenConfig(v, `${prefix}[${i}]`, out);
      });
  } else if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0 && prefix) out.set(prefix, '{}');
    for (const [k, v] of entries) flattenConfig(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out.set(prefix, value as Scalar);
  }
  return out;
}

/** The values of one path across runs; `undefined` where a run's config has no such path. */
export function valuesAt(configs: readonly Map<string, Scalar>[], path: string): (Scalar | undefined)[] {
  return configs.map((c) => (c.has(path) ? c.get(path) : undefined));
}

function same(a: Scalar | undefined, b: Scalar | undefined): boolean {
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
}

/**
 * Every path, in first-seen order (config order), across the runs' configs. Runs without a config
 * are left out of the comparison of paths (they would make every path differ).
 */
export function allPaths(configs: readonly Map<string, Scalar>[]): string[] {
  const seen = new Set<string>();
  for (const c of configs) for (const k of c.keys()) seen.add(k);
  return [...seen];
}

/** The paths whose value is not the same in every run (absent counts as a value). */
export function differingPaths(configs: readonly Map<string, Scalar>[]): string[] {
  return allPaths(configs).filter((p) => {
    const vs = valuesAt(configs, p);
    return vs.some((v) => !same(v, vs[0]));
  });
}

/**
 * Whether `path` is selected by `pattern`: equal, or under it (`training.optimizer` selects
 * `training.optimizer.type`; `model.layers[1]` selects `model.layers[1].units`).
 */
export function pathMatches(path: string, pattern: string): boolean {
  return path === pattern || path.startsWith(`${pattern}.`) || path.startsWith(`${pattern}[`);
}

function segments(path: string): string[] {
  return path.split('.');
}

/**
 * Short column labels: the shortest tail of each path that no other path shares
 * (`training.optimizer.learningRate` → `learningRate`, unless another path ends the same way;
 * `model.layers[1].units` → `layers[1].units`), and none equal to a `reserved` label (other columns').
 */
export function shortLabels(paths: readonly string[], reserved: readonly string[] = []): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of paths) {
    const segs = segments(p);
    // A tail keeps the list entry it is in: `layers[1].units`, never a bare `units`.
    const indexed = segs.findLastIndex((s) => s.includes('['));
    let label = p;
    for (let n = indexed >= 0 ? segs.length - indexed : 1; n <= segs.length; n++) {
      const tail = segs.slice(-n).join('.');
      const clash =
        reserved.includes(tail) || paths.some((q) => q !== p && (q === tail || q.endsWith(`.${tail}`)));
      if (!clash) {
        label = tail;
        break;
      }
    }
    out.set(p, label);
  }
  return out;
}
