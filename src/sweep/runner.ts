import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import YAML from 'yaml';
import { loadConfig } from '../config/load.js';
import type { ResolvedConfig } from '../config/schema.js';
import { QqpError, RunError, UsageError } from '../errors.js';
import { configForRunFolder, RUN_FILES } from '../runs/folder.js';
import { createNamedFolder } from '../runs/names.js';
import type { EpochRecord } from '../runs/records.js';
import { leftovers, writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { SWEEP_NAME_MAX_LENGTH } from '../util/names.js';
import { AshaScheduler } from './asha.js';
import { randomPoint } from './space.js';
import { epochBudget, parseSweepSpec, type SweepSpec, TPE_DEFAULTS } from './spec.js';
import { bracketOf, type EarlyStopper, HyperbandScheduler, MedianStopper } from './stopping.js';
import { type Observation, proposalRng, suggest } from './tpe.js';
import { generateTrials, type Trial, type TrialParams, trialMaker } from './trials.js';

export type TrialStatus =
  | 'pending'
  | 'running'
  | 'completed'
  | 'stopped'
  | 'failed'
  | 'interrupted'
  /** Stopped, or never started, by `qqp sweep cancel`; a resume runs it again. */
  | 'cancelled';

/** A trial not finished either way: still to run, running, or stopped before its end by Ctrl-C. */
export function isUnfinished(status: TrialStatus): boolean {
  return status === 'pending' || status === 'running' || status === 'interrupted';
}

/** One trial as the manifest keeps it. */
export interface ManifestTrial {
  index: number;
  /** Hash of the resolved config. */
  id: string;
  params: TrialParams;
  overrides: string[];
  /** The trial's resolved config, relative to the sweep folder. */
  config: string;
  status: TrialStatus;
  attempts: number;
  /** Hyperband only: the bracket the trial is judged in (0: the earliest first rung). */
  bracket?: number;
  runId?: string;
  runDir?: string;
  host?: string;
  /** Epochs completed (the epoch a stopped trial reached). */
  epochs: number;
  /** The sweep metric after each epoch. */
  history: { epoch: number; value: number }[];
  best: number | null;
  bestEpoch: number | null;
  failure?: string;
}

export interface SweepManifest {
  version: 1;
  id: string;
  name: string;
  /** The spec's own folder, where its relative `base` is read from. */
  specDir: string;
  specFile: string;
  strategy: SweepSpec['strategy'];
  metric: string;
  metricKey: string;
  mode: 'max' | 'min';
  status: 'running' | 'completed' | 'interrupted' | 'cancelled';
  createdAt: string;
  updatedAt: string;
  queue?: string;
  /** The BullMQ queue's name on `queue` (absent: the default, `qqp-trials`). */
  queueName?: string;
  /** TPE: the trials the sweep will have when done (maxTrials); more are proposed as results come. */
  planned?: number;
  trials: ManifestTrial[];
}

export const SWEEP_FILES = {
  spec: 'spec.yaml',
  manifest: 'manifest.json',
  results: 'results.json',
  best: 'best.yaml',
  trials: 'trials',
} as const;

/** What a trial's process needs; the same for a local child and a queued job. */
export interface TrialJob {
  sweepId: string;
  trial: ManifestTrial;
  /** Absolute path of the trial's config file. */
  configFile: string;
  /** The resolved config, data paths relative to the coordinator's current directory. */
  config: ResolvedConfig;
  /** Run name, e.g. `lr-units-t3`. */
  name: string;
  /** Ask `onEpoch` after every epoch whether to stop (ASHA). */
  ask: boolean;
  /** A run folder an interrupted attempt left, to continue rather than restart. */
  resumeRunDir?: string;
}

export interface TrialHooks {
  onRun(run: { id: string; dir: string; host: string }): void;
  /** Returns true when the trial must stop after this epoch. */
  onEpoch(record: EpochRecord): boolean | Promise<boolean>;
}

export interface TrialOutcome {
  /** `cancelled`: `qqp sweep cancel` stopped it (or it never started); the sweep then ends cancelled. */
  status: 'completed' | 'stopped' | 'failed' | 'interrupted' | 'cancelled';
  epochs?: number;
  runId?: string;
  runDir?: string;
  host?: string;
  failure?: string;
}

/** Runs one trial somewhere (a child process, a queue's worker); never throws for a trial's own failure. */
export type TrialExecutor = (job: TrialJob, hooks: TrialHooks, signal: AbortSignal) => Promise<TrialOutcome>;

export type SweepEvent =
  | {
      type: 'start';
      manifest: SweepManifest;
      toRun: number;
      /** Trials at once (for a queue, as many as the workers take). */
      parallel: number;
      /** ASHA's or Hyperband's maxEpochs: the most epochs a trial runs (absent without them). */
      maxEpochs?: number;
      /** Trials the sweep will have when done (more than manifest.trials while TPE proposes). */
      planned?: number;
    }
  | {
      type: 'trial';
      trial: ManifestTrial;
      change: 'start' | 'run' | 'epoch' | 'end';
      manifest: SweepManifest;
    };

export interface SweepResult {
  id: string;
  dir: string;
  status: SweepManifest['status'];
  metric: string;
  mode: 'max' | 'min';
  /** Best first; trials without a metric last. */
  trials: ManifestTrial[];
  best: { trial: ManifestTrial; configFile: string } | null;
  ran: number;
  skipped: number;
}

export interface PlanResult {
  name: string;
  strategy: SweepSpec['strategy'];
  metric: string;
  mode: 'max' | 'min';
  parallel: number;
  trials: {
    index: number;
    id: string;
    params: TrialParams;
    overrides: string[];
    config: ResolvedConfig;
    /** Hyperband: the trial's bracket. */
    bracket?: number;
  }[];
  /** Trials a strategy that learns from results (TPE) will propose after these, as results come. */
  proposedLater: number;
}

function nowIso(): string {
  return new Date().toISOString();
}

/** The trials a spec describes, without running anything (`--dry-run`). */
export function planSweep(spec: SweepSpec, specDir: string, parallel?: number): PlanResult {
  const trials = generateTrials(spec, specDir);
  return {
    name: spec.name,
    strategy: spec.strategy,
    metric: spec.metric,
    mode: spec.mode,
    parallel: parallel ?? spec.parallel,
    proposedLater: spec.strategy === 'tpe' ? Math.max(0, spec.maxTrials - trials.length) : 0,
    trials: trials.map((t) => ({
      index: t.index,
      id: t.id,
      params: t.params,
      overrides: t.overrides,
      config: t.config,
      ...(spec.hyperband ? { bracket: bracketOf(spec.hyperband, t.index) } : {}),
    })),
  };
}

export function sweepsDir(experimentsDir: string): string {
  return join(experimentsDir, 'sweeps');
}

/** Opens a sweep folder by id (under experiments/sweeps) or path. */
export function openSweep(ref: string, experimentsDir: string): { dir: string; manifest: SweepManifest } {
  const candidates = [resolve(ref), resolve(sweepsDir(experimentsDir), ref)];
  const dir = candidates.find((d) => existsSync(join(d, SWEEP_FILES.manifest)));
  if (!dir) {
    throw new RunError(
      'SWEEP_NOT_FOUND',
      `no sweep "${ref}" (looked for ${candidates.map((c) => join(c, SWEEP_FILES.manifest)).join(' and ')})`,
      {
        suggestions: [`sweep folders are under ${sweepsDir(experimentsDir)}/`],
      },
    );
  }
  try {
    return {
      dir,
      manifest: JSON.parse(readFileSync(join(dir, SWEEP_FILES.manifest), 'utf8')) as SweepManifest,
    };
  } catch {
    throw new RunError('SWEEP_FILE_CORRUPT', `${join(dir, SWEEP_FILES.manifest)}: not valid JSON`);
  }
}

function bestOf(
  history: ManifestTrial['history'],
  mode: 'max' | 'min',
): { value: number; epoch: number } | null {
  let best: { value: number; epoch: number } | null = null;
  for (const h of history) {
    if (!Number.isFinite(h.value)) continue;
    if (!best || (mode === 'max' ? h.value > best.value : h.value < best.value)) best = h;
  }
  return best;
}

/** Trials best first by the metric; those with none keep their order at the end. */
export function sortTrials(trials: readonly ManifestTrial[], mode: 'max' | 'min'): ManifestTrial[] {
  return [...trials].sort((a, b) => {
    if (a.best === null || b.best === null)
      return a.best === null ? (b.best === null ? a.index - b.index : 1) : -1;
    return mode === 'max' ? b.best - a.best : a.best - b.best;
  });
}

export interface RunSweepOptions {
  experimentsDir: string;
  /** A new sweep from this spec... */
  spec?: SweepSpec;
  specDir?: string;
  /** ...or continue this one (id or folder). */
  resume?: string;
  retryFailed?: boolean;
  parallel?: number;
  /**
   * On a queue, trials are all queued at once, except TPE's: it proposes a trial only when one of
   * this many slots frees (default the spec's `parallel`), so that it learns from the results
   * before it; give it about as many as the workers run at once.
   */
  proposalSlots?: number;
  executor: TrialExecutor;
  /** Recorded in the manifest (`redis://...`), for people and `qqp sweep cancel`/`status`. */
  queue?: string;
  queueName?: string;
  signal?: AbortSignal;
  onEvent?: (event: SweepEvent) => void;
  cwd?: string;
}

/**
 * Runs a sweep: creates (or reopens) its folder, runs the trials that are not done yet, `parallel`
 * at a time, through `executor`, and writes the manifest after every change, so a sweep stopped at
 * any moment resumes without repeating a finished trial.
 */
export async function runSweep(options: RunSweepOptions): Promise<SweepResult> {
  const cwd = options.cwd ?? process.cwd();
  const emit = options.onEvent ?? (() => {});
  let dir: string;
  let manifest: SweepManifest;
  let spec: SweepSpec;
  if (options.resume !== undefined) {
    ({ dir, manifest } = openSweep(options.resume, options.experimentsDir));
    spec = parseSweepSpec(
      manifest.specFile,
      readFileSync(join(dir, SWEEP_FILES.spec), 'utf8'),
      manifest.specDir,
    );
  } else {
    if (!options.spec) throw new UsageError('SWEEP_NOTHING', 'give a sweep spec, or --resume ID');
    spec = options.spec;
    const trials = generateTrials(spec, options.specDir ?? dirname(resolve(cwd, spec.file)), cwd);
    const root = sweepsDir(options.experimentsDir);
    const created = createNamedFolder(root, 'sweep', spec.name, new Date(), SWEEP_NAME_MAX_LENGTH);
    const id = created.id;
    dir = created.dir;
    mkdirSync(join(dir, SWEEP_FILES.trials), { recursive: true });
    writeFileAtomic(join(dir, SWEEP_FILES.spec), spec.text);
    manifest = {
      version: 1,
      id,
      name: spec.name,
      specDir: options.specDir ?? dirname(resolve(cwd, spec.file)),
      specFile: spec.file,
      strategy: spec.strategy,
      metric: spec.metric,
      metricKey: spec.metricKey,
      mode: spec.mode,
      status: 'running',
      createdAt: nowIso(),
      updatedAt: nowIso(),
      ...(options.queue ? { queue: options.queue } : {}),
      ...(options.queue && options.queueName ? { queueName: options.queueName } : {}),
      ...(spec.strategy === 'tpe' ? { planned: spec.maxTrials } : {}),
      trials: trials.map((t) => trialEntry(t, dir, cwd, spec)),
    };
  }
  if (options.resume !== undefined) {
    // The queue (or none) this session sends the trials to: the one `qqp sweep cancel` reaches.
    delete manifest.queue;
    delete manifest.queueName;
    if (options.queue) manifest.queue = options.queue;
    if (options.queue && options.queueName) manifest.queueName = options.queueName;
  }
  const save = () => {
    manifest.updatedAt = nowIso();
    writeJsonAtomic(join(dir, SWEEP_FILES.manifest), manifest);
  };
  manifest.status = 'running';
  save();

  const hyperband = spec.hyperband ? new HyperbandScheduler(spec.hyperband, manifest.mode) : undefined;
  const stoppers: EarlyStopper[] = [
    ...(spec.asha ? [new AshaScheduler(spec.asha, manifest.mode)] : []),
    ...(hyperband ? [hyperband] : []),
    ...(spec.stopping ? [new MedianStopper(spec.stopping, manifest.mode)] : []),
  ];
  const enter = (t: ManifestTrial) => {
    if (hyperband && t.bracket !== undefined) hyperband.assign(t.id, t.bracket);
    for (const s of stoppers) for (const h of t.history) s.record(t.id, h.epoch, h.value);
  };
  for (const t of manifest.trials) enter(t);
  const budget = epochBudget(spec);

  const runnable = (t: ManifestTrial) =>
    isUnfinished(t.status) ||
    t.status === 'cancelled' ||
    (t.status === 'failed' && options.retryFailed === true);
  const queue = manifest.trials.filter(runnable);
  const skipped = manifest.trials.length - queue.length;
  const proposing = spec.strategy === 'tpe';
  const parallel = Math.max(
    1,
    proposing && options.queue !== undefined
      ? (options.proposalSlots ?? spec.parallel)
      : (options.parallel ?? spec.parallel),
  );
  const planned = proposing ? Math.max(manifest.trials.length, spec.maxTrials) : manifest.trials.length;
  emit({
    type: 'start',
    manifest,
    toRun: queue.length + (planned - manifest.trials.length),
    parallel,
    planned,
    ...(budget !== undefined ? { maxEpochs: budget } : {}),
  });
  const signal = options.signal ?? new AbortController().signal;
  const changed = (trial: ManifestTrial, change: 'start' | 'run' | 'epoch' | 'end') => {
    save();
    emit({ type: 'trial', trial, change, manifest });
  };

  /**
   * Whether a trial's folder has something to resume from: its checkpoint, or what a crash in the
   * middle of replacing it left (the resume recovers it, or says why it cannot).
   */
  const hasCheckpoint = (runDir: string): boolean => {
    const checkpoint = join(runDir, RUN_FILES.checkpoint);
    const left = leftovers(checkpoint);
    return existsSync(checkpoint) || left.fresh.length + left.previous.length > 0;
  };

  /** Trials run in this session (TPE's proposed ones included). */
  const ran = new Set<ManifestTrial>();
  const runOne = async (trial: ManifestTrial): Promise<void> => {
    ran.add(trial);
    const resumeRunDir =
      (trial.status === 'interrupted' || trial.status === 'running' || trial.status === 'cancelled') &&
      trial.runDir &&
      trial.host === hostname() &&
      hasCheckpoint(trial.runDir)
        ? trial.runDir
        : undefined;
    if (!resumeRunDir) {
      trial.history = [];
      trial.epochs = 0;
    }
    trial.status = 'running';
    trial.attempts++;
    delete trial.failure;
    trial.best = null;
    trial.bestEpoch = null;
    const update = () => {
      const best = bestOf(trial.history, manifest.mode);
      trial.best = best?.value ?? null;
      trial.bestEpoch = best?.epoch ?? null;
    };
    update();
    changed(trial, 'start');
    const configFile = join(dir, trial.config);
    let config: ResolvedConfig;
    try {
      // Validated as the trial's process will load it; data paths relative to `cwd` again.
      config = loadConfig(configFile, { cwd }).config;
    } catch (err) {
      if (!(err instanceof QqpError)) throw err;
      // The same failure the trial's process would report, without starting it.
      trial.status = 'failed';
      trial.failure = `${err.code}: ${err.describe()}`;
      changed(trial, 'end');
      return;
    }
    let stoppedAt: number | undefined;
    const outcome = await options.executor(
      {
        sweepId: manifest.id,
        trial: structuredClone(trial),
        configFile,
        config,
        name: `${manifest.name}-t${trial.index}`,
        ask: stoppers.length > 0,
        ...(resumeRunDir ? { resumeRunDir } : {}),
      },
      {
        onRun: (run) => {
          // A new attempt (another worker after a crash) starts over.
          if (trial.runId !== undefined && trial.runId !== run.id && trial.runDir !== run.dir) {
            trial.history = [];
            trial.epochs = 0;
          }
          trial.runId = run.id;
          trial.runDir = run.dir;
          trial.host = run.host;
          changed(trial, 'run');
        },
        onEpoch: (record) => {
          const value = record[manifest.metricKey];
          trial.history = trial.history.filter((h) => h.epoch < record.epoch);
          trial.history.push({ epoch: record.epoch, value: value ?? Number.NaN });
          trial.epochs = record.epoch;
          update();
          // Every stopper sees every epoch (each keeps its own tables); the last epoch ends the
          // trial anyway, so nothing is stopped there.
          const votes =
            value === undefined ? [] : stoppers.map((s) => s.report(trial.id, record.epoch, value));
          const stop = record.epoch < config.training.epochs && votes.some(Boolean);
          if (stop) stoppedAt = record.epoch;
          changed(trial, 'epoch');
          return stop;
        },
      },
      signal,
    );
    trial.status = outcome.status === 'completed' && stoppedAt !== undefined ? 'stopped' : outcome.status;
    if (outcome.epochs !== undefined) trial.epochs = outcome.epochs;
    if (outcome.runId) trial.runId = outcome.runId;
    if (outcome.runDir) trial.runDir = outcome.runDir;
    if (outcome.host) trial.host = outcome.host;
    if (outcome.failure) trial.failure = outcome.failure;
    if (outcome.status === 'cancelled') cancelled = true;
    update();
    changed(trial, 'end');
  };

  const propose = proposing
    ? proposer(spec, manifest, dir, cwd, options.specDir ?? manifest.specDir)
    : undefined;
  let next = 0;
  // Once one trial comes back cancelled the whole sweep is: no further trial starts.
  let cancelled = false;
  const slot = async () => {
    while (!signal.aborted && !cancelled) {
      let trial = queue[next];
      if (trial) next++;
      else {
        // TPE: the next trial is chosen now, from what the trials so far have shown.
        trial = propose?.();
        if (!trial) break;
        enter(trial);
      }
      await runOne(trial);
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(parallel, queue.length + (planned - manifest.trials.length)) }, slot),
  );

  const unfinished = manifest.trials.some((t) => isUnfinished(t.status));
  manifest.status = cancelled ? 'cancelled' : signal.aborted || unfinished ? 'interrupted' : 'completed';
  for (const t of manifest.trials) {
    if (cancelled && isUnfinished(t.status)) t.status = 'cancelled';
    else if (t.status === 'running') t.status = 'interrupted';
  }
  save();

  const { trials: sorted, best } = writeSweepResults(dir, manifest, cwd);
  return {
    id: manifest.id,
    dir,
    status: manifest.status,
    metric: manifest.metric,
    mode: manifest.mode,
    trials: sorted,
    best,
    ran: ran.size,
    skipped,
  };
}

/**
 * Writes what a sweep has found so far from its manifest: best.yaml (the best trial's config, when
 * a trial has a metric) and results.json. Returns the trials best first and the best one. Used at
 * the end of `runSweep` and by `qqp sweep cancel`.
 */
export function writeSweepResults(
  dir: string,
  manifest: SweepManifest,
  cwd: string,
): { trials: ManifestTrial[]; best: SweepResult['best'] } {
  const sorted = sortTrials(manifest.trials, manifest.mode);
  const top = sorted[0] && sorted[0].best !== null ? sorted[0] : undefined;
  let best: SweepResult['best'] = null;
  if (top) {
    // Validated (a ConfigError at the file's line and column if it was broken since), data paths
    // relative to `cwd`; best.yaml, one level above trials/, gets them relative to the sweep folder.
    const config = loadConfig(join(dir, top.config), { cwd }).config;
    const configFile = join(dir, SWEEP_FILES.best);
    const header = `# Best trial of sweep ${manifest.id}: trial ${top.index} (${top.id}), ${manifest.metric} ${top.best} at epoch ${top.bestEpoch}.\n# Train it with: qqp train ${configFile}\n`;
    const rebased = configForRunFolder(config, dir, cwd);
    writeFileAtomic(configFile, header + YAML.stringify(rebased, { lineWidth: 0 }));
    best = { trial: top, configFile };
  }
  writeJsonAtomic(join(dir, SWEEP_FILES.results), {
    id: manifest.id,
    status: manifest.status,
    metric: manifest.metric,
    mode: manifest.mode,
    trials: sorted.map((t) => ({
      index: t.index,
      id: t.id,
      params: t.params,
      status: t.status,
      ...(t.bracket !== undefined ? { bracket: t.bracket } : {}),
      epochs: t.epochs,
      best: t.best,
      bestEpoch: t.bestEpoch,
      runId: t.runId ?? null,
      runDir: t.runDir ?? null,
      host: t.host ?? null,
    })),
    best: best
      ? { trial: best.trial.index, id: best.trial.id, value: best.trial.best, config: SWEEP_FILES.best }
      : null,
  });
  return { trials: sorted, best };
}

/**
 * TPE's next trial, added to the manifest (and its config file written), or undefined when the
 * sweep has its maxTrials (or no untried point is found). The finished trials are the observations,
 * the running and pending ones count as bad; a point whose config is a trial's already, or is
 * invalid, is drawn again.
 */
function proposer(
  spec: SweepSpec,
  manifest: SweepManifest,
  dir: string,
  cwd: string,
  specDir: string,
): () => ManifestTrial | undefined {
  const maker = trialMaker(spec, specDir, cwd);
  const tpe = spec.tpe ?? TPE_DEFAULTS;
  return () => {
    if (manifest.trials.length >= spec.maxTrials) return undefined;
    const index = manifest.trials.length + 1;
    const observations: Observation[] = manifest.trials.map((t) => ({
      params: t.params,
      value: t.status === 'completed' || t.status === 'stopped' ? t.best : null,
      pending: isUnfinished(t.status),
    }));
    const seen = new Set(manifest.trials.map((t) => t.id));
    for (let attempt = 0; attempt < 100; attempt++) {
      // TPE can keep choosing points already tried (in a small listed space its best ratio is
      // always one of them): after 10 such tries, random points find what is left.
      const rng = proposalRng(spec.seed, index, attempt);
      const params =
        attempt < 10
          ? suggest(spec.parameters, observations, manifest.mode, tpe, rng)
          : randomPoint(spec.parameters, rng);
      const made = maker.make(params, index);
      if (!made || seen.has(made.id)) continue;
      const entry = trialEntry(made, dir, cwd, spec);
      manifest.trials.push(entry);
      return entry;
    }
    // A space this small is used up: nothing new to try.
    return undefined;
  };
}

function trialEntry(t: Trial, dir: string, cwd: string, spec: SweepSpec): ManifestTrial {
  const rel = join(SWEEP_FILES.trials, `${t.id}.yaml`);
  const file = join(dir, rel);
  const header = `# Trial ${t.index}: ${t.overrides.join(' ') || '(base config)'}\n`;
  writeFileAtomic(
    file,
    header + YAML.stringify(configForRunFolder(t.config, dirname(file), cwd), { lineWidth: 0 }),
  );
  return {
    index: t.index,
    id: t.id,
    params: t.params,
    overrides: t.overrides,
    config: rel,
    status: 'pending',
    attempts: 0,
    ...(spec.hyperband ? { bracket: bracketOf(spec.hyperband, t.index) } : {}),
    epochs: 0,
    history: [],
    best: null,
    bestEpoch: null,
  };
}
