import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import YAML from 'yaml';
import { RunError, UsageError } from '../errors.js';
import { EnsembleFolder, ensembleNotARun } from '../runs/ensemble-folder.js';
import { RUN_FILES } from '../runs/files.js';
import {
  type EffectiveStatus,
  effectiveStatus,
  type OwnerContext,
  type StatusVerdict,
} from '../runs/owner.js';
import type {
  Confusion,
  EpochRecord,
  OperatingCurve,
  RunMeta,
  RunStatus,
  RunSummary,
  SliceRow,
  SliceTable,
} from '../runs/records.js';

/**
 * Reading run folders for the listing, comparing and reporting commands. Every file is read on its
 * own and checked loosely: a missing or broken file becomes a warning on that run and the rest of the
 * folder is still used, so one bad folder never hides the others. Nothing here writes.
 */

/** The test figures a run reports: the trainer's evaluation of its test split (or an `eval-*.json`). */
export interface TestMetrics {
  count: number;
  /** At threshold 0.5. */
  accuracy: number;
  f1: number;
  precision: number;
  recall: number;
  /** null when undefined (one class only). */
  auc: number | null;
  logLoss: number;
  /** Duplicates among the pairs (null in files that lack it). */
  positives: number | null;
  /** At threshold 0.5 (null in files that lack it). */
  confusion: Confusion | null;
  /**
   * The F1-best threshold and its F1 here; `chosenOn` the pairs it was chosen on (validation, or
   * these pairs), `optimistic` when chosen on the pairs it scores (older files: always).
   */
  bestF1: { threshold: number; f1: number; chosenOn: string | null; optimistic: boolean } | null;
  /** The saved operating curve (records.ts OperatingCurve); null in files written before curves were saved. */
  curve: OperatingCurve | null;
}

export interface EvaluationInfo {
  file: string;
  /** `test`, `validation`, or the evaluated file's name. */
  source: string;
  evaluatedAt: string | null;
  metrics: TestMetrics;
  /** Per-slice figures (`qqp eval --slice`); null without. */
  slices: SliceTable[] | null;
}

export interface RunInfo {
  id: string;
  dir: string;
  name: string;
  /**
   * What the run is, as every reader shows it (runs/owner.ts effectiveStatus): run.json's status,
   * except `crashed` / `stale` for a "running" run whose owner is gone, `stopped` for a trial its
   * sweep's scheduler ended; `unknown` when run.json is missing or unreadable.
   */
  status: EffectiveStatus;
  /** run.json's own status. */
  recordedStatus: RunStatus | 'unknown';
  /** Why `status` differs from run.json's (e.g. the owner's process is gone). */
  statusReason: string | null;
  /** The process that trains (or trained, and died holding) the run: owner.json. */
  owner: StatusVerdict['owner'];
  createdAt: string | null;
  finishedAt: string | null;
  /** Seconds spent training, all sessions summed. */
  trainSeconds: number | null;
  epochs: number;
  backend: string | null;
  seed: number | null;
  tags: string[];
  /** The sweep and trial; `attempt` the trial's attempt this folder is (null before attempts were counted). */
  sweep: { id: string; trial: string; attempt: number | null } | null;
  /** Pairs per split, from run.json. */
  dataSizes: { train: number; validation: number; test: number } | null;
  failure: RunMeta['failure'] | null;
  /**
   * The value that picked the best epoch (val_loss unless early stopping says otherwise); null when
   * nothing did (no validation split and no early stopping), and then no best epoch either.
   */
  monitor: string | null;
  bestEpoch: number | null;
  best: EpochRecord | null;
  last: EpochRecord | null;
  test: TestMetrics | null;
  /** metrics.jsonl: one record per completed epoch. */
  history: EpochRecord[];
  /** config.yaml parsed; null when missing or broken. */
  config: Record<string, unknown> | null;
  evaluations: EvaluationInfo[];
  /** What was missing or broken in the folder, each starting with the file's name. */
  warnings: string[];
}

export interface RunListing {
  experimentsDir: string;
  runs: RunInfo[];
}

/** An ensemble folder as `qqp runs` lists it (its runs are under its members/, not in the listing). */
export interface EnsembleInfo {
  id: string;
  dir: string;
  name: string;
  status: string;
  runs: number;
  completed: number;
  /** The mean's test accuracy at 0.5 (eval-test.json), once evaluated. */
  testAccuracy: number | null;
}

/** Every ensemble folder directly under `experimentsDir`, oldest first (their ids start with the time). */
export function listEnsembles(experimentsDir: string): EnsembleInfo[] {
  const root = resolve(experimentsDir);
  if (!existsSync(root) || !statSync(root).isDirectory()) return [];
  return readdirSync(root)
    .sort()
    .flatMap((e): EnsembleInfo[] => {
      const folder = EnsembleFolder.find(join(root, e), root);
      if (folder === undefined) return [];
      let accuracy: number | null = null;
      try {
        const test = JSON.parse(readFileSync(folder.path('eval-test.json'), 'utf8')) as {
          atHalf?: { accuracy?: unknown };
        };
        if (typeof test.atHalf?.accuracy === 'number') accuracy = test.atHalf.accuracy;
      } catch {
        // Not evaluated yet (or unreadable): no accuracy to show.
      }
      try {
        const record = folder.read();
        return [
          {
            id: folder.id,
            dir: folder.dir,
            name: record.name,
            status: record.status,
            runs: record.runs.length,
            completed: record.runs.filter((r) => r.status === 'completed').length,
            testAccuracy: accuracy,
          },
        ];
      } catch {
        return [
          {
            id: folder.id,
            dir: folder.dir,
            name: '?',
            status: 'corrupt',
            runs: 0,
            completed: 0,
            testAccuracy: null,
          },
        ];
      }
    });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Lower is better for losses, higher for everything else (the trainer's own rule). */
export function metricDirection(name: string): 'min' | 'max' {
  return /loss|binaryCrossentropy/i.test(name) ? 'min' : 'max';
}

type Read<T> = { value: T } | { missing: true } | { error: string };

function readText(file: string): Read<string> {
  if (!existsSync(file)) return { missing: true };
  try {
    return { value: readFileSync(file, 'utf8') };
  } catch (err) {
    return { error: `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  }
}

function readJsonFile(file: string): Read<unknown> {
  const text = readText(file);
  if (!('value' in text)) return text;
  try {
    return { value: JSON.parse(text.value) };
  } catch {
    return { error: 'not valid JSON' };
  }
}

function toEpochRecord(v: unknown): EpochRecord | null {
  if (!isObject(v) || num(v.epoch) === null) return null;
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'number') out[k] = x;
  return out as EpochRecord;
}

/** The trainer's BinaryEvaluation (or eval's, whose rocAuc may be null) in the few figures compared. */
function toTestMetrics(v: unknown): TestMetrics | null {
  if (!isObject(v) || !isObject(v.atHalf)) return null;
  const h = v.atHalf;
  const accuracy = num(h.accuracy);
  const logLoss = num(v.logLoss);
  if (accuracy === null || logLoss === null) return null;
  const b = isObject(v.bestF1) ? v.bestF1 : null;
  const bt = b ? num(b.threshold) : null;
  const bf = b ? num(b.f1) : null;
  const c = isObject(h.confusion) ? h.confusion : null;
  const counts = c ? [num(c.tp), num(c.fp), num(c.tn), num(c.fn)] : [];
  return {
    count: num(v.count) ?? 0,
    accuracy,
    f1: num(h.f1) ?? 0,
    precision: num(h.precision) ?? 0,
    recall: num(h.recall) ?? 0,
    auc: num(v.rocAuc),
    logLoss,
    positives: num(v.positives),
    confusion:
      counts.length === 4 && counts.every((x) => x !== null)
        ? { tp: counts[0]!, fp: counts[1]!, tn: counts[2]!, fn: counts[3]! }
        : null,
    bestF1:
      b && bt !== null && bf !== null
        ? { threshold: bt, f1: bf, chosenOn: str(b.chosenOn), optimistic: b.optimistic !== false }
        : null,
    curve: toCurve(v.curve),
  };
}

const numbers = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => num(x) !== null);

/** An OperatingCurve whose lists are numbers of one length; null otherwise (or absent). */
function toCurve(v: unknown): OperatingCurve | null {
  if (!isObject(v) || !numbers(v.thresholds) || !numbers(v.tp) || !numbers(v.fp)) return null;
  const n = v.thresholds.length;
  if (n === 0 || v.tp.length !== n || v.fp.length !== n) return null;
  return { resolution: num(v.resolution) ?? 0, thresholds: v.thresholds, tp: v.tp, fp: v.fp };
}

/** eval-*.json's `slices`, each table's well-formed rows (a table with none is left out). */
function toSlices(v: unknown): SliceTable[] | null {
  if (!Array.isArray(v)) return null;
  const tables: SliceTable[] = [];
  for (const t of v) {
    if (!isObject(t) || str(t.by) === null || !Array.isArray(t.rows)) continue;
    const rows = t.rows.flatMap((r): SliceRow[] => {
      if (!isObject(r) || typeof r.value !== 'string') return [];
      const keys = [
        'pairs',
        'positives',
        'errors',
        'accuracy',
        'precision',
        'recall',
        'f1',
        'logLoss',
      ] as const;
      if (!keys.every((k) => num(r[k]) !== null)) return [];
      const row = { value: r.value, rocAuc: num(r.rocAuc) } as SliceRow;
      for (const k of keys) row[k] = num(r[k])!;
      return [row];
    });
    if (rows.length === 0) continue;
    tables.push({
      by: str(t.by)!,
      threshold: num(t.threshold) ?? 0.5,
      ...(str(t.note) !== null ? { note: str(t.note)! } : {}),
      rows,
    });
  }
  return tables;
}

/** The record of the best epoch by `monitor`, for runs without a summary (failed, or still running). */
/**
 * An epoch record as a run without a validation split names it now: older runs wrote the test
 * split's per-epoch figures as val_*; they read as test_*.
 */
export function renameHeldOut(r: EpochRecord): EpochRecord {
  const out: EpochRecord = {
    epoch: r.epoch,
    learningRate: r.learningRate,
    seconds: r.seconds,
    examplesPerSecond: r.examplesPerSecond,
  };
  for (const [k, v] of Object.entries(r)) out[k.startsWith('val_') ? `test_${k.slice(4)}` : k] = v;
  return out;
}

export function bestRecord(history: readonly EpochRecord[], monitor: string): EpochRecord | null {
  const sign = metricDirection(monitor) === 'min' ? 1 : -1;
  let best: EpochRecord | null = null;
  for (const r of history) {
    const v = r[monitor];
    if (typeof v !== 'number' || Number.isNaN(v)) continue;
    const b = best?.[monitor];
    if (best === null || b === undefined || sign * (v - b) < 0) best = r;
  }
  return best;
}

const STATUSES: readonly string[] = ['running', 'completed', 'interrupted', 'failed'];

/** Reads one run folder; never throws for the folder's content (only warnings). */
export function readRun(dir: string, context?: OwnerContext): RunInfo {
  const warnings: string[] = [];
  const warn = (file: string, r: { missing: true } | { error: string }) =>
    warnings.push('missing' in r ? `${file}: missing` : `${file}: ${r.error}`);

  // run.json
  const metaRead = readJsonFile(join(dir, RUN_FILES.meta));
  let meta: Record<string, unknown> = {};
  if ('value' in metaRead) {
    if (isObject(metaRead.value)) meta = metaRead.value;
    else warnings.push(`${RUN_FILES.meta}: not a JSON object`);
  } else warn(RUN_FILES.meta, metaRead);
  const statusText = str(meta.status);
  const status = statusText !== null && STATUSES.includes(statusText) ? (statusText as RunStatus) : 'unknown';
  if (statusText !== null && status === 'unknown')
    warnings.push(`${RUN_FILES.meta}: unknown status "${statusText}"`);

  // config.yaml
  let config: Record<string, unknown> | null = null;
  const configRead = readText(join(dir, RUN_FILES.config));
  if ('value' in configRead) {
    const doc = YAML.parseDocument(configRead.value);
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      const line = e.linePos?.[0]?.line;
      warnings.push(`${RUN_FILES.config}${line ? `:${line}` : ''}: not valid YAML (${e.code})`);
    } else {
      const v: unknown = doc.toJS();
      if (isObject(v)) config = v;
      else warnings.push(`${RUN_FILES.config}: not a mapping`);
    }
  } else warn(RUN_FILES.config, configRead);

  // metrics.jsonl: a bad line is skipped, the others kept
  const history: EpochRecord[] = [];
  const metricsRead = readText(join(dir, RUN_FILES.metrics));
  if ('value' in metricsRead) {
    metricsRead.value.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        warnings.push(`${RUN_FILES.metrics}:${i + 1}: not valid JSON (line skipped)`);
        return;
      }
      const r = toEpochRecord(parsed);
      if (r) history.push(r);
      else warnings.push(`${RUN_FILES.metrics}:${i + 1}: not an epoch record (line skipped)`);
    });
  } else if ('error' in metricsRead) warn(RUN_FILES.metrics, metricsRead);
  // A run that completed epochs should have their records; one that has not yet is fine without.
  else if ((num(meta.epochsCompleted) ?? 0) > 0) warn(RUN_FILES.metrics, metricsRead);

  // summary.json: written when a run ends (completed or interrupted), not by a failed run
  let summary: Partial<RunSummary> | null = null;
  const summaryRead = readJsonFile(join(dir, RUN_FILES.summary));
  if ('value' in summaryRead) {
    if (isObject(summaryRead.value)) summary = summaryRead.value as Partial<RunSummary>;
    else warnings.push(`${RUN_FILES.summary}: not a JSON object`);
  } else if ('error' in summaryRead || status === 'completed') warn(RUN_FILES.summary, summaryRead);

  // Per-epoch figures on the test split (no validation split) are test_*, in older runs' files too.
  const metaData = isObject(meta.data) ? meta.data : {};
  const onTest = metaData.validationSplit === 'test';
  if (onTest) history.splice(0, history.length, ...history.map(renameHeldOut));
  const record = (v: unknown): EpochRecord | null => {
    const r = toEpochRecord(v);
    return r && onTest ? renameHeldOut(r) : r;
  };

  const training = isObject(config?.training) ? config.training : {};
  const early = isObject(training.earlyStopping) ? training.earlyStopping : {};
  // Only a validation split or an explicit monitor picks a best epoch; older runs without either
  // recorded `loss` (the lowest training loss), which is not a best epoch.
  const explicit = str(early.monitor);
  const recorded = summary && 'bestMonitor' in summary ? str(summary.bestMonitor) : undefined;
  const implicitLoss = recorded === 'loss' && explicit === null;
  const monitor: string | null =
    recorded === undefined
      ? (explicit ?? (history.some((r) => typeof r.val_loss === 'number') ? 'val_loss' : null))
      : implicitLoss
        ? null
        : recorded;

  const summaryBest = summary && monitor ? record(summary.best) : null;
  const summaryLast = summary ? record(summary.last) : null;
  const best = monitor ? (summaryBest ?? bestRecord(history, monitor)) : null;
  const last = summaryLast ?? history.at(-1) ?? null;
  const test = summary?.test ? toTestMetrics(summary.test) : null;
  if (summary?.test && !test) warnings.push(`${RUN_FILES.summary}: test figures not understood`);
  if (test && summary?.test?.curve !== undefined && test.curve === null)
    warnings.push(`${RUN_FILES.summary}: test curve not understood`);

  const evaluations: EvaluationInfo[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((f) => /^eval-.+\.json$/.test(f));
  } catch {
    // the folder itself vanished or is unreadable: the warnings above already say so
  }
  for (const file of names.sort()) {
    const r = readJsonFile(join(dir, file));
    if (!('value' in r)) {
      warn(file, r);
      continue;
    }
    const metrics = toTestMetrics(r.value);
    if (!metrics || !isObject(r.value)) {
      warnings.push(`${file}: not an evaluation result`);
      continue;
    }
    const source = isObject(r.value.source) ? r.value.source : {};
    evaluations.push({
      file,
      source: str(source.split) ?? (str(source.file) ? basename(str(source.file)!) : file.slice(5, -5)),
      evaluatedAt: str(r.value.evaluatedAt),
      metrics,
      slices: toSlices(r.value.slices),
    });
    if (r.value.curve !== undefined && metrics.curve === null) warnings.push(`${file}: curve not understood`);
  }

  const backend = isObject(meta.backend) ? str(meta.backend.name) : null;
  const sweep =
    isObject(meta.sweep) && str(meta.sweep.id) !== null
      ? {
          id: str(meta.sweep.id)!,
          trial: String(meta.sweep.trial ?? ''),
          attempt: num(meta.sweep.attempt),
        }
      : null;
  const verdict = effectiveStatus(dir, { status, stoppedBy: summary?.stoppedBy }, context);
  const sizes = isObject(meta.data) && isObject(meta.data.sizes) ? meta.data.sizes : null;
  const dataSizes =
    sizes && num(sizes.train) !== null
      ? { train: num(sizes.train) ?? 0, validation: num(sizes.validation) ?? 0, test: num(sizes.test) ?? 0 }
      : null;
  const experiment = isObject(config?.experiment) ? config.experiment : {};
  const failure = isObject(meta.failure) ? (meta.failure as unknown as RunMeta['failure']) : null;
  return {
    id: str(meta.id) ?? basename(dir),
    dir,
    name: str(meta.name) ?? str(experiment.name) ?? basename(dir),
    status: verdict.status,
    recordedStatus: status,
    statusReason: verdict.reason,
    owner: verdict.owner,
    createdAt: str(meta.createdAt),
    finishedAt: str(meta.finishedAt),
    trainSeconds: num(meta.trainSeconds) ?? num(summary?.trainSeconds),
    epochs: Math.max(history.length, num(meta.epochsCompleted) ?? 0, num(summary?.epochs) ?? 0),
    backend,
    seed: num(meta.seed) ?? num(experiment.seed),
    tags: Array.isArray(meta.tags)
      ? meta.tags.filter((t): t is string => typeof t === 'string')
      : Array.isArray(experiment.tags)
        ? experiment.tags.filter((t): t is string => typeof t === 'string')
        : [],
    sweep,
    dataSizes,
    failure: failure ?? null,
    monitor,
    bestEpoch: monitor ? (num(summary?.bestEpoch) ?? best?.epoch ?? null) : null,
    best,
    last,
    test,
    history,
    config,
    evaluations,
    warnings,
  };
}

/** Whether a folder looks like a run folder at all (any of the files a run writes first). */
function isRunFolder(dir: string): boolean {
  return [RUN_FILES.meta, RUN_FILES.config, RUN_FILES.metrics, RUN_FILES.summary].some((f) =>
    existsSync(join(dir, f)),
  );
}

/** Start time for ordering: run.json's createdAt, else the folder's own time. */
function startTime(run: RunInfo): number {
  const t = run.createdAt ? Date.parse(run.createdAt) : Number.NaN;
  if (!Number.isNaN(t)) return t;
  try {
    return statSync(run.dir).mtimeMs;
  } catch {
    return 0;
  }
}

/** Oldest first; ids (which start with the time) break ties. */
export function byStart(a: RunInfo, b: RunInfo): number {
  return startTime(a) - startTime(b) || a.id.localeCompare(b.id);
}

/**
 * Every run folder directly under `experimentsDir`, oldest first. Folders holding none of a run's
 * files (e.g. other tools' folders) are left out; a missing `experimentsDir` is an empty listing.
 */
export function listRuns(experimentsDir: string): RunListing {
  const root = resolve(experimentsDir);
  if (!existsSync(root)) return { experimentsDir: root, runs: [] };
  let entries: string[];
  try {
    if (!statSync(root).isDirectory()) {
      throw new UsageError('EXPERIMENTS_NOT_DIR', `${root} is not a folder (--experiments-dir)`);
    }
    entries = readdirSync(root);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new RunError('EXPERIMENTS_UNREADABLE', `cannot read ${root}: ${(err as Error).message}`);
  }
  const runs = entries
    .map((e) => join(root, e))
    .filter((d) => {
      try {
        return statSync(d).isDirectory() && isRunFolder(d);
      } catch {
        return false;
      }
    })
    .map((d) => readRun(d))
    .sort(byStart);
  return { experimentsDir: root, runs };
}

/**
 * The run `ref` names among `runs`: its id, a folder path, or a part of one id only (`qqp show
 * bilstm` when one run's id contains "bilstm"). A folder outside the experiments dir is read too.
 */
export function findRun(ref: string, runs: readonly RunInfo[], experimentsDir: string): RunInfo {
  const exact = runs.find((r) => r.id === ref || r.dir === resolve(ref) || basename(r.dir) === ref);
  if (exact) return exact;
  const dir = resolve(ref);
  if (existsSync(dir) && statSync(dir).isDirectory() && isRunFolder(dir)) return readRun(dir);
  const ensemble = ensembleNotARun(ref, experimentsDir);
  if (ensemble) throw ensemble;
  const partial = runs.filter((r) => r.id.includes(ref) || basename(r.dir).includes(ref));
  if (partial.length === 1) return partial[0]!;
  if (partial.length > 1) {
    throw new UsageError('RUN_AMBIGUOUS', `"${ref}" matches ${partial.length} runs`, {
      suggestions: [
        ...partial.slice(0, 5).map((r) => `${r.id}`),
        ...(partial.length > 5 ? [`... and ${partial.length - 5} more; give a longer part of the id`] : []),
      ],
    });
  }
  throw new RunError(
    'RUN_NOT_FOUND',
    `no run "${ref}" in ${resolve(experimentsDir)} (and no run folder at ${dir})`,
    {
      suggestions: runs.length
        ? ['`qqp runs` lists the runs', ...(runs.length <= 3 ? runs.map((r) => `e.g. ${r.id}`) : [])]
        : ['train one with `qqp train CONFIG`, or point --experiments-dir at the folder of runs'],
    },
  );
}
