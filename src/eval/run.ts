import type * as tfl from '@tensorflow/tfjs-layers';
import { type BackendInfo, type BackendRequest, initBackend } from '../backend/index.js';
import { type LoadedConfig, loadConfig } from '../config/load.js';
import type { ResolvedConfig } from '../config/schema.js';
import { DEFAULT_ENCODING, type EncodedPairs, encodePairs } from '../data/encode.js';
import { featuresOn, PairFeaturizer } from '../data/features.js';
import type { PairRow } from '../data/read.js';
import type { EncodingConfig } from '../data/schema.js';
import type { Tokenizer } from '../data/tokenizer.js';
import { Vocabulary } from '../data/vocabulary.js';
import { ConfigError, DataError, RunError } from '../errors.js';
import { RUN_FILES, RunFolder } from '../runs/folder.js';
import { loadModel } from '../runs/model-io.js';
import type { RunMeta, RunRef, RunSummary } from '../runs/records.js';

/**
 * A trained run opened for inference: its config, vocabulary and which weights to use, checked
 * before anything slow happens. Every problem with the folder is a RunError naming the file.
 */
export interface OpenedRun {
  folder: RunFolder;
  id: string;
  dir: string;
  meta: RunMeta;
  loaded: LoadedConfig;
  config: ResolvedConfig;
  vocabulary: Vocabulary;
  tokenizer: Tokenizer;
  encoding: EncodingConfig;
  /** The run's pair features and exact-match bits (data.features) with its saved statistics; else null. */
  features: PairFeaturizer | null;
  /** Which saved model is used: the run's final weights (summary.json), or the last epoch's. */
  weights: 'best' | 'last';
  /** Whether the run completed (has summary.json). */
  completed: boolean;
  /** Things the user should know about the choice of model, e.g. an unfinished run. */
  notes: string[];
}

export function runRef(run: OpenedRun): RunRef {
  return { id: run.id, dir: run.dir, weights: run.weights, completed: run.completed, notes: run.notes };
}

const RETRAIN =
  'the run folder is incomplete or damaged; train the run again (or restore the file from a copy)';

function readMeta(folder: RunFolder): RunMeta {
  const meta = folder.readMeta();
  if (typeof meta !== 'object' || meta === null || typeof (meta as Partial<RunMeta>).status !== 'string') {
    throw new RunError('RUN_FILE_CORRUPT', `${folder.path(RUN_FILES.meta)}: not a qqp run.json (no status)`, {
      suggestions: [RETRAIN],
    });
  }
  return meta;
}

function readRunConfig(folder: RunFolder): LoadedConfig {
  const file = folder.path(RUN_FILES.config);
  if (!folder.has(RUN_FILES.config)) {
    throw new RunError('RUN_FILE_MISSING', `${file}: missing (every run folder holds its resolved config)`, {
      suggestions: [RETRAIN],
    });
  }
  try {
    return loadConfig(file);
  } catch (err) {
    // The run's own config is part of the run folder: a broken one is a damaged run, not a user config.
    if (err instanceof ConfigError) {
      throw new RunError('RUN_CONFIG_INVALID', `${file}: the run's config is not valid: ${err.message}`, {
        problems: err.problems,
        suggestions: [RETRAIN],
        cause: err,
      });
    }
    throw err;
  }
}

async function readVocabulary(folder: RunFolder, meta: RunMeta): Promise<Vocabulary> {
  const file = folder.path(RUN_FILES.vocabulary);
  let vocabulary: Vocabulary;
  try {
    vocabulary = await Vocabulary.load(file);
  } catch (err) {
    if (err instanceof DataError) {
      const missing = err.code === 'DATA_VOCABULARY_NOT_FOUND';
      throw new RunError(
        missing ? 'RUN_FILE_MISSING' : 'RUN_FILE_CORRUPT',
        missing ? `${file}: missing` : err.message,
        {
          suggestions: [
            missing && meta.epochsCompleted === 0
              ? 'the run stopped before its data was prepared; train it again'
              : 'the vocabulary must be the one the model was trained with; train the run again',
          ],
          cause: err,
        },
      );
    }
    throw err;
  }
  const expected = meta.data?.vocabularySize;
  if (expected !== undefined && expected !== vocabulary.size) {
    throw new RunError(
      'RUN_VOCABULARY_MISMATCH',
      `${file}: ${vocabulary.size} tokens, but run.json records a vocabulary of ${expected}: it is not the vocabulary this model was trained with`,
      { suggestions: [RETRAIN] },
    );
  }
  return vocabulary;
}

/** Opens a run (folder path or id under `experimentsDir`) and checks the files inference needs. */
export async function openRun(ref: string, experimentsDir: string): Promise<OpenedRun> {
  const folder = RunFolder.open(ref, experimentsDir);
  const meta = readMeta(folder);
  const loaded = readRunConfig(folder);
  const vocabulary = await readVocabulary(folder, meta);
  const notes: string[] = [];
  let weights: 'best' | 'last' = 'last';
  const completed = folder.has(RUN_FILES.summary);
  if (completed) {
    const summary: Partial<RunSummary> = folder.readSummary();
    if (summary.finalWeights !== 'best' && summary.finalWeights !== 'last') {
      throw new RunError(
        'RUN_FILE_CORRUPT',
        `${folder.path(RUN_FILES.summary)}: finalWeights is ${JSON.stringify(summary.finalWeights)}, expected "best" or "last"`,
        { suggestions: [RETRAIN] },
      );
    }
    weights = summary.finalWeights;
  } else {
    notes.push(
      `run ${folder.id} did not complete (status ${meta.status}, ${meta.epochsCompleted} epoch(s) done): using the last completed epoch's model (model/last)`,
    );
  }
  const config = loaded.config;
  const tokenizer = vocabulary.tokenizer();
  // The statistics fitted on the run's training split, never refitted on what is evaluated.
  let features: PairFeaturizer | null = null;
  if (featuresOn(config.data.features)) {
    const stats = folder.readFeatures(config.data.features);
    const vectors = stats.vectors ? (await folder.readFeatureVectors(stats)).vectors : null;
    features = new PairFeaturizer(stats, tokenizer, vectors);
  }
  return {
    folder,
    id: folder.id,
    dir: folder.dir,
    meta,
    loaded,
    config,
    vocabulary,
    tokenizer,
    encoding: { ...DEFAULT_ENCODING, ...config.data.encoding },
    features,
    weights,
    completed,
    notes,
  };
}

/** Starts the backend (the run's own training.backend unless overridden) and loads the chosen model. */
export async function loadRunModel(
  run: OpenedRun,
  backend?: BackendRequest,
): Promise<{ model: tfl.LayersModel; backend: BackendInfo }> {
  const info = await initBackend(backend ?? run.config.training.backend);
  const dir = run.folder.path(run.weights === 'best' ? RUN_FILES.bestModel : RUN_FILES.lastModel);
  const model = await loadModel(dir);
  return { model, backend: info };
}

/** Encodes rows with the run's tokenizer, vocabulary, encoding and features (never augmented). */
export function encodeForRun(run: OpenedRun, rows: readonly PairRow[]): EncodedPairs {
  const encoded = encodePairs(rows, run.tokenizer, run.vocabulary, run.encoding);
  return run.features ? run.features.encode(encoded, rows, run.encoding) : encoded;
}
