import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendRequest } from '../backend/index.js';
import { type LoadedConfig, loadConfig } from '../config/load.js';
import { RunError, UsageError } from '../errors.js';
import { type EnsembleEvaluation, evaluateEnsemble } from '../eval/ensemble.js';
import { EnsembleFolder, type EnsembleRecord, type EnsembleRunRecord } from '../runs/ensemble-folder.js';
import { RUN_FILES } from '../runs/files.js';
import { type TrainEvent, type TrainResult, train } from '../train/trainer.js';
import { type EnsembleSpec, ensembleRuns, loadEnsembleRuns, runOverrides } from './spec.js';

/**
 * `qqp train ENSEMBLE.yaml`: every run of an ensemble spec trained one after another, each an
 * ordinary run folder under the ensemble's members/, then the mean of their probabilities
 * evaluated on the shared test split (saved as the ensemble's eval-test.json). Every run's config
 * is loaded and checked before the first one trains. An interruption stops the run in progress as
 * `qqp train` does; `--resume` continues that run, then trains the rest.
 */

export interface EnsembleTrainOptions {
  experimentsDir: string;
  /** A new ensemble from this spec... */
  spec?: EnsembleSpec;
  /** ...or continue this one (its folder or id under experimentsDir). */
  resume?: string;
  /** Overrides for every run, after the spec's own `set` (new ensembles only). */
  set?: readonly string[];
  /** Replaces the spec's seeds (new ensembles only). */
  seeds?: readonly number[];
  /** Ensemble name (default: the spec's name). */
  name?: string;
  backend?: BackendRequest;
  command?: string[];
  signal?: AbortSignal;
  onEvent?: (event: EnsembleTrainEvent) => void;
}

export type EnsembleTrainEvent =
  | { type: 'ensemble'; id: string; dir: string; runs: number; resumed: boolean }
  | { type: 'member'; index: number; runs: number; config: string; seed: number | null; resume: boolean }
  | { type: 'train'; index: number; event: TrainEvent }
  | { type: 'evaluating'; runs: number };

export interface EnsembleRunResult extends EnsembleRunRecord {
  /** The run's folder, once it exists. */
  dir: string | null;
  result?: TrainResult;
}

export interface EnsembleTrainResult {
  kind: 'ensemble';
  id: string;
  dir: string;
  status: 'completed' | 'interrupted';
  runs: EnsembleRunResult[];
  /** The ensemble on its runs' test split (null: they have none, or it was interrupted). */
  test: EnsembleEvaluation | null;
}

export async function trainEnsemble(options: EnsembleTrainOptions): Promise<EnsembleTrainResult> {
  const { folder, record, resumed } = options.resume !== undefined ? reopen(options) : start(options);
  options.onEvent?.({ type: 'ensemble', id: folder.id, dir: folder.dir, runs: record.runs.length, resumed });
  const save = () => {
    record.updatedAt = new Date().toISOString();
    folder.write(record);
  };
  const results: (TrainResult | undefined)[] = [];
  for (const [index, run] of record.runs.entries()) {
    if (run.status === 'completed') continue;
    if (options.signal?.aborted) {
      // Stopped between two runs: the next one has not started.
      record.status = 'interrupted';
      save();
      return resultOf(folder, record, results, null);
    }
    const resume = run.run !== null && existsSync(folder.runDir(run.run));
    options.onEvent?.({
      type: 'member',
      index,
      runs: record.runs.length,
      config: run.config,
      seed: run.seed,
      resume,
    });
    run.status = 'running';
    save();
    let result: TrainResult;
    try {
      result = await train({
        experimentsDir: folder.membersDir,
        ...(resume ? { resume: folder.runDir(run.run!) } : runRequest(run, record.set)),
        ...(options.backend ? { backend: options.backend } : {}),
        ...(options.command ? { command: options.command } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        onEvent: (event) => {
          // The run's folder is recorded as soon as it exists, so an interruption can resume it.
          if (event.type === 'run' && run.run === null) {
            run.run = event.id;
            save();
          }
          options.onEvent?.({ type: 'train', index, event });
        },
      });
    } catch (err) {
      run.status = 'failed';
      record.status = 'failed';
      save();
      throw err;
    }
    results[index] = result;
    run.run = result.id;
    run.status = result.status;
    if (result.status === 'interrupted') {
      record.status = 'interrupted';
      save();
      return resultOf(folder, record, results, null);
    }
    save();
  }
  let test: EnsembleEvaluation | null = null;
  const dirs = folder.memberRunDirs();
  const hasTest = dirs.every((d) => summaryHasTest(d));
  if (hasTest) {
    options.onEvent?.({ type: 'evaluating', runs: dirs.length });
    test = await evaluateEnsemble({
      runs: dirs,
      experimentsDir: folder.membersDir,
      split: 'test',
      out: folder.path('eval-test.json'),
      ...(options.backend ? { backend: options.backend } : {}),
    });
  }
  record.status = 'completed';
  save();
  return resultOf(folder, record, results, test);
}

/** Creates the folder of a new ensemble, after every run's config is loaded and checked. */
function start(options: EnsembleTrainOptions): {
  folder: EnsembleFolder;
  record: EnsembleRecord;
  resumed: false;
} {
  const spec = options.spec;
  if (spec === undefined) throw new UsageError('ENSEMBLE_NOTHING', 'give an ensemble spec or --resume');
  const set = [...spec.set, ...(options.set ?? [])];
  const plans = ensembleRuns(spec.members, options.seeds ?? spec.seeds);
  loadEnsembleRuns(spec, spec.members, plans, set);
  const folder = EnsembleFolder.create(options.experimentsDir, options.name ?? spec.name);
  folder.writeSpec(spec.text);
  const now = new Date().toISOString();
  const record: EnsembleRecord = {
    kind: 'qqp-ensemble',
    version: 1,
    id: folder.id,
    name: options.name ?? spec.name,
    spec: spec.file,
    createdAt: now,
    updatedAt: now,
    status: 'running',
    set,
    runs: plans.map((p) => ({ config: p.config, seed: p.seed, run: null, status: 'pending' })),
    command: options.command ?? [],
  };
  folder.write(record);
  return { folder, record, resumed: false };
}

function reopen(options: EnsembleTrainOptions): {
  folder: EnsembleFolder;
  record: EnsembleRecord;
  resumed: true;
} {
  if (options.spec !== undefined || options.set?.length || options.seeds !== undefined) {
    throw new UsageError(
      'ENSEMBLE_RESUME_CHANGE',
      'a resumed ensemble keeps its spec, overrides and seeds: give only --resume',
    );
  }
  const folder = EnsembleFolder.find(options.resume!, options.experimentsDir);
  if (folder === undefined) {
    throw new RunError('ENSEMBLE_NOT_FOUND', `no ensemble "${options.resume}" (no ensemble.json there)`);
  }
  const record = folder.read();
  if (record.status === 'completed') {
    throw new UsageError('ENSEMBLE_COMPLETED', `ensemble ${folder.id} is already completed`, {
      suggestions: [`qqp eval ${folder.dir}`],
    });
  }
  record.status = 'running';
  return { folder, record, resumed: true };
}

/** A new run of the ensemble: its config with the overrides and seed, named after its seed. */
function runRequest(run: EnsembleRunRecord, set: readonly string[]): { loaded: LoadedConfig; name: string } {
  const loaded = loadConfig(run.config, { overrides: runOverrides(set, run.seed) });
  const name = loaded.config.experiment.name;
  return { loaded, name: run.seed === null ? name : `${name}-s${run.seed}` };
}

/** A completed run's summary says whether it was tested (a run without a test split is not). */
function summaryHasTest(runDir: string): boolean {
  try {
    const summary = JSON.parse(readFileSync(join(runDir, RUN_FILES.summary), 'utf8')) as { test?: unknown };
    return summary.test !== undefined && summary.test !== null;
  } catch {
    return false;
  }
}

function resultOf(
  folder: EnsembleFolder,
  record: EnsembleRecord,
  results: readonly (TrainResult | undefined)[],
  test: EnsembleEvaluation | null,
): EnsembleTrainResult {
  return {
    kind: 'ensemble',
    id: folder.id,
    dir: folder.dir,
    status: record.status === 'completed' ? 'completed' : 'interrupted',
    runs: record.runs.map((r, i) => ({
      ...r,
      dir: r.run === null ? null : folder.runDir(r.run),
      ...(results[i] ? { result: results[i] } : {}),
    })),
    test,
  };
}
