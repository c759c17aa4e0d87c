import type { ResolvedConfig } from '../config/schema.js';
import type { EncodedPairs } from '../data/encode.js';
import { type LoadedDataset, loadDataset, type PreparedDataset, prepareDataset } from '../data/load.js';
import type { Vocabulary } from '../data/vocabulary.js';
import { DataError, type Problem, TrainingError } from '../errors.js';
import type { ConfigPath } from '../util/paths.js';

/** The data a run trains on, and the split its per-epoch val_* figures come from. */
export interface TrainingData {
  dataset: LoadedDataset;
  prepared: PreparedDataset;
  validation: EncodedPairs | null;
  validationSplit: 'validation' | 'test' | 'none';
}

/** Where a config field was written, for a data error caused by it. */
export type Locate = (path: ConfigPath) => Omit<Problem, 'message'>;

/**
 * A file lacking a column `data.columns` names: the reader's error (file and header), with the
 * config line of each mapped name it lacks.
 */
function locateColumns(err: unknown, config: ResolvedConfig, locate: Locate | undefined): unknown {
  const columns = config.data.columns;
  if (!(err instanceof DataError) || err.code !== 'DATA_BAD_HEADER' || !columns || !locate) return err;
  const problems: Problem[] = [];
  for (const [role, name] of Object.entries(columns)) {
    if (name !== undefined && err.message.includes(`(data.columns.${role})`)) {
      problems.push({
        ...locate(['data', 'columns', role]),
        message: `names "${name}", which the file lacks`,
      });
    }
  }
  if (problems.length === 0) return err;
  return new DataError(err.code, err.message, { suggestions: err.suggestions, problems, cause: err });
}

/** Reads and encodes the config's data (with a resumed run's own vocabulary when given). */
export async function prepareTrainingData(
  config: ResolvedConfig,
  vocabulary?: Vocabulary,
  locate?: Locate,
): Promise<TrainingData> {
  let dataset: LoadedDataset;
  try {
    dataset = await loadDataset(config.data);
  } catch (err) {
    throw locateColumns(err, config, locate);
  }
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
