import { resolve } from 'node:path';
import type * as tfc from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { BackendInfo } from '../backend/index.js';
import type { LoadedConfig } from '../config/load.js';
import { type FeatureStats, type FittingVectors, featuresOn } from '../data/features.js';
import { describeDropped } from '../data/load.js';
import { describeFile, describeSkipped, skippedRows } from '../data/read.js';
import type { Vocabulary } from '../data/vocabulary.js';
import { QqpError, RunError, TrainingError } from '../errors.js';
import { epochsBeyond } from '../runs/checkpoint-files.js';
import { hostName, RUN_FILES, RunFolder } from '../runs/folder.js';
import { describeOwner, type RunOwner } from '../runs/owner.js';
import { gitCommit, versions } from '../runs/provenance.js';
import type { EpochRecord, RunMeta, RunSummary, TrainerState } from '../runs/records.js';
import { describeEmbeddings } from '../runs/records.js';
import { captureCheckpoint, restoreCheckpoint } from './checkpoint.js';
import type { TrainingData } from './data.js';

/**
 * A training run's life in its run folder: creation (or reopening to resume), the status in
 * run.json as it goes (running, then completed, interrupted or failed), the data it trains on, each
 * epoch's checkpoint, models and metrics, and summary.json at the end. The one part of the trainer
 * that holds a RunFolder; the epoch loop (trainer.ts) says what happened, this says it on disk.
 */

function nowIso(): string {
  return new Date().toISOString();
}

export interface RunRequest {
  experimentsDir: string;
  /** A new run from this config... */
  loaded?: LoadedConfig;
  /** ...or continue this one (a folder path or an id under experimentsDir). */
  resume?: string;
  /** Run name (default: experiment.name). */
  name?: string;
  /** The sweep and trial a new run belongs to, recorded in run.json (a resumed trial: its attempt). */
  sweep?: { id: string; trial: string; attempt?: number };
  /** Take the run over from an owner on another host whose heartbeat is stale (owner.ts). */
  takeOver?: boolean;
}

/** How a completed run ends, for summary.json. */
export interface Completion {
  bestMonitor: string | null;
  finalWeights: 'best' | 'last';
  test: RunSummary['test'];
  stoppedByScheduler: boolean;
}

export class TrainingRun {
  /** This process's hold on the run (owner.json), from open to the end of the session. */
  private owner: RunOwner | undefined;

  private constructor(
    private readonly folder: RunFolder,
    private readonly meta: RunMeta,
    readonly loaded: LoadedConfig,
    readonly resuming: boolean,
    /** A resumed run's vocabulary (a new run builds its own from the data). */
    readonly vocabulary: Vocabulary | undefined,
    /** A resumed run's trainer state from its checkpoint; null without one. */
    readonly saved: TrainerState | null,
  ) {}

  /** What a resume found and did that the user should know (recovery after a crash, epochs kept aside). */
  readonly notes: string[] = [];

  /** A resumed run's feature statistics (features.json); a new run fits its own from the data. */
  features: FeatureStats | undefined;
  /** A resumed run's feature vectors (feature-vectors.f32), with vector pair features. */
  featureVectors: FittingVectors | undefined;

  /**
   * A new run (folder created, config.yaml and run.json written) or a resumed one (its folder
   * opened: run.json, config, vocabulary and checkpoint state read; a completed run is refused).
   */
  static async open(request: RunRequest): Promise<TrainingRun> {
    // The run is owned from the moment its folder is known; given back if opening fails after.
    let owner: RunOwner | undefined;
    const own = (folder: RunFolder): void => {
      owner = folder.acquireOwner({
        command: process.argv.slice(1),
        ...(request.takeOver ? { takeOver: true } : {}),
      });
      const taken = owner.tookOver;
      if (taken) {
        folder.log(
          `owner: took the run over from ${taken.previous ? describeOwner(taken.previous) : 'an unreadable owner record'} (${taken.why})`,
        );
      }
    };
    try {
      const run = await TrainingRun.openOwned(request, own);
      run.owner = owner;
      const attempt = request.sweep?.attempt;
      if (run.resuming && attempt !== undefined && run.meta.sweep) run.meta.sweep.attempt = attempt;
      owner?.startHeartbeat();
      return run;
    } catch (err) {
      owner?.release();
      throw err;
    }
  }

  private static async openOwned(
    request: RunRequest,
    own: (folder: RunFolder) => void,
  ): Promise<TrainingRun> {
    if (request.resume !== undefined) {
      const folder = RunFolder.open(request.resume, request.experimentsDir);
      own(folder);
      const meta = folder.readMeta();
      if (meta.status === 'completed') {
        throw new RunError(
          'RUN_COMPLETED',
          `run ${meta.id} has already completed; there is nothing to resume`,
          {
            suggestions: [
              'train a new run, e.g. with more epochs: qqp train <config> --set training.epochs=N',
            ],
          },
        );
      }
      const loaded = folder.readConfig();
      const notes: string[] = [];
      const saved = TrainingRun.resumePoint(folder, meta, notes);
      let vocabulary: Vocabulary | undefined;
      try {
        vocabulary = folder.has(RUN_FILES.vocabulary) ? await folder.loadVocabulary() : undefined;
      } catch (err) {
        // A broken file of the run folder is a run problem (exit 6), not a data one.
        throw err instanceof QqpError
          ? new RunError(err.code, err.message, { suggestions: err.suggestions })
          : err;
      }
      const run = new TrainingRun(folder, meta, loaded, true, vocabulary, saved);
      const wanted = loaded.config.data.features;
      // Missing (a run stopped before its data was prepared): fitted again from the same rows.
      if (featuresOn(wanted) && folder.has(RUN_FILES.features)) {
        run.features = folder.readFeatures(wanted);
        if (run.features.vectors) run.featureVectors = await folder.readFeatureVectors(run.features);
      }
      run.notes.push(...notes);
      return run;
    }
    if (!request.loaded) throw new TrainingError('NO_CONFIG', 'train needs a config or a run to resume');
    const loaded = request.loaded;
    const name = request.name ?? loaded.config.experiment.name;
    const folder = RunFolder.create(request.experimentsDir, name);
    own(folder);
    const meta: RunMeta = {
      id: folder.id,
      name,
      status: 'running',
      createdAt: nowIso(),
      updatedAt: nowIso(),
      trainSeconds: 0,
      epochsCompleted: 0,
      seed: loaded.config.experiment.seed,
      tags: loaded.config.experiment.tags,
      host: hostName(),
      commands: [],
      cwd: process.cwd(),
      gitCommit: gitCommit(),
      versions: versions(),
      configFiles: loaded.files.map((f) => resolve(f)),
      overrides: loaded.overrides.map((o) => o.text),
      ...(request.sweep ? { sweep: request.sweep } : {}),
    };
    folder.writeConfig(loaded.config, process.cwd());
    folder.writeMeta(meta);
    return new TrainingRun(folder, meta, loaded, false, undefined, null);
  }

  /**
   * Where a resume starts: the last complete checkpoint, after recovering what a crash left
   * (RunFolder.recover). Never loses a recorded epoch: a run that recorded epochs but has no
   * checkpoint is refused (RUN_CHECKPOINT_MISSING); lines of metrics.jsonl the checkpoint does not
   * have are kept in metrics.superseded.jsonl. run.json and model/best, model/last are brought in
   * line with the checkpoint, which is the truth.
   */
  private static resumePoint(folder: RunFolder, meta: RunMeta, notes: string[]): TrainerState | null {
    const recovery = folder.recover();
    for (const note of recovery.notes) folder.log(`recovery: ${note}`);
    notes.push(...recovery.notes.filter((n) => !n.startsWith('removed the leftover')));
    const saved = folder.readCheckpointState();
    const recorded = folder.readEpochs();
    if (!saved) {
      if (recorded.length > 0 || meta.epochsCompleted > 0) {
        const n = Math.max(recorded.length, meta.epochsCompleted);
        throw new RunError(
          'RUN_CHECKPOINT_MISSING',
          `run ${meta.id} recorded ${n} epoch${n === 1 ? '' : 's'} but has no checkpoint to resume from (${folder.path(RUN_FILES.checkpoint)} is missing); resuming would start again from epoch 1`,
          {
            suggestions: [
              `the recorded epochs stay in ${folder.path(RUN_FILES.metrics)}; to train again, start a new run from the same config: qqp train ${folder.path(RUN_FILES.config)}`,
            ],
          },
        );
      }
      return null;
    }
    const superseded = epochsBeyond(recorded, saved);
    if (superseded.length > 0) {
      folder.supersedeEpochs(superseded);
      const note = `metrics.jsonl had epoch(s) ${superseded.map((r) => r.epoch).join(', ')} that the checkpoint (epoch ${saved.epochsCompleted}) does not have; they are kept in ${RUN_FILES.supersededMetrics}`;
      folder.log(`resume: ${note}`);
      notes.push(note);
    }
    // The models of the checkpoint's epoch, where a crash came between the checkpoint and them.
    const epoch = saved.epochsCompleted;
    if (recovery.modelEpochs.last !== epoch) folder.copyCheckpointModel('last', epoch);
    if (saved.best?.epoch === epoch && recovery.modelEpochs.best !== epoch)
      folder.copyCheckpointModel('best', epoch);
    if (meta.epochsCompleted !== epoch || meta.trainSeconds !== Number(saved.trainSeconds.toFixed(3))) {
      meta.epochsCompleted = epoch;
      meta.trainSeconds = Number(saved.trainSeconds.toFixed(3));
      folder.writeMeta(meta);
    }
    return saved;
  }

  get id(): string {
    return this.folder.id;
  }

  get dir(): string {
    return this.folder.dir;
  }

  /** Seconds trained as run.json records them (all sessions, to the last saved epoch). */
  get trainSeconds(): number {
    return this.meta.trainSeconds;
  }

  /** This session starts: its command line recorded, the status back to running. */
  begin(command: string[] | undefined): void {
    this.meta.commands = [...this.meta.commands, command ?? []];
    this.meta.status = 'running';
    this.meta.updatedAt = nowIso();
    delete this.meta.failure;
    this.folder.writeMeta(this.meta);
    this.folder.log(
      this.resuming ? `resume: ${(command ?? []).join(' ')}` : `start: ${(command ?? []).join(' ')}`,
    );
  }

  /** The backend in use, in train.log (and in run.json from its next write on). */
  useBackend(backend: BackendInfo): void {
    this.meta.backend = { name: backend.name, reason: backend.reason, details: backend.details };
    this.folder.log(`backend: ${backend.reason}`);
  }

  /**
   * The data in use: a resumed run's must be the data it started with; a new run saves its
   * vocabulary. run.json records the data's fingerprint, sizes and files, with what reading each file
   * skipped (also written to train.log).
   */
  async useData(data: TrainingData): Promise<NonNullable<RunMeta['data']>> {
    const { prepared } = data;
    const meta = this.meta;
    if (this.resuming && meta.data && meta.data.fingerprint !== data.dataset.fingerprint) {
      throw new RunError(
        'RUN_DATA_CHANGED',
        `the data of run ${meta.id} changed since it started (fingerprint ${data.dataset.fingerprint.slice(0, 12)} ≠ ${meta.data.fingerprint.slice(0, 12)}); resuming would not continue the same run`,
        { suggestions: ['restore the data files, or train a new run'] },
      );
    }
    // A resumed run whose vocabulary.json is missing saves the one rebuilt from the same data.
    if (!this.resuming || !this.folder.has(RUN_FILES.vocabulary)) {
      await this.folder.saveVocabulary(prepared.vocabulary);
    }
    if (prepared.features && (!this.resuming || !this.folder.has(RUN_FILES.features))) {
      // The vectors first: a features.json that asks for vectors always has them beside it.
      if (data.featureVectors) await this.folder.saveFeatureVectors(data.featureVectors);
      this.folder.saveFeatures(prepared.features);
    }
    meta.data = {
      fingerprint: data.dataset.fingerprint,
      mode: data.dataset.mode,
      sizes: {
        train: prepared.train.count,
        validation: prepared.validation.count,
        test: prepared.test.count,
      },
      validationSplit: data.validationSplit,
      files: data.dataset.reports.map((r, i) => ({
        file: r.file,
        role: data.dataset.roles[i] ?? '',
        format: r.format,
        columns: r.columns,
        rows: r.rows,
        ...skippedRows(r),
      })),
      ...(data.dataset.dropped ? { dropped: data.dataset.dropped } : {}),
      ...(data.dataset.validationFromTrain ? { validationFromTrain: true } : {}),
      vocabularySize: prepared.vocabulary.size,
      sequenceLength: prepared.sequenceLength,
    };
    if (data.embeddings.length > 0) meta.embeddings = data.embeddings;
    this.folder.writeMeta(meta);
    for (const f of meta.data.files) this.folder.log(`data: ${describeFile(f)}`);
    for (const r of data.dataset.reports)
      for (const line of describeSkipped(r.file, r)) this.folder.log(line);
    for (const e of data.embeddings) this.folder.log(describeEmbeddings(e));
    const f = prepared.features;
    if (f) {
      this.folder.log(
        `features: ${f.pair.length > 0 ? `${f.pair.length} pair features (${f.pair.join(', ')}), fitted on ${data.dataset.splits.train.length.toLocaleString('en-US')} training pairs` : 'no pair features'}${f.exactMatch ? '; exact-match bits' : ''} (features.json)${f.vectors ? `; vectors of ${f.vectors.words.toLocaleString('en-US')} training words from ${f.vectors.source} (${RUN_FILES.featureVectors})` : ''}`,
      );
    }
    for (const line of describeDropped(data.dataset.dropped, data.dataset.mode)) this.folder.log(line);
    return meta.data;
  }

  /** Puts the checkpoint's model weights and optimizer slots into a freshly built model and optimizer. */
  restoreCheckpoint(model: tfl.LayersModel, optimizer: tfc.Optimizer): Promise<void> {
    return restoreCheckpoint(this.folder, model, optimizer);
  }

  /** metrics.jsonl as the trainer state has it (a resumed run drops lines of the epoch it repeats). */
  writeEpochs(records: readonly EpochRecord[]): void {
    this.folder.writeEpochs(records);
  }

  loadBestModel(): Promise<tfl.LayersModel> {
    return this.folder.loadModel('best');
  }

  /**
   * The end of an epoch, `state` already updated with it: the checkpoint (last model, optimizer,
   * state) first, then model/best/ when the epoch `improved`, model/last/, metrics.jsonl and
   * run.json. The checkpoint is the truth: a crash after it leaves models that resume brings in
   * line (each model folder's manifest records its epoch), never a model/best of an epoch the
   * checkpoint does not have.
   */
  async saveEpoch(
    model: tfl.LayersModel,
    optimizer: tfc.Optimizer,
    state: TrainerState,
    record: EpochRecord,
    improved: boolean,
  ): Promise<void> {
    this.assertOwned();
    const checkpoint = await captureCheckpoint(model, optimizer, state);
    const epoch = state.epochsCompleted;
    this.folder.writeCheckpoint(checkpoint);
    if (improved) this.folder.writeModel('best', checkpoint.model, epoch);
    this.folder.writeModel('last', checkpoint.model, epoch);
    this.folder.writeEpochs(state.records);
    this.meta.epochsCompleted = state.epochsCompleted;
    this.meta.trainSeconds = Number(state.trainSeconds.toFixed(3));
    this.meta.updatedAt = nowIso();
    this.folder.writeMeta(this.meta);
    this.folder.log(`epoch ${state.epochsCompleted}: ${JSON.stringify(record)}`);
    this.owner?.heartbeat();
  }

  /** A session whose run was taken over (`--take-over` on another host) stops before it writes. */
  private assertOwned(): void {
    this.owner?.heartbeat();
    const by = this.owner?.lostTo;
    if (by) {
      throw new RunError(
        'RUN_TAKEN_OVER',
        `run ${this.id} was taken over by ${describeOwner(by)}; this session stops without writing`,
        { suggestions: ['`qqp show` the run to see who trains it now'] },
      );
    }
  }

  /** The session is over: owner.json removed, so the next training of the run may take it. */
  private release(): void {
    this.owner?.release();
  }

  log(line: string): void {
    this.folder.log(line);
  }

  /** The session was interrupted: run.json says so; the summary is returned, not written. */
  interrupt(state: TrainerState, bestMonitor: string | null): RunSummary {
    this.meta.status = 'interrupted';
    this.meta.updatedAt = nowIso();
    this.folder.writeMeta(this.meta);
    this.release();
    return this.summary(state, 'interrupted', {
      bestMonitor,
      finalWeights: 'last',
      test: null,
      stoppedByScheduler: false,
    });
  }

  /** The run completed: summary.json, then run.json's final status. */
  complete(state: TrainerState, end: Completion): RunSummary {
    const summary = this.summary(state, 'completed', end);
    this.folder.writeSummary(summary);
    this.meta.status = 'completed';
    this.meta.finishedAt = nowIso();
    this.meta.updatedAt = this.meta.finishedAt;
    this.folder.writeMeta(this.meta);
    this.release();
    const test = end.test;
    this.folder.log(
      `completed: ${state.epochsCompleted} epochs${test ? `, test accuracy ${test.atHalf.accuracy.toFixed(4)}` : ''}`,
    );
    return summary;
  }

  /** The session failed: run.json records the error (and where, once the epochs began). */
  fail(err: unknown, epoch: number, batch: number): void {
    const meta = this.meta;
    // A session stopped because another took the run over leaves the run to that one.
    if (this.owner?.lostTo) {
      this.release();
      return;
    }
    meta.status = 'failed';
    meta.updatedAt = nowIso();
    meta.failure = {
      code: err instanceof QqpError ? err.code : 'INTERNAL',
      message: err instanceof QqpError ? err.describe() : String((err as Error).stack ?? err),
      ...(epoch > 0 ? { epoch, batch } : {}),
    };
    this.folder.writeMeta(meta);
    this.folder.log(`failed: ${meta.failure.message}`);
    this.release();
  }

  private summary(state: TrainerState, status: RunSummary['status'], end: Completion): RunSummary {
    const records = state.records;
    const bestRecord = state.best ? (records.find((r) => r.epoch === state.best?.epoch) ?? null) : null;
    return {
      status,
      epochs: state.epochsCompleted,
      stoppedEarly: status === 'completed' ? state.stoppedEarly : false,
      ...(end.stoppedByScheduler ? { stoppedBy: 'scheduler' as const } : {}),
      bestMonitor: end.bestMonitor,
      bestEpoch: state.best?.epoch ?? null,
      best: bestRecord,
      last: records.at(-1) ?? null,
      finalWeights: end.finalWeights,
      test: end.test,
      trainSeconds: this.meta.trainSeconds,
    };
  }
}
