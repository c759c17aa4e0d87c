import type { LoadedConfig } from '../config/load.js';
import type { ResolvedConfig } from '../config/schema.js';
import { sequenceLength } from '../data/encode.js';
import { pairFeatureNames } from '../data/schema.js';
import type { Problem } from '../errors.js';
import { TFJS } from '../layers/tfjs.js';
import { buildModelShape, kerasNames, type LayersModel } from '../registry/models.js';
import type { BuildContext } from '../registry/types.js';
import type { ConfigPath } from '../util/paths.js';

export interface BuildOptions {
  /** Rows of the embedding table: the vocabulary's size. */
  vocabSize: number;
  locate?: (path: ConfigPath) => Omit<Problem, 'message'>;
  /** Pretrained vectors by source (see BuildContext.pretrained). */
  pretrained?: BuildContext['pretrained'];
}

/**
 * Seeds for initializers and dropout: a fixed sequence from the experiment seed, so the same config
 * builds the same initial weights.
 */
export function seedSequence(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    // xorshift32 step; enough to give each initializer a distinct, reproducible seed.
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

/** Builds the tfjs model a resolved config describes (not compiled). Needs an initialised backend. */
export function buildModel(config: ResolvedConfig, options: BuildOptions): LayersModel {
  const nextSeed = seedSequence(config.experiment.seed === 0 ? 1 : config.experiment.seed);
  return buildModelShape(config.model, {
    tf: TFJS,
    vocabSize: options.vocabSize,
    nextSeed,
    layerName: kerasNames(),
    sequenceLength: sequenceLength(config.data.encoding),
    // From the config, not the data: summary and validate build without any rows.
    featureCount: pairFeatureNames(config.data.features).length,
    ...(options.locate ? { locate: options.locate } : {}),
    ...(options.pretrained ? { pretrained: options.pretrained } : {}),
  });
}

/** Only the dimension of each pretrained source (a build without data). */
export function dimsLookup(dims: ReadonlyMap<string, number>): NonNullable<BuildContext['pretrained']> {
  return (source) => {
    const dim = dims.get(source);
    return dim === undefined ? undefined : { dim };
  };
}

export function buildFromLoaded(
  loaded: LoadedConfig,
  vocabSize: number,
  pretrained?: BuildContext['pretrained'],
): LayersModel {
  return buildModel(loaded.config, {
    vocabSize,
    locate: (p) => loaded.locate(p),
    ...(pretrained ? { pretrained } : {}),
  });
}
