import { UsageError } from '../errors.js';
import { didYouMean } from '../util/suggest.js';
import { allPaths, differingPaths, flattenConfig, pathMatches, type Scalar, shortLabels } from './flatten.js';
import { metricDirection, type RunInfo } from './read.js';

/**
 * The comparison table as data: one row per run; columns are config values (by default those that
 * differ among the runs), then metrics, then epochs, time and speed. Formats live in format.ts.
 */

export type ColumnFormat = 'text' | 'metric' | 'int' | 'duration' | 'rate';

export interface ComparisonColumn {
  /** A config path for params, else a metric id such as `best_val_loss` (what --sort-by takes). */
  id: string;
  kind: 'param' | 'metric' | 'info';
  /** Full label (CSV, markdown, JSON). */
  label: string;
  /** Short label for the terminal, may hold a line break. */
  short: string;
  format: ColumnFormat;
  /** Which way is better; only metric columns have one, and only they get a best mark. */
  better?: 'min' | 'max';
}

export interface ComparisonRow {
  id: string;
  name: string;
  status: string;
  dir: string;
  values: Record<string, Scalar>;
}

export interface Comparison {
  columns: ComparisonColumn[];
  rows: ComparisonRow[];
  /** Per metric column, the ids of the runs holding its best value (when 2+ runs have one, not all equal). */
  best: Record<string, string[]>;
  /** `differing` (default), `all` (--all-params) or `chosen` (--param). */
  params: 'differing' | 'all' | 'chosen';
  sortedBy: string | null;
  filters: string[];
  /** Warnings from reading the run folders, `<run id>: <file>: <problem>`. */
  warnings: string[];
}

export interface CompareOptions {
  allParams?: boolean;
  /** Config paths (or prefixes: `training.optimizer`) to show instead of the differing ones. */
  params?: readonly string[];
  /** Validation metrics to show best and last values of (default: each monitor, val_loss, val_accuracy). */
  metrics?: readonly string[];
  sortBy?: string;
  /** `PATH=VALUE`, `PATH!=VALUE`, `PATH>N`, `PATH>=N`, `PATH<N`, `PATH<=N`; all must hold. */
  filters?: readonly string[];
}

const TEST_COLUMNS: { id: string; label: string; short: string; value: (r: RunInfo) => number | null }[] = [
  {
    id: 'test_accuracy',
    label: 'test accuracy',
    short: 'test\naccuracy',
    value: (r) => r.test?.accuracy ?? null,
  },
  { id: 'test_f1', label: 'test F1', short: 'test\nF1', value: (r) => r.test?.f1 ?? null },
  { id: 'test_auc', label: 'test AUC', short: 'test\nAUC', value: (r) => r.test?.auc ?? null },
  {
    id: 'test_log_loss',
    label: 'test log loss',
    short: 'test\nlog loss',
    value: (r) => r.test?.logLoss ?? null,
  },
];

function meanSpeed(r: RunInfo): number | null {
  const v = r.history.map((h) => h.examplesPerSecond).filter((x): x is number => typeof x === 'number');
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

const INFO_COLUMNS: (ComparisonColumn & { kind: 'info'; value: (r: RunInfo) => number | null })[] = [
  { id: 'epochs', kind: 'info', label: 'epochs', short: 'epochs', format: 'int', value: (r) => r.epochs },
  {
    id: 'time',
    kind: 'info',
    label: 'time',
    short: 'time',
    format: 'duration',
    value: (r) => r.trainSeconds,
  },
  {
    id: 'examples_per_second',
    kind: 'info',
    label: 'examples/s',
    short: 'ex/s',
    format: 'rate',
    value: meanSpeed,
  },
];

/** A metric value by id: `best_<m>` / `last_<m>` from those epochs' records, `test_*`, or an info column. */
export function metricValue(run: RunInfo, id: string): number | null {
  const m = /^(best|last)_(.+)$/.exec(id);
  if (m && m[2] !== 'epoch') {
    const rec = m[1] === 'best' ? run.best : run.last;
    const v = rec?.[m[2]!];
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  }
  const col = TEST_COLUMNS.find((c) => c.id === id) ?? INFO_COLUMNS.find((c) => c.id === id);
  return col ? col.value(run) : null;
}

/**
 * Which per-epoch metrics a comparison shows by default: each run's monitor, val_loss, val_accuracy,
 * and for runs without a validation split test_loss, test_accuracy (the test split per epoch).
 */
function defaultMetrics(runs: readonly RunInfo[]): string[] {
  const present = (m: string) =>
    runs.some((r) => typeof r.best?.[m] === 'number' || typeof r.last?.[m] === 'number');
  const monitors = runs.flatMap((r) => (r.monitor ? [r.monitor] : []));
  return [...new Set([...monitors, 'val_loss', 'val_accuracy', 'test_loss', 'test_accuracy'])].filter(
    present,
  );
}

export function metricNames(runs: readonly RunInfo[]): string[] {
  const names = new Set<string>();
  for (const r of runs)
    for (const rec of [r.best, r.last, ...r.history])
      for (const k of Object.keys(rec ?? {}))
        if (!['epoch', 'learningRate', 'seconds', 'examplesPerSecond'].includes(k)) names.add(k);
  return [...names];
}

/** The metric columns for these runs, leaving out any no run has a value for. */
export function metricColumns(
  runs: readonly RunInfo[],
  metrics?: readonly string[],
): (ComparisonColumn & { kind: 'metric' | 'info' })[] {
  let chosen: string[];
  if (metrics?.length) {
    const known = metricNames(runs);
    for (const m of metrics) {
      if (!known.includes(m)) {
        throw new UsageError('UNKNOWN_METRIC', `--metric ${m}: no chosen run has a metric "${m}"`, {
          suggestions: [didYouMean(m, known) ?? `known: ${known.join(', ') || 'none'}`],
        });
      }
    }
    chosen = [...metrics];
  } else chosen = defaultMetrics(runs);
  const cols: (ComparisonColumn & { kind: 'metric' | 'info' })[] = [];
  for (const which of ['best', 'last'] as const)
    for (const m of chosen)
      cols.push({
        id: `${which}_${m}`,
        kind: 'metric',
        label: `${which} ${m}`,
        short: `${m}\n(${which})`,
        format: 'metric',
        better: metricDirection(m),
      });
  for (const t of TEST_COLUMNS)
    cols.push({
      id: t.id,
      kind: 'metric',
      label: t.label,
      short: t.short,
      format: 'metric',
      better: metricDirection(t.id),
    });
  for (const { value: _value, ...c } of INFO_COLUMNS) cols.push(c);
  return cols.filter((c) => runs.some((r) => metricValue(r, c.id) !== null));
}

const RUN_FIELDS = ['id', 'name', 'status', 'backend', 'sweep', 'trial', 'tag'] as const;

/** Every value a filter or a sort can name for a run: run fields, config paths, metric ids. */
function fieldValue(run: RunInfo, config: Map<string, Scalar>, key: string): Scalar | undefined {
  switch (key) {
    case 'id':
      return run.id;
    case 'name':
      return run.name;
    case 'status':
      return run.status;
    case 'backend':
      return run.backend;
    case 'sweep':
      return run.sweep?.id ?? null;
    case 'trial':
      return run.sweep?.trial ?? null;
  }
  if (config.has(key)) return config.get(key);
  const m = metricValue(run, key);
  if (m !== null) return m;
  return undefined;
}

interface Filter {
  text: string;
  path: string;
  op: '=' | '!=' | '>' | '>=' | '<' | '<=';
  value: string;
}

export function parseFilter(text: string): Filter {
  const m = /^\s*([^=!<>\s]+)\s*(!=|>=|<=|=|>|<)\s*(.*?)\s*$/.exec(text);
  if (!m) {
    throw new UsageError(
      'BAD_FILTER',
      `--filter ${JSON.stringify(text)}: expected PATH=VALUE (or !=, >, >=, <, <=)`,
      {
        suggestions: [
          "--filter 'training.optimizer.type=adam'",
          "--filter 'best_val_loss<0.5'",
          '--filter status=completed',
        ],
      },
    );
  }
  return { text, path: m[1]!, op: m[2] as Filter['op'], value: m[3]! };
}

function matches(f: Filter, actual: Scalar | undefined, run: RunInfo): boolean {
  if (f.path === 'tag') {
    const has = run.tags.includes(f.value);
    if (f.op === '=') return has;
    if (f.op === '!=') return !has;
    throw new UsageError('BAD_FILTER', `--filter ${f.text}: tags take = or != only`);
  }
  const want = Number(f.value);
  const numeric = typeof actual === 'number' && f.value.trim() !== '' && Number.isFinite(want);
  switch (f.op) {
    case '=':
      return numeric ? actual === want : actual !== undefined && String(actual) === f.value;
    case '!=':
      return numeric ? actual !== want : actual === undefined || String(actual) !== f.value;
  }
  if (!Number.isFinite(want) || f.value.trim() === '') {
    throw new UsageError('BAD_FILTER', `--filter ${f.text}: ${f.op} needs a number on the right`);
  }
  if (typeof actual !== 'number') return false;
  if (f.op === '>') return actual > want;
  if (f.op === '>=') return actual >= want;
  if (f.op === '<') return actual < want;
  return actual <= want;
}

/** All keys a filter or sort may use among these runs (for "did you mean"). */
function knownKeys(runs: readonly RunInfo[], configs: readonly Map<string, Scalar>[]): string[] {
  const metricIds = [
    ...metricNames(runs).flatMap((m) => [`best_${m}`, `last_${m}`]),
    ...TEST_COLUMNS.map((c) => c.id),
    ...INFO_COLUMNS.map((c) => c.id),
  ];
  return [...RUN_FIELDS, ...metricIds, ...allPaths(configs)];
}

function requireKnown(
  key: string,
  flag: string,
  runs: readonly RunInfo[],
  configs: readonly Map<string, Scalar>[],
) {
  const known = knownKeys(runs, configs);
  if (known.includes(key)) return;
  const hint = didYouMean(key, known);
  throw new UsageError('UNKNOWN_FIELD', `${flag} ${key}: no chosen run has a value "${key}"`, {
    suggestions: [
      ...(hint ? [hint] : []),
      'config paths as in config.yaml (training.optimizer.type), metrics (best_val_loss, last_val_accuracy, test_accuracy, test_auc), or id, name, status, backend, sweep, tag',
    ],
  });
}

/** Resolves `--sort-by` names: `val_loss` means `best_val_loss`. */
function sortKey(key: string, runs: readonly RunInfo[], configs: readonly Map<string, Scalar>[]): string {
  const known = knownKeys(runs, configs);
  if (!known.includes(key) && known.includes(`best_${key}`)) return `best_${key}`;
  requireKnown(key, '--sort-by', runs, configs);
  return key;
}

function compareScalars(a: Scalar | undefined, b: Scalar | undefined): number {
  const missingA = a === undefined || a === null;
  const missingB = b === undefined || b === null;
  if (missingA || missingB) return Number(missingA) - Number(missingB); // missing last
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), 'en', { numeric: true });
}

export function compareRuns(runs: readonly RunInfo[], options: CompareOptions = {}): Comparison {
  const configs = runs.map((r) => flattenConfig(r.config ?? {}));

  const filters = (options.filters ?? []).map(parseFilter);
  for (const f of filters) if (f.path !== 'tag') requireKnown(f.path, '--filter', runs, configs);
  const keep = runs.map((r, i) => filters.every((f) => matches(f, fieldValue(r, configs[i]!, f.path), r)));
  let chosen = runs.map((run, i) => ({ run, config: configs[i]! })).filter((_, i) => keep[i]);

  let paramPaths: string[];
  let params: Comparison['params'];
  if (options.params?.length) {
    const all = allPaths(configs);
    paramPaths = [];
    for (const p of options.params) {
      const hit = all.filter((x) => pathMatches(x, p));
      if (hit.length === 0) {
        throw new UsageError('UNKNOWN_PARAM', `--param ${p}: no chosen run's config has "${p}"`, {
          suggestions: [
            didYouMean(p, all) ?? 'give a path as in config.yaml, e.g. training.optimizer.learningRate',
          ],
        });
      }
      for (const h of hit) if (!paramPaths.includes(h)) paramPaths.push(h);
    }
    params = 'chosen';
  } else if (options.allParams) {
    paramPaths = allPaths(chosen.map((c) => c.config));
    params = 'all';
  } else {
    // Differences among the runs shown, ignoring runs whose config.yaml could not be read.
    paramPaths =
      chosen.length > 1
        ? differingPaths(chosen.filter((c) => c.run.config !== null).map((c) => c.config))
        : [];
    params = 'differing';
  }

  let sortedBy: string | null = null;
  if (options.sortBy) {
    const key = sortKey(options.sortBy, runs, configs);
    const col = metricColumns(runs).find((c) => c.id === key);
    const better = col?.better ?? (/^(best|last|test)_/.test(key) ? metricDirection(key) : undefined);
    const sign = better === 'max' ? -1 : 1;
    chosen = [...chosen].sort((a, b) => {
      const va = fieldValue(a.run, a.config, key);
      const vb = fieldValue(b.run, b.config, key);
      const missing = (v: Scalar | undefined) => v === undefined || v === null;
      if (missing(va) || missing(vb)) return compareScalars(va, vb);
      return sign * compareScalars(va, vb);
    });
    sortedBy = key;
  }

  const chosenRuns = chosen.map((c) => c.run);
  const metricCols = metricColumns(chosenRuns.length ? chosenRuns : runs, options.metrics);
  const labels = shortLabels(paramPaths, [...metricCols.map((c) => c.short), 'run', 'status']);
  const columns: ComparisonColumn[] = [
    ...paramPaths.map(
      (p): ComparisonColumn => ({
        id: p,
        kind: 'param',
        label: p,
        short: labels.get(p) ?? p,
        format: 'text',
      }),
    ),
    ...metricCols,
  ];

  const rows: ComparisonRow[] = chosen.map(({ run, config }) => {
    const values: Record<string, Scalar> = {};
    for (const c of columns)
      values[c.id] = c.kind === 'param' ? (config.get(c.id) ?? null) : metricValue(run, c.id);
    return { id: run.id, name: run.name, status: run.status, dir: run.dir, values };
  });

  const best: Record<string, string[]> = {};
  for (const c of columns) {
    if (!c.better) continue;
    const present = rows.filter((r) => typeof r.values[c.id] === 'number');
    if (present.length < 2) continue;
    const vals = present.map((r) => r.values[c.id] as number);
    const target = c.better === 'min' ? Math.min(...vals) : Math.max(...vals);
    // A column where every run has the same value has no best worth pointing at.
    if (vals.every((v) => v === target)) continue;
    best[c.id] = present.filter((r) => r.values[c.id] === target).map((r) => r.id);
  }

  return {
    columns,
    rows,
    best,
    params,
    sortedBy,
    filters: filters.map((f) => f.text),
    warnings: chosenRuns.flatMap((r) => r.warnings.map((w) => `${r.id}: ${w}`)),
  };
}
