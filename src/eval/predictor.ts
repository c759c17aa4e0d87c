import type * as tfl from '@tensorflow/tfjs-layers';
import type { BackendRequest } from '../backend/index.js';
import type { RunRef } from '../runs/records.js';
import { pairRows, type QuestionPair } from './pairs.js';
import { loadRunModel, type OpenedRun, openRun, runRef } from './run.js';
import { runScorer } from './stream.js';

export { pairRows, type QuestionPair } from './pairs.js';

/**
 * A run opened once and kept loaded, for many predictions (`qqp predict`, `qqp serve`,
 * `qqp dedupe`): its tokenizer, vocabulary, features and model. `dispose` frees the model.
 */
export interface Predictor {
  run: OpenedRun;
  ref: RunRef;
  model: tfl.LayersModel;
  /** The backend the model runs on. */
  backend: string;
  /** P(duplicate) of each pair, in order (questions trimmed, as the file readers trim). */
  probabilities(pairs: readonly QuestionPair[], batchSize?: number): Float32Array;
  dispose(): void;
}

export interface OpenPredictorOptions {
  run: string;
  experimentsDir: string;
  backend?: BackendRequest;
}

/** Opens a run and loads its final model (the weights `qqp predict` uses). */
export async function openPredictor(options: OpenPredictorOptions): Promise<Predictor> {
  return predictorFor(await openRun(options.run, options.experimentsDir), options.backend);
}

/** A predictor of a run already opened (openRun): its final model loaded. */
export async function predictorFor(run: OpenedRun, backendRequest?: BackendRequest): Promise<Predictor> {
  const { model, backend } = await loadRunModel(run, backendRequest);
  const score = runScorer(run, model);
  return {
    run,
    ref: runRef(run),
    model,
    backend: backend.name,
    probabilities(pairs, batchSize = 256) {
      const rows = pairRows(pairs);
      if (rows.length === 0) return new Float32Array(0);
      return Float32Array.from(score(rows, batchSize));
    },
    dispose() {
      model.dispose();
    },
  };
}
