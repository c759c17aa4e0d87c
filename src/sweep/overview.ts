import { join } from 'node:path';
import { QqpError } from '../errors.js';
import type {
  ImportanceRow,
  SweepOverview,
  SweepParameter,
  SweepSource,
  SweepTrialRow,
} from '../report/html-sweep.js';
import { parameterImportance } from './importance.js';
import { openSweep, SWEEP_FILES } from './runner.js';

/**
 * A sweep's manifest summarised for the report: its parameters, trials, the best value so far and
 * each parameter's importance. Read tolerantly: the manifest is a file other versions of qqp (and
 * other writers) may shape a little differently, so an unknown status is shown as it is, a field of
 * the wrong type is left out, and a trial may lack parameters (conditional ones).
 */

/** A parameter's values are drawn on a log axis when all positive and the largest is this many times the smallest. */
export const LOG_SPAN = 20;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const finiteOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const text = (v: unknown, fallback: string): string => (typeof v === 'string' && v ? v : fallback);

/** A parameter's value as the page shows it: numbers stay numbers, the rest becomes text; null is no value. */
function paramValue(v: unknown): number | string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** The trials of a manifest, by index; what could not be read is said in `problems`. */
export function manifestTrials(trials: unknown, problems: string[]): SweepTrialRow[] {
  if (!Array.isArray(trials)) {
    problems.push('the manifest has no list of trials');
    return [];
  }
  const rows: SweepTrialRow[] = [];
  const seen = new Set<number>();
  const unplaced: { row: SweepTrialRow; position: number; taken: number | null }[] = [];
  trials.forEach((t, position) => {
    if (!isObject(t)) {
      problems.push(`trial ${position + 1} in the manifest is not an object: left out`);
      return;
    }
    const params: Record<string, number | string> = {};
    if (isObject(t.params))
      for (const [k, v] of Object.entries(t.params)) {
        const value = paramValue(v);
        if (value !== undefined) params[k] = value;
      }
    const index = typeof t.index === 'number' && Number.isInteger(t.index) ? t.index : null;
    const row: SweepTrialRow = {
      index: index ?? 0,
      id: text(t.id, '-'),
      status: text(t.status, 'unknown'),
      params,
      epochs: finiteOrNull(t.epochs),
      best: finiteOrNull(t.best),
      runId: typeof t.runId === 'string' && t.runId ? t.runId : null,
    };
    rows.push(row);
    if (index === null || seen.has(index)) unplaced.push({ row, position, taken: index });
    else seen.add(index);
  });
  // A trial without a usable index goes after the others, in the manifest's order.
  let next = Math.max(0, ...seen) + 1;
  for (const { row, position, taken } of unplaced) {
    row.index = next++;
    problems.push(
      `trial ${position + 1} in the manifest has ${taken === null ? 'no index' : `the index ${taken} of another`}: shown as ${row.index}`,
    );
  }
  return rows.sort((a, b) => a.index - b.index);
}

/** `training.optimizer.learningRate` → `learningRate`; more of the path where two would read the same. */
function shortLabels(paths: readonly string[]): string[] {
  const parts = paths.map((p) => p.split('.'));
  const take = parts.map(() => 1);
  for (let round = 0; round < 8; round++) {
    const labels = parts.map((ps, i) => ps.slice(-take[i]!).join('.'));
    const count = new Map<string, number>();
    for (const l of labels) count.set(l, (count.get(l) ?? 0) + 1);
    let changed = false;
    labels.forEach((l, i) => {
      if ((count.get(l) ?? 0) > 1 && take[i]! < parts[i]!.length) {
        take[i]!++;
        changed = true;
      }
    });
    if (!changed) return labels;
  }
  return parts.map((ps, i) => ps.slice(-take[i]!).join('.'));
}

/** The parameters: every name any trial has, in the order the trials (by index) first have them. */
export function sweepParameters(trials: readonly SweepTrialRow[]): SweepParameter[] {
  const paths = [...new Set(trials.flatMap((t) => Object.keys(t.params)))];
  const labels = shortLabels(paths);
  return paths.map((path, i) => {
    const values = trials.flatMap((t) => (t.params[path] === undefined ? [] : [t.params[path]!]));
    const numeric = values.every((v) => typeof v === 'number');
    const nums = values as number[];
    const min = Math.min(...nums);
    const log = numeric && min > 0 && Math.max(...nums) / min >= LOG_SPAN;
    return {
      path,
      label: labels[i]!,
      kind: numeric ? 'numeric' : 'categorical',
      log,
      categories: numeric
        ? []
        : [...new Set(values.map(String))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })),
      missing: trials.length - values.length,
    };
  });
}

/** The best value among trials 1..n for each trial n (by index), with each trial's own value. */
export function bestSoFar(
  trials: readonly Pick<SweepTrialRow, 'index' | 'best'>[],
  mode: 'max' | 'min',
): SweepOverview['progress'] {
  let best: number | null = null;
  return [...trials]
    .sort((a, b) => a.index - b.index)
    .map((t) => {
      const v = finiteOrNull(t.best);
      if (v !== null && (best === null || (mode === 'max' ? v > best : v < best))) best = v;
      return { index: t.index, value: v, best };
    });
}

/** Each parameter's eta² over the trials with a metric and that parameter, most important first. */
export function sweepImportance(
  parameters: readonly SweepParameter[],
  trials: readonly SweepTrialRow[],
): ImportanceRow[] {
  const rows = parameters.map((p) => ({
    path: p.path,
    ...parameterImportance(
      trials.flatMap((t) => {
        const value = t.params[p.path];
        return value === undefined || t.best === null ? [] : [{ value, metric: t.best }];
      }),
    ),
  }));
  // A stable sort: equal (and unknown) importance keeps the parameters' order.
  return rows.sort((a, b) => (b.eta2 ?? -1) - (a.eta2 ?? -1));
}

/** The overview of a manifest as read from `file` (any JSON: what is not as expected is said in problems). */
export function sweepOverview(manifest: unknown, file: string): SweepOverview {
  const problems: string[] = [];
  const m: Json = isObject(manifest) ? manifest : {};
  if (!isObject(manifest)) problems.push('the manifest is not a JSON object');
  let mode: 'max' | 'min' = 'max';
  if (m.mode === 'min' || m.mode === 'max') mode = m.mode;
  else problems.push(`the manifest's mode is ${JSON.stringify(m.mode)}, not "max" or "min": read as max`);
  const trials = manifestTrials(m.trials, problems);
  const parameters = sweepParameters(trials);
  const progress = bestSoFar(trials, mode);
  const bestValue = progress.at(-1)?.best ?? null;
  const best = bestValue === null ? null : (trials.find((t) => t.best === bestValue)?.index ?? null);
  return {
    id: text(m.id, '-'),
    name: text(m.name, text(m.id, '-')),
    strategy: text(m.strategy, 'unknown'),
    metric: text(m.metric, text(m.metricKey, 'metric')),
    mode,
    status: text(m.status, 'unknown'),
    file,
    parameters,
    trials,
    best,
    progress,
    importance: sweepImportance(parameters, trials),
    problems,
  };
}

/**
 * The overview of sweep `ref` (an id under `experimentsDir/sweeps`, or a folder), or why there is
 * none: a sweep whose runs are here but whose folder is elsewhere is not an error for a report.
 */
export function readSweepOverview(ref: string, experimentsDir: string): SweepSource {
  try {
    const { dir, manifest } = openSweep(ref, experimentsDir);
    return { overview: sweepOverview(manifest, join(dir, SWEEP_FILES.manifest)) };
  } catch (err) {
    if (err instanceof QqpError && (err.code === 'SWEEP_NOT_FOUND' || err.code === 'SWEEP_FILE_CORRUPT'))
      return { missing: err.message };
    throw err;
  }
}
