import type { ResolvedConfig } from '../config/schema.js';
import type { EncodedPairs } from '../data/encode.js';
import { type FeatureStats, type FittingVectors, featureWords } from '../data/features.js';
import {
  type LoadedDataset,
  loadDataset,
  type PreparedDataset,
  prepareDataset,
  trainTokenCounts,
} from '../data/load.js';
import { isVectorFeature, pairFeatureNames } from '../data/schema.js';
import { DEFAULT_TOKENIZER, Tokenizer } from '../data/tokenizer.js';
import { RESERVED_TOKENS, type Vocabulary } from '../data/vocabulary.js';
import { coverageOf, type LoadedVectors, loadFirstWords, loadVectors } from '../embeddings/load.js';
import { type PretrainedTable, pretrainedTable } from '../embeddings/table.js';
import { DataError, type Problem, TrainingError } from '../errors.js';
import { pretrainedLayers } from '../registry/layers.js';
import type { EmbeddingsRecord } from '../runs/records.js';
import type { ConfigPath } from '../util/paths.js';

/** The data a run trains on, and the split its per-epoch val_* (or test_*) figures come from. */
export interface TrainingData {
  dataset: LoadedDataset;
  prepared: PreparedDataset;
  validation: EncodedPairs | null;
  validationSplit: 'validation' | 'test' | 'none';
  /** Embedding tables from pretrained vectors, by source, laid out for the vocabulary. */
  pretrained: Map<string, PretrainedTable>;
  /** What run.json records of each source. */
  embeddings: EmbeddingsRecord[];
  /** The training words' vectors for vector pair features (data.features.vectors), else null. */
  featureVectors: FittingVectors | null;
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

export interface TrainingDataOptions {
  /** The embeddings cache folder (default: embeddings' cacheDir()). */
  cacheDir?: string;
  /** Where config fields were written, for data errors caused by them (data.columns). */
  locate?: Locate;
  /** A resumed run's feature statistics (features.json); a new run fits its own. */
  features?: FeatureStats;
  /** A resumed run's feature vectors (feature-vectors.f32); a new run loads them from the source. */
  featureVectors?: FittingVectors;
}

/**
 * Reads and encodes the config's data (with a resumed run's own vocabulary when given). With
 * pretrained vectors, the training tokens are counted first, their vectors loaded (cached), and the
 * vocabulary built from words with a vector plus words without one seen `oovMinCount` times
 * (none with `oov: shared`).
 */
export async function prepareTrainingData(
  config: ResolvedConfig,
  vocabulary?: Vocabulary,
  options: TrainingDataOptions = {},
): Promise<TrainingData> {
  let dataset: LoadedDataset;
  try {
    dataset = await loadDataset(config.data);
  } catch (err) {
    throw locateColumns(err, config, options.locate);
  }
  const layers = pretrainedLayers(config.model);
  const vectors = new Map<string, LoadedVectors>();
  let counts: Map<string, number> | undefined;
  let keepToken: ((token: string, count: number) => boolean) | undefined;
  let extraTokens: string[] | undefined;
  if (layers.length > 0) {
    counts = trainTokenCounts(dataset.splits.train, config.data.tokenizer);
    const { minCount, oovMinCount, pretrainedWords } = config.data.vocabulary;
    // Every word the vocabulary could hold: the same list on a resume, so the cache serves it.
    const candidates = [...counts].filter(([, c]) => c >= minCount).map(([t]) => t);
    if (pretrainedWords !== undefined) {
      // The first pretrained layer's source: its most frequent words join the vocabulary.
      extraTokens = (
        await loadFirstWords(
          layers[0]!.pretrained.source,
          pretrainedWords,
          options.cacheDir ? { cacheDir: options.cacheDir } : {},
        )
      ).words;
      candidates.push(...extraTokens);
    }
    for (const { pretrained } of layers) {
      if (!vectors.has(pretrained.source)) {
        vectors.set(
          pretrained.source,
          await loadVectors(
            pretrained.source,
            candidates,
            options.cacheDir ? { cacheDir: options.cacheDir } : {},
          ),
        );
      }
    }
    const has = (t: string) => [...vectors.values()].some((v) => v.rowOf.has(t));
    // The first pretrained layer's oov decides what the vocabulary keeps of words without vectors.
    const shared = layers[0]!.pretrained.oov === 'shared';
    const frequent = oovMinCount ?? minCount;
    keepToken = (t, c) => has(t) || (!shared && c >= frequent);
  }
  const featureVectors =
    options.featureVectors ?? (await loadFeatureVectors(config, dataset, options.cacheDir));
  const prepared = prepareDataset(dataset.splits, config.data, {
    ...(vocabulary ? { vocabulary } : {}),
    ...(keepToken ? { keepToken } : {}),
    ...(extraTokens ? { extraTokens } : {}),
    ...(options.features ? { features: options.features } : {}),
    ...(featureVectors ? { featureVectors } : {}),
  });
  if (prepared.train.count === 0) throw new TrainingError('EMPTY_TRAIN', 'the training split is empty');
  if (!prepared.train.labels) throw new TrainingError('UNLABELLED_TRAIN', 'the training data has no labels');
  // val_* figures come from the validation split; without one, test_* from the test split (reported
  // as such, and never used to stop or pick weights: config checks refuse val_* monitors then).
  const validationSplit =
    prepared.validation.count > 0 ? 'validation' : prepared.test.count > 0 ? 'test' : 'none';
  const validation =
    validationSplit === 'validation'
      ? prepared.validation
      : validationSplit === 'test'
        ? prepared.test
        : null;

  const pretrained = new Map<string, PretrainedTable>();
  const embeddings: EmbeddingsRecord[] = [];
  for (const { pretrained: spec } of layers) {
    if (pretrained.has(spec.source)) continue;
    const v = vectors.get(spec.source)!;
    const table = pretrainedTable(prepared.vocabulary.tokens, v, spec.oov, config.experiment.seed);
    pretrained.set(spec.source, table);
    const words = new Map(
      prepared.vocabulary.tokens.slice(RESERVED_TOKENS.length).map((t) => [t, 1] as [string, number]),
    );
    const vocab = coverageOf(words, (t) => v.rowOf.has(t));
    const tokens = coverageOf(counts!, (t) => v.rowOf.has(t));
    embeddings.push({
      source: spec.source,
      file: v.resolved.path,
      sha256: v.sha256,
      dim: v.dim,
      trainable: spec.trainable,
      oov: spec.oov,
      sourceWords: v.total,
      vocabularyWords: vocab.words,
      vocabularyFound: vocab.wordsFound,
      vocabularyCoverage: vocab.vocabulary,
      trainTokens: tokens.tokens,
      trainTokensFound: tokens.tokensFound,
      trainTokenCoverage: tokens.tokenShare,
      tunedRows: spec.trainable ? prepared.vocabulary.size : table.tunedIds.length,
      cached: v.fromCache,
    });
  }
  return { dataset, prepared, validation, validationSplit, pretrained, embeddings, featureVectors };
}

/** The vectors of the training split's words for vector pair features, or null when none is asked for. */
async function loadFeatureVectors(
  config: ResolvedConfig,
  dataset: LoadedDataset,
  cacheDir: string | undefined,
): Promise<FittingVectors | null> {
  const spec = config.data.features?.vectors;
  if (!spec || !pairFeatureNames(config.data.features).some(isVectorFeature)) return null;
  const tokenizer = new Tokenizer({ ...DEFAULT_TOKENIZER, ...config.data.tokenizer });
  const words = featureWords(dataset.splits.train, tokenizer);
  const v = await loadVectors(spec.source, words, cacheDir ? { cacheDir } : {});
  return { source: spec.source, sha256: v.sha256, vectors: { dim: v.dim, words: v.words, values: v.values } };
}
