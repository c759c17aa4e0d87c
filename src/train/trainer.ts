/**
 * The trainer: the epoch loop, in this file, and its parts, each with one concern.
 *
 *   trainer.ts     the epoch loop: epoch order and dropout seeds, batches, events, interruption,
 *                  each epoch's record, the schedule, the end (best weights restored, test split)
 *   lifecycle.ts   the run in its folder: create or resume, run.json's status, the data recorded,
 *                  each epoch saved (checkpoint, models, metrics), summary.json (the one part that
 *                  holds a RunFolder)
 *   data.ts        the data: loaded, encoded, and the split behind val_* (test_* without validation)
 *   step.ts        one batch: tensors, forward, loss, class weights, gradients, clipping, update
 *   epoch-logs.ts  an epoch's loss and metrics on a set of pairs
 *   monitor.ts     best-so-far of the monitored value: best epoch and early stopping
 *   checkpoint.ts  model + optimizer + trainer state taken and restored as one
 *   random.ts      seeds, epoch order (shuffle buffer), seeded Math.random for dropout
 *   metrics.ts, predict.ts   pure metrics; batched inference (shared with src/eval)
 *
 * The run-folder records (EpochRecord, RunSummary, TrainerState, ...) are in src/runs/records.ts.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { type BackendInfo, type BackendRequest, initBackend } from '../backend/index.js';
import type { LoadedConfig } from '../config/load.js';
import type { ResolvedConfig } from '../config/schema.js';
import type { EncodedPairs } from '../data/encode.js';
import { describeDropped } from '../data/load.js';
import { TrainingError } from '../errors.js';
import { buildModel } from '../model/build.js';
import { pretrainedDims } from '../model/pretrained.js';
import { buildOptimizer } from '../registry/optimizers.js';
import { buildSchedule, type Schedule } from '../registry/schedules.js';
import type { DataFileRecord, EmbeddingsRecord, EpochRecord, RunSummary } from '../runs/records.js';
import { faultPoint } from '../util/faults.js';
import { bucketingDifference, bucketOrder, questionLengths } from './buckets.js';
import { initialState } from './checkpoint.js';
import { prepareTrainingData } from './data.js';
import { epochLogs } from './epoch-logs.js';
import { type RunRequest, TrainingRun } from './lifecycle.js';
import {
  bestF1Threshold,
  confusionAt,
  evaluateBinary,
  fromConfusion,
  type ThresholdChoice,
} from './metrics.js';
import { BestMonitor, bestMonitorName, heldOutPrefix } from './monitor.js';
import { predictProbabilities } from './predict.js';
import { bufferedShuffle, deriveSeed, withSeededMathRandom } from './random.js';
import { checkLossFinite, makeTrainStep, setLearningRate } from './step.js';

export type TrainEvent =
  | { type: 'backend'; info: BackendInfo }
  | {
      type: 'data';
      sizes: { train: number; validation: number; test: number };
      vocabularySize: number;
      validationSplit: string;
      /** The value that picks the best epoch (marked `*` on epoch lines); null: none does. */
      monitor: string | null;
      /** Each file read and what reading it skipped. */
      files: DataFileRecord[];
      /** Pretrained vectors in use and their coverage. */
      embeddings?: EmbeddingsRecord[];
      /** What data.dedupe / data.dropTestOverlap left out, as lines for people. */
      dropped: string[];
    }
  | { type: 'run'; id: string; dir: string; resumedAt?: number; notes?: string[] }
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

/** A run to train (new or resumed: see RunRequest) and how. */
export interface TrainOptions extends RunRequest {
  /** Overrides training.backend. */
  backend?: BackendRequest;
  /** The command line, recorded in run.json. */
  command?: string[];
  /** Aborting finishes the current batch, keeps the last epoch's checkpoint and marks the run interrupted. */
  signal?: AbortSignal;
  onEvent?: (event: TrainEvent) => void;
  /** Tests: stop after this many batches of the whole run, as if interrupted. */
  stopAfterBatches?: number;
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
  /** The data files read and what reading them skipped (as in run.json). */
  dataFiles: DataFileRecord[];
}

/**
 * training.bucketByLength: the questions' lengths of the training split, once the model is known
 * to compute the same on batches cut to their longest question (it masks its padding); a model
 * that does not is refused at the field's line.
 */
function checkedBucketing(
  model: tfl.LayersModel,
  config: ResolvedConfig,
  data: EncodedPairs,
  loaded: LoadedConfig,
): Uint16Array {
  const padding = config.data.encoding.padding;
  const lengths = questionLengths(data, padding);
  const difference = bucketingDifference(model, data, lengths, padding);
  if (difference > BUCKETING_TOLERANCE) {
    const message = `the model's output changes when padded timesteps are skipped (by up to ${difference.toPrecision(3)} on the shortest training pairs): it does not mask its padding`;
    throw new TrainingError('BUCKETING_NOT_EXACT', `training.bucketByLength: ${message}`, {
      problems: [{ ...loaded.locate(['training', 'bucketByLength']), message }],
      suggestions: [
        "set maskZero: true on the model's embeddings (layers that ignore masks, such as conv1d or flatten, cannot be cut either)",
        'or remove training.bucketByLength',
      ],
    });
  }
  return lengths;
}

/** How far cut and whole batches may differ: rounding in the kernels, not a change of model. */
const BUCKETING_TOLERANCE = 1e-5;

/**
 * Trains a run: a new one from a config, or a resumed one. Every epoch ends with a checkpoint
 * (last model, optimizer and trainer state) in the run folder, so an interruption loses at most the
 * epoch in progress, and a resumed run repeats that epoch exactly (same order, same dropout masks).
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const emit = options.onEvent ?? (() => {});
  const run = await TrainingRun.open(options);
  const { loaded, resuming } = run;
  let state = run.saved;
  const config = loaded.config;
  run.begin(options.command);
  emit({
    type: 'run',
    id: run.id,
    dir: run.dir,
    ...(resuming ? { resumedAt: (state?.epochsCompleted ?? 0) + 1 } : {}),
    ...(run.notes.length > 0 ? { notes: run.notes } : {}),
  });

  let epoch = 0;
  let batchIndex = 0;
  let model: tfl.LayersModel | undefined;
  try {
    const backend = await initBackend(options.backend ?? config.training.backend);
    emit({ type: 'backend', info: backend });
    run.useBackend(backend);

    // A source that cannot be read or an outputDim other than its dimension: a config error at its line.
    await pretrainedDims(loaded);
    const data = await prepareTrainingData(config, run.vocabulary, {
      locate: (path) => loaded.locate(path),
      ...(run.features ? { features: run.features } : {}),
      ...(run.featureVectors ? { featureVectors: run.featureVectors } : {}),
    });
    const { prepared } = data;
    const dataMeta = await run.useData(data);
    const bestMonitor = bestMonitorName(config, data.validationSplit);
    emit({
      type: 'data',
      sizes: dataMeta.sizes,
      vocabularySize: prepared.vocabulary.size,
      validationSplit: data.validationSplit,
      monitor: bestMonitor,
      files: dataMeta.files,
      ...(data.embeddings.length > 0 ? { embeddings: data.embeddings } : {}),
      dropped: describeDropped(data.dataset.dropped, data.dataset.mode),
    });

    model = buildModel(config, {
      vocabSize: prepared.vocabulary.size,
      locate: (p) => loaded.locate(p),
      pretrained: (source) => data.pretrained.get(source),
    });
    const optimizer = buildOptimizer(config.training.optimizer);
    const schedule: Schedule | null = config.training.lrSchedule
      ? buildSchedule(config.training.lrSchedule)
      : null;
    const early = config.training.earlyStopping;

    if (state && state.epochsCompleted > 0) {
      await run.restoreCheckpoint(model, optimizer);
    } else {
      state = null;
    }
    state ??= initialState(config.training.optimizer.learningRate);
    const monitor = new BestMonitor(bestMonitor, state, early);
    const records = state.records;
    run.writeEpochs(records);
    setLearningRate(optimizer, state.learningRate);

    const trainData = prepared.train;
    const lengths = config.training.bucketByLength
      ? checkedBucketing(model, config, trainData, loaded)
      : undefined;
    const step = makeTrainStep(model, optimizer, config, trainData, lengths ? { lengths } : {});
    const batchSize = config.training.batchSize;
    const epochs = config.training.epochs;
    const batches = Math.ceil(trainData.count / batchSize);
    let interrupted = false;
    let stoppedByScheduler = false;
    let totalBatches = 0;

    for (epoch = state.epochsCompleted + 1; epoch <= epochs && !state.stoppedEarly; epoch++) {
      const shuffled = bufferedShuffle(
        trainData.count,
        config.training.shuffleBuffer,
        deriveSeed(config.experiment.seed, 'order', epoch),
      );
      const order = lengths
        ? bucketOrder(shuffled, lengths, batchSize, deriveSeed(config.experiment.seed, 'buckets', epoch))
        : shuffled;
      emit({ type: 'epochStart', epoch, epochs, batches, examples: trainData.count });
      const started = performance.now();
      let lossSum = 0;
      let seen = 0;
      const epochProbs = new Float32Array(trainData.count);
      const epochLabels = new Float32Array(trainData.count);
      const counts = { tp: 0, fp: 0, tn: 0, fn: 0 };
      const finishedBatches = await withSeededMathRandom(
        deriveSeed(config.experiment.seed, 'dropout', epoch),
        async () => {
          for (batchIndex = 0; batchIndex < batches; batchIndex++) {
            const start = batchIndex * batchSize;
            const end = Math.min(trainData.count, start + batchSize);
            const n = end - start;
            const { loss, probs, labels } = step(order, start, end);
            checkLossFinite(loss, epoch, batchIndex + 1, batches);
            lossSum += loss * n;
            epochProbs.set(probs, seen);
            epochLabels.set(labels, seen);
            seen += n;
            totalBatches++;
            faultPoint('batch');
            const seconds = (performance.now() - started) / 1000;
            // The epoch's counts so far, a batch at a time (recounting every example seen at
            // every batch made an epoch's bookkeeping grow with the square of its size).
            const c = confusionAt(probs, labels, 0.5);
            counts.tp += c.tp;
            counts.fp += c.fp;
            counts.tn += c.tn;
            counts.fn += c.fn;
            const acc = fromConfusion(counts, 0.5).accuracy;
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
        run.log(`interrupted at epoch ${epoch}, batch ${finishedBatches} of ${batches}`);
        emit({ type: 'interrupted', epoch, batch: finishedBatches, epochsCompleted: state.epochsCompleted });
        break;
      }
      const trainSeconds = (performance.now() - started) / 1000;

      const logs: Record<string, number> = { loss: lossSum / seen };
      const trainMetrics = epochLogs(config, epochProbs, epochLabels, '');
      for (const name of config.training.metrics) logs[name] = trainMetrics[name] ?? Number.NaN;
      if (data.validation?.labels) {
        emit({ type: 'evaluating', split: data.validationSplit, count: data.validation.count });
        const probs = predictProbabilities(model, data.validation);
        Object.assign(
          logs,
          epochLogs(config, probs, data.validation.labels, heldOutPrefix(data.validationSplit)),
        );
      }
      const record: EpochRecord = {
        epoch,
        learningRate: state.learningRate,
        seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
        examplesPerSecond: Number((seen / trainSeconds).toFixed(1)),
        ...logs,
      };

      const improved = monitor.update(epoch, logs);
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
      await run.saveEpoch(model, optimizer, state, record, improved);
      emit({ type: 'epochEnd', record, improved });
      if (state.stoppedEarly && state.best && bestMonitor) {
        emit({ type: 'earlyStop', epoch, monitor: bestMonitor, bestEpoch: state.best.epoch });
        run.log(`early stop at epoch ${epoch}: ${bestMonitor} best at epoch ${state.best.epoch}`);
      }
      if (!state.stoppedEarly && epoch < epochs && options.shouldStop && (await options.shouldStop(record))) {
        stoppedByScheduler = true;
        run.log(`stopped by the sweep scheduler at epoch ${epoch}`);
        break;
      }
    }

    // Past the epochs: a failure from here on (the test split) is not inside one.
    if (!interrupted) epoch = 0;
    if (interrupted) {
      const summary = run.interrupt(state, bestMonitor);
      return { id: run.id, dir: run.dir, status: 'interrupted', summary, backend, dataFiles: dataMeta.files };
    }

    // The final weights: the best epoch's when early stopping restores them.
    let finalWeights: 'best' | 'last' = 'last';
    if (early?.restoreBestWeights && state.best && state.best.epoch !== state.epochsCompleted) {
      const best = await run.loadBestModel();
      model.setWeights(best.getWeights());
      best.dispose();
      finalWeights = 'best';
    }
    let test: RunSummary['test'] = null;
    if (prepared.test.count > 0 && prepared.test.labels) {
      // The F1-best threshold is chosen on the validation split (final weights) and applied to
      // test; without one it is chosen on test itself, and marked optimistic.
      let choice: ThresholdChoice = { scoredOn: 'test' };
      if (data.validationSplit === 'validation' && data.validation?.labels) {
        emit({ type: 'evaluating', split: 'validation', count: data.validation.count });
        const chosen = bestF1Threshold(predictProbabilities(model, data.validation), data.validation.labels);
        choice = { threshold: chosen.threshold, chosenOn: 'validation' };
      }
      emit({ type: 'evaluating', split: 'test', count: prepared.test.count });
      const probs = predictProbabilities(model, prepared.test);
      test = { split: 'test', ...evaluateBinary(probs, prepared.test.labels, choice) };
    }
    const summary = run.complete(state, { bestMonitor, finalWeights, test, stoppedByScheduler });
    return { id: run.id, dir: run.dir, status: 'completed', summary, backend, dataFiles: dataMeta.files };
  } catch (err) {
    run.fail(err, epoch, batchIndex + 1);
    throw err;
  } finally {
    model?.dispose();
  }
}
