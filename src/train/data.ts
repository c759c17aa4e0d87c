import type { ResolvedConfig } from '../config/schema.js';
import type { EncodedPairs } from '../data/encode.js';
import { type LoadedDataset, loadDataset, type PreparedDataset, prepareDataset } from '../data/load.js';
import type { Vocabulary } from '../data/vocabulary.js';
import { TrainingError } from '../errors.js';

/** The data a run trains on, and the split its per-epoch val_* figures come from. */
export interface TrainingData {
  dataset: LoadedDataset;
  prepared: PreparedDataset;
  validation: EncodedPairs | null;
  validationSplit: 'validation' | 'test' | 'none';
}

/** Reads and encodes the config's data (with a resumed run's own vocabulary when given). */
export async function prepareTrainingData(
  config: ResolvedConfig,
  vocabulary?: Vocabulary,
): Promise<TrainingData> {
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
