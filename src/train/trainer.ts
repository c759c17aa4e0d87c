import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tfc from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type BackendInfo, type BackendRequest, initBackend } from '../backend/index.js';
import { type LoadedConfig, loadConfig } from '../config/load.js';
import type { ResolvedConfig } from '../config/schema.js';
import type { EncodedPairs } from '../data/encode.js';
import { type LoadedDataset, loadDataset, type PreparedDataset, prepareDataset } from '../data/load.js';
import { Vocabulary } from '../data/vocabulary.js';
import { QqpError, RunError, TrainingError } from '../errors.js';
import { buildModel } from '../model/build.js';
import { losses } from '../registry/objectives.js';
import { buildOptimizer } from '../registry/optimizers.js';
import { buildSchedule, monitorMode, type Schedule } from '../registry/schedules.js';
import { replaceDirAtomic } from '../runs/atomic.js';
import { hostName, RUN_FILES, RunFolder, type RunMeta } from '../runs/folder.js';
import { loadModel, modelArtifacts, saveModel, writeModelFiles } from '../runs/model-io.js';
import { gitCommit, versions } from '../runs/provenance.js';
import { type BinaryEvaluation, confusionAt, evaluateBinary, fromConfusion, logLoss } from './metrics.js';
import { batchInputs, predictProbabilities } from './predict.js';
import { bufferedShuffle, deriveSeed, withSeededMathRandom } from './random.js';

/** One line of metrics.jsonl. */
export interface EpochRecord {
  epoch: number;
  learningRate: number;
  seconds: number;
  examplesPerSecond: number;
  /** loss, each metric, and val_loss / val_<metric> when there is a validation split. */
  [name: string]: number;
}

export interface RunSummary {
  status: 'completed' | 'interrupted';
  epochs: number;
  stoppedEarly: boolean;
  /** Set when `shouldStop` (a sweep scheduler such as ASHA) ended the run before its last epoch. */
  stoppedBy?: 'scheduler';
  bestMonitor: string;
  bestEpoch: number | null;
  best: EpochRecord | null;
  last: EpochRecord | null;
  /** Weights the final model holds: those of the best epoch (restored) or of the last. */
  finalWeights: 'best' | 'last';
  test: (BinaryEvaluation & { split: 'test' }) | null;
  trainSeconds: number;
}

export type TrainEvent =
  | { type: 'backend'; info: BackendInfo }
  | {
      type: 'data';
      sizes: { train: number; validation: number; test: number };
      vocabularySize: number;
      validationSplit: string;
    }
  | { type: 'run'; id: string; dir: string; resumedAt?: number }
  | { type: 'epochStart'; epoch: number; epochs: number; batches: number; examples: number }
  | {
      type: 'batch';
      epoch: number;
      batch: number;
      batches: number;
      examples: number;
      loss: number;
      accuracy: number;
      examplesPerSecond: number;
    }
  | { type: 'epochEnd'; record: EpochRecord; improved: boolean }
  | { type: 'earlyStop'; epoch: number; monitor: string; bestEpoch: number }
  | { type: 'interrupted'; epoch: number; batch: number; epochsCompleted: number }
  | { type: 'evaluating'; split: string; count: number };

export interface TrainOptions {
  experimentsDir: string;
  /** A new run from this config... */
  loaded?: LoadedConfig;
  /** ...or continue this one (a folder path or an id under experimentsDir). */
  resume?: string;
  /** Run name (default: experiment.name). */
  name?: string;
  /** Overrides training.backend. */
  backend?: BackendRequest;
  /** The command line, recorded in run.json. */
  command?: string[];
  /** Aborting finishes the current batch, keeps the last epoch's checkpoint and marks the run interrupted. */
  signal?: AbortSignal;
  onEvent?: (event: TrainEvent) => void;
  /** Tests: stop after this many batches of the whole run, as if interrupted. */
  stopAfterBatches?: number;
  /** The sweep and trial a new run belongs to, recorded in run.json. */
  sweep?: { id: string; trial: string };
  /**
   * Asked after each epoch is saved; true ends the run there as completed, marked stopped by the
   * scheduler (a sweep's ASHA rung), with its test evaluation like any finished run.
   */
  shouldStop?: (record: EpochRecord) => boolean | Promise<boolean>;
}

export interface TrainResult {
  id: string;
  dir: string;
  status: 'completed' | 'interrupted';
  summary: RunSummary;
  backend: BackendInfo;
}

/** The trainer's own state at the end of an epoch, kept in the checkpoint to resume exactly. */
interface TrainerState {
  epochsCompleted: number;
  learningRate: number;
  scheduleMemory: Record<string, number>;
  best: { value: number; epoch: number } | null;
  wait: number;
  stoppedEarly: boolean;
  trainSeconds: number;
  /** metrics.jsonl's lines so far (kept here too, so checkpoint and metrics never disagree). */
  records: EpochRecord[];
}

const CHECKPOINT_STATE = 'state.json';
const CHECKPOINT_MODEL = 'model';
const CHECKPOINT_OPTIMIZER = 'optimizer.json';
const CHECKPOINT_OPTIMIZER_DATA = 'optimizer.bin';

function nowIso(): string {
  return new Date().toISOString();
}

/** Sets the learning rate of any tfjs optimizer (SGD keeps it in a scalar, the others in a field). */
function setLearningRate(optimizer: tfc.Optimizer, lr: number): void {
  const o = optimizer as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

/** The optimizer's slots (moments, iterations) as bytes, in tfjs' order. */
async function optimizerSnapshot(optimizer: tfc.Optimizer): Promise<{ specs: object[]; bytes: Buffer }> {
  const weights = await optimizer.getWeights();
  const specs: { name: string; shape: number[]; dtype: string }[] = [];
  const parts: Uint8Array[] = [];
  for (const w of weights) {
    const data = await w.tensor.data();
    specs.push({ name: w.name, shape: w.tensor.shape, dtype: w.tensor.dtype });
    parts.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
  }
  return { specs, bytes: Buffer.concat(parts) };
}

async function restoreOptimizer(optimizer: tfc.Optimizer, dir: string): Promise<void> {
  const specs = JSON.parse(readFileSync(join(dir, CHECKPOINT_OPTIMIZER), 'utf8')) as {
    name: string;
    shape: number[];
    dtype: 'float32' | 'int32';
  }[];
  const bytes = readFileSync(join(dir, CHECKPOINT_OPTIMIZER_DATA));
  let offset = 0;
  const named = specs.map((s) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const slice = bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + n * 4);
    offset += n * 4;
    const values = s.dtype === 'int32' ? new Int32Array(slice) : new Float32Array(slice);
    return { name: s.name, tensor: tfc.tensor(values, s.shape, s.dtype) };
  });
  // tfjs matches optimizer slots to variables by position, so the names need not match.
  await optimizer.setWeights(named);
}

/** Per-sample loss of the configured loss function, shape [batch]. */
function perSampleLoss(name: ResolvedConfig['training']['loss'], y: tfc.Tensor, p: tfc.Tensor): tfc.Tensor {
  return losses.byName[name].fn(y, p);
}

function classWeights(config: ResolvedConfig, labels: Float32Array): [number, number] | null {
  const cw = config.training.classWeight;
  if (cw === undefined) return null;
  if (cw === 'balanced') {
    let pos = 0;
    for (const l of labels) if (l >= 0.5) pos++;
    const n = labels.length;
    const neg = n - pos;
    if (pos === 0 || neg === 0) return null;
    return [n / (2 * neg), n / (2 * pos)];
  }
  return [cw['0'], cw['1']];
}

interface Prepared {
  dataset: LoadedDataset;
  prepared: PreparedDataset;
  validation: EncodedPairs | null;
  validationSplit: 'validation' | 'test' | 'none';
}

async function prepareData(config: ResolvedConfig, vocabulary?: Vocabulary): Promise<Prepared> {
  const dataset = await loadDataset(config.data);
  const prepared = prepareDataset(dataset.splits, config.data, vocabulary ? { vocabulary } : {});
  if (prepared.train.count === 0) throw new TrainingError('EMPTY_TRAIN', 'the training split is empty');
  if (!prepared.train.labels) throw new TrainingError('UNLABELLED_TRAIN', 'the training data has no labels');
  // val_* figures come from the validation split; without one, from the test split (reported as such,
  // and never used to stop or pick weights: config checks refuse val_* monitors then).
  const validationSplit =
    prepared.validation.count > 0 ? 'validation' : prepared.test.count > 0 ? 'test' : 'none';
  const validation =
    validationSplit === 'validation'
      ? prepared.validation
      : validationSplit === 'test'
        ? prepared.test
        : null;
  return { dataset, prepared, validation, validationSplit };
}

function evaluationLogs(
  config: ResolvedConfig,
  probs: Float32Array,
  labels: Float32Array,
  prefix: string,
): Record<string, number> {
  const out: Record<string, number> = {};
  const lossValue = tfc.tidy(
    () =>
      tfc
        .mean(
          perSampleLoss(
            config.training.loss,
            tfc.tensor2d(labels, [labels.length, 1]),
            tfc.tensor2d(probs, [probs.length, 1]),
          ),
        )
        .dataSync()[0],
  );
  out[`${prefix}loss`] = lossValue ?? Number.NaN;
  const m = fromConfusion(confusionAt(probs, labels, 0.5), 0.5);
  for (const name of config.training.metrics) {
    if (name === 'accuracy') out[`${prefix}accuracy`] = m.accuracy;
    else if (name === 'precision') out[`${prefix}precision`] = m.precision;
    else if (name === 'recall') out[`${prefix}recall`] = m.recall;
    else if (name === 'binaryCrossentropy') out[`${prefix}binaryCrossentropy`] = logLoss(probs, labels);
  }
  return out;
}

/**
 * Trains a run: a new one from a config, or a resumed one. Every epoch ends with a checkpoint
 * (last model, optimizer and trainer state) in the run folder, so an interruption loses at most the
 * epoch in progress, and a resumed run repeats that epoch exactly (same order, same dropout masks).
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const emit = options.onEvent ?? (() => {});
  let folder: RunFolder;
  let loaded: LoadedConfig;
  let meta: RunMeta;
  let vocabulary: Vocabulary | undefined;
  let state: TrainerState | null = null;
  const resuming = options.resume !== undefined;

  if (options.resume !== undefined) {
    folder = RunFolder.open(options.resume, options.experimentsDir);
    meta = folder.readMeta();
    if (meta.status === 'completed') {
      throw new RunError(
        'RUN_COMPLETED',
        `run ${meta.id} has already completed; there is nothing to resume`,
        {
          suggestions: ['train a new run, e.g. with more epochs: qqp train <config> --set training.epochs=N'],
        },
      );
    }
    loaded = loadConfig(folder.path(RUN_FILES.config));
    try {
      vocabulary = folder.has(RUN_FILES.vocabulary)
        ? await Vocabulary.load(folder.path(RUN_FILES.vocabulary))
        : undefined;
    } catch (err) {
      // A broken file of the run folder is a run problem (exit 6), not a data one.
      throw err instanceof QqpError
        ? new RunError(err.code, err.message, { suggestions: err.suggestions })
        : err;
    }
    const statePath = join(folder.path(RUN_FILES.checkpoint), CHECKPOINT_STATE);
    if (existsSync(statePath))
      state = folder.readJson<TrainerState>(join(RUN_FILES.checkpoint, CHECKPOINT_STATE));
  } else {
    if (!options.loaded) throw new TrainingError('NO_CONFIG', 'train needs a config or a run to resume');
    loaded = options.loaded;
    const name = options.name ?? loaded.config.experiment.name;
    folder = RunFolder.create(options.experimentsDir, name);
    meta = {
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
      ...(options.sweep ? { sweep: options.sweep } : {}),
    };
    folder.writeConfig(loaded.config, process.cwd());
    folder.writeMeta(meta);
  }
  const config = loaded.config;
  meta.commands = [...meta.commands, options.command ?? []];
  meta.status = 'running';
  meta.updatedAt = nowIso();
  delete meta.failure;
  folder.writeMeta(meta);
  folder.log(
    resuming ? `resume: ${(options.command ?? []).join(' ')}` : `start: ${(options.command ?? []).join(' ')}`,
  );
  emit({
    type: 'run',
    id: folder.id,
    dir: folder.dir,
    ...(resuming ? { resumedAt: (state?.epochsCompleted ?? 0) + 1 } : {}),
  });

  let epoch = 0;
  let batchIndex = 0;
  let model: tfl.LayersModel | undefined;
  try {
    const backend = await initBackend(options.backend ?? config.training.backend);
    meta.backend = { name: backend.name, reason: backend.reason, details: backend.details };
    emit({ type: 'backend', info: backend });
    folder.log(`backend: ${backend.reason}`);

    const data = await prepareData(config, vocabulary);
    const { prepared } = data;
    if (resuming && meta.data && meta.data.fingerprint !== data.dataset.fingerprint) {
      throw new RunError(
        'RUN_DATA_CHANGED',
        `the data of run ${meta.id} changed since it started (fingerprint ${data.dataset.fingerprint.slice(0, 12)} ≠ ${meta.data.fingerprint.slice(0, 12)}); resuming would not continue the same run`,
        { suggestions: ['restore the data files, or train a new run'] },
      );
    }
    if (!resuming) await prepared.vocabulary.save(folder.path(RUN_FILES.vocabulary));
    meta.data = {
      fingerprint: data.dataset.fingerprint,
      mode: data.dataset.mode,
      sizes: {
        train: prepared.train.count,
        validation: prepared.validation.count,
        test: prepared.test.count,
      },
      validationSplit: data.validationSplit,
      files: data.dataset.reports.map((r) => ({
        file: r.file,
        format: r.format,
        rows: r.rows,
        badRows: r.badRows,
        invalidUtf8Lines: r.invalidUtf8Lines,
      })),
      vocabularySize: prepared.vocabulary.size,
      sequenceLength: prepared.sequenceLength,
    };
    folder.writeMeta(meta);
    emit({
      type: 'data',
      sizes: meta.data.sizes,
      vocabularySize: prepared.vocabulary.size,
      validationSplit: data.validationSplit,
    });

    model = buildModel(config, { vocabSize: prepared.vocabulary.size, locate: (p) => loaded.locate(p) });
    const optimizer = buildOptimizer(config.training.optimizer);
    const schedule: Schedule | null = config.training.lrSchedule
      ? buildSchedule(config.training.lrSchedule)
      : null;
    const early = config.training.earlyStopping;
    const bestMonitor = early?.monitor ?? (data.validationSplit === 'validation' ? 'val_loss' : 'loss');
    const sign = monitorMode(bestMonitor) === 'min' ? 1 : -1;

    if (state && state.epochsCompleted > 0) {
      const last = await loadModel(join(folder.path(RUN_FILES.checkpoint), CHECKPOINT_MODEL));
      model.setWeights(last.getWeights());
      last.dispose();
      await restoreOptimizer(optimizer, folder.path(RUN_FILES.checkpoint));
    } else {
      state = null;
    }
    state ??= {
      epochsCompleted: 0,
      learningRate: config.training.optimizer.learningRate,
      scheduleMemory: {},
      best: null,
      wait: 0,
      stoppedEarly: false,
      trainSeconds: 0,
      records: [],
    };
    const records = state.records;
    folder.writeMetrics(records);
    setLearningRate(optimizer, state.learningRate);

    const trainData = prepared.train;
    const trainLabels = trainData.labels as Float32Array;
    const weights = classWeights(config, trainLabels);
    const variables = model.trainableWeights.map((w) => w.read() as tfc.Variable);
    const batchSize = config.training.batchSize;
    const epochs = config.training.epochs;
    const batches = Math.ceil(trainData.count / batchSize);
    let interrupted = false;
    let stoppedByScheduler = false;
    let totalBatches = 0;

    const step = (
      xs: tfc.Tensor2D[],
      y: tfc.Tensor2D,
      w: tfc.Tensor1D | null,
    ): { loss: number; probs: Float32Array } => {
      let pred: tfc.Tensor | undefined;
      const lossTensor = tfc.tidy(() => {
        const { value, grads } = tfc.variableGrads(() => {
          const out = (model as tfl.LayersModel).apply(xs.length === 1 ? xs[0]! : xs, {
            training: true,
          }) as tfc.Tensor;
          pred = tfc.keep(out);
          const per = perSampleLoss(config.training.loss, y, out);
          let loss = w ? tfc.mean(tfc.mul(per, w)) : tfc.mean(per);
          const reg = (model as tfl.LayersModel).calculateLosses();
          if (reg.length > 0) loss = tfc.add(loss, tfc.addN(reg));
          return loss as tfc.Scalar;
        }, variables);
        let g = grads;
        const clip = config.training.clipNorm;
        if (clip !== undefined) {
          const norm = tfc.sqrt(tfc.addN(Object.values(grads).map((t) => tfc.sum(tfc.square(t)))));
          const scale = tfc.div(clip, tfc.maximum(norm, clip));
          g = Object.fromEntries(Object.entries(grads).map(([k, t]) => [k, tfc.mul(t, scale)]));
        }
        optimizer.applyGradients(g);
        return value;
      });
      const loss = lossTensor.dataSync()[0]!;
      lossTensor.dispose();
      const probs = (pred as tfc.Tensor).dataSync() as Float32Array;
      (pred as tfc.Tensor).dispose();
      return { loss, probs };
    };

    for (epoch = state.epochsCompleted + 1; epoch <= epochs && !state.stoppedEarly; epoch++) {
      const order = bufferedShuffle(
        trainData.count,
        config.training.shuffleBuffer,
        deriveSeed(config.experiment.seed, 'order', epoch),
      );
      emit({ type: 'epochStart', epoch, epochs, batches, examples: trainData.count });
      const started = performance.now();
      let lossSum = 0;
      let seen = 0;
      const epochProbs = new Float32Array(trainData.count);
      const epochLabels = new Float32Array(trainData.count);
      const finishedBatches = await withSeededMathRandom(
        deriveSeed(config.experiment.seed, 'dropout', epoch),
        async () => {
          for (batchIndex = 0; batchIndex < batches; batchIndex++) {
            const start = batchIndex * batchSize;
            const end = Math.min(trainData.count, start + batchSize);
            const n = end - start;
            const labels = new Float32Array(n);
            for (let i = 0; i < n; i++) labels[i] = trainLabels[order[start + i]!]!;
            const xs = batchInputs(trainData, order, start, end);
            const y = tfc.tensor2d(labels, [n, 1]);
            const w = weights
              ? tfc.tensor1d(Array.from(labels, (l) => (l >= 0.5 ? weights[1] : weights[0])))
              : null;
            const { loss, probs } = step(xs, y, w);
            tfc.dispose([...xs, y, ...(w ? [w] : [])]);
            if (!Number.isFinite(loss)) {
              throw new TrainingError(
                'LOSS_NOT_FINITE',
                `the loss became ${loss} at epoch ${epoch}, batch ${batchIndex + 1} of ${batches}`,
                {
                  suggestions: [
                    'lower training.optimizer.learningRate',
                    'set training.clipNorm (e.g. 1.0) to clip gradients',
                  ],
                },
              );
            }
            lossSum += loss * n;
            epochProbs.set(probs, seen);
            epochLabels.set(labels, seen);
            seen += n;
            totalBatches++;
            const seconds = (performance.now() - started) / 1000;
            const acc = fromConfusion(
              confusionAt(epochProbs.subarray(0, seen), epochLabels.subarray(0, seen), 0.5),
              0.5,
            ).accuracy;
            emit({
              type: 'batch',
              epoch,
              batch: batchIndex + 1,
              batches,
              examples: seen,
              loss: lossSum / seen,
              accuracy: acc,
              examplesPerSecond: seconds > 0 ? seen / seconds : 0,
            });
            // Let the event loop run: signals (Ctrl-C) are delivered there, and every await above
            // is a microtask that never reaches it.
            await new Promise((r) => setImmediate(r));
            if (
              options.signal?.aborted ||
              (options.stopAfterBatches !== undefined && totalBatches >= options.stopAfterBatches)
            ) {
              interrupted = true;
              return batchIndex + 1;
            }
          }
          return batches;
        },
      );
      if (interrupted) {
        folder.log(`interrupted at epoch ${epoch}, batch ${finishedBatches} of ${batches}`);
        emit({ type: 'interrupted', epoch, batch: finishedBatches, epochsCompleted: state.epochsCompleted });
        break;
      }
      const trainSeconds = (performance.now() - started) / 1000;

      const logs: Record<string, number> = { loss: lossSum / seen };
      const trainMetrics = evaluationLogs(config, epochProbs, epochLabels, '');
      for (const name of config.training.metrics) logs[name] = trainMetrics[name] ?? Number.NaN;
      if (data.validation?.labels) {
        emit({ type: 'evaluating', split: data.validationSplit, count: data.validation.count });
        const probs = predictProbabilities(model, data.validation);
        Object.assign(logs, evaluationLogs(config, probs, data.validation.labels, 'val_'));
      }
      const record: EpochRecord = {
        epoch,
        learningRate: state.learningRate,
        seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
        examplesPerSecond: Number((seen / trainSeconds).toFixed(1)),
        ...logs,
      };

      // Best epoch and early stopping.
      const value = logs[bestMonitor];
      const minDelta = early?.minDelta ?? 0;
      const improved =
        value !== undefined && (state.best === null || sign * (state.best.value - value) > minDelta);
      if (improved) {
        state.best = { value: value as number, epoch };
        state.wait = 0;
        await saveModel(model, folder.path(RUN_FILES.bestModel));
      } else {
        state.wait++;
        if (early && state.wait >= early.patience) state.stoppedEarly = true;
      }
      if (schedule) {
        state.learningRate = schedule({
          epoch,
          learningRate: state.learningRate,
          logs,
          memory: state.scheduleMemory,
        });
        setLearningRate(optimizer, state.learningRate);
      }
      state.epochsCompleted = epoch;
      state.trainSeconds += record.seconds;
      records.push(record);

      // Checkpoint: last model, optimizer, trainer state; then the metrics and run.json that point to it.
      // The checkpoint folder holds model, optimizer and state together, replaced as one.
      const artifacts = await modelArtifacts(model);
      const opt = await optimizerSnapshot(optimizer);
      const snapshot = JSON.stringify(state, null, 2);
      replaceDirAtomic(folder.path(RUN_FILES.checkpoint), (dir) => {
        writeModelFiles(join(dir, CHECKPOINT_MODEL), artifacts);
        writeFileSync(join(dir, CHECKPOINT_OPTIMIZER), JSON.stringify(opt.specs));
        writeFileSync(join(dir, CHECKPOINT_OPTIMIZER_DATA), opt.bytes);
        writeFileSync(join(dir, CHECKPOINT_STATE), snapshot);
      });
      replaceDirAtomic(folder.path(RUN_FILES.lastModel), (dir) => writeModelFiles(dir, artifacts));
      folder.writeMetrics(records);
      meta.epochsCompleted = epoch;
      meta.trainSeconds = Number(state.trainSeconds.toFixed(3));
      meta.updatedAt = nowIso();
      folder.writeMeta(meta);
      folder.log(`epoch ${epoch}: ${JSON.stringify(record)}`);
      emit({ type: 'epochEnd', record, improved });
      if (state.stoppedEarly && state.best) {
        emit({ type: 'earlyStop', epoch, monitor: bestMonitor, bestEpoch: state.best.epoch });
        folder.log(`early stop at epoch ${epoch}: ${bestMonitor} best at epoch ${state.best.epoch}`);
      }
      if (!state.stoppedEarly && epoch < epochs && options.shouldStop && (await options.shouldStop(record))) {
        stoppedByScheduler = true;
        folder.log(`stopped by the sweep scheduler at epoch ${epoch}`);
        break;
      }
    }

    const bestRecord = state.best ? (records.find((r) => r.epoch === state?.best?.epoch) ?? null) : null;
    const lastRecord = records.at(-1) ?? null;
    if (interrupted) {
      meta.status = 'interrupted';
      meta.updatedAt = nowIso();
      folder.writeMeta(meta);
      const summary: RunSummary = {
        status: 'interrupted',
        epochs: state.epochsCompleted,
        stoppedEarly: false,
        bestMonitor,
        bestEpoch: state.best?.epoch ?? null,
        best: bestRecord,
        last: lastRecord,
        finalWeights: 'last',
        test: null,
        trainSeconds: meta.trainSeconds,
      };
      return { id: folder.id, dir: folder.dir, status: 'interrupted', summary, backend };
    }

    // The final weights: the best epoch's when early stopping restores them.
    let finalWeights: 'best' | 'last' = 'last';
    if (early?.restoreBestWeights && state.best && state.best.epoch !== state.epochsCompleted) {
      const best = await loadModel(folder.path(RUN_FILES.bestModel));
      model.setWeights(best.getWeights());
      best.dispose();
      finalWeights = 'best';
    }
    let test: RunSummary['test'] = null;
    if (prepared.test.count > 0 && prepared.test.labels) {
      emit({ type: 'evaluating', split: 'test', count: prepared.test.count });
      const probs = predictProbabilities(model, prepared.test);
      test = { split: 'test', ...evaluateBinary(probs, prepared.test.labels) };
    }
    const summary: RunSummary = {
      status: 'completed',
      epochs: state.epochsCompleted,
      stoppedEarly: state.stoppedEarly,
      ...(stoppedByScheduler ? { stoppedBy: 'scheduler' as const } : {}),
      bestMonitor,
      bestEpoch: state.best?.epoch ?? null,
      best: bestRecord,
      last: lastRecord,
      finalWeights,
      test,
      trainSeconds: meta.trainSeconds,
    };
    folder.writeSummary(summary);
    meta.status = 'completed';
    meta.finishedAt = nowIso();
    meta.updatedAt = meta.finishedAt;
    folder.writeMeta(meta);
    folder.log(
      `completed: ${state.epochsCompleted} epochs${test ? `, test accuracy ${test.atHalf.accuracy.toFixed(4)}` : ''}`,
    );
    return { id: folder.id, dir: folder.dir, status: 'completed', summary, backend };
  } catch (err) {
    meta.status = 'failed';
    meta.updatedAt = nowIso();
    meta.failure = {
      code: err instanceof QqpError ? err.code : 'INTERNAL',
      message: err instanceof QqpError ? err.describe() : String((err as Error).stack ?? err),
      ...(epoch > 0 ? { epoch, batch: batchIndex + 1 } : {}),
    };
    folder.writeMeta(meta);
    folder.log(`failed: ${meta.failure.message}`);
    throw err;
  } finally {
    model?.dispose();
  }
}
