import { useInspectionBackend } from '../backend/index.js';
import type { LoadedConfig } from '../config/load.js';
import { sequenceLength } from '../data/encode.js';
import type { LayersModel } from '../registry/models.js';
import { buildFromLoaded, dimsLookup } from './build.js';
import { pretrainedDims } from './pretrained.js';

export interface LayerSummary {
  name: string;
  /** tfjs class name: Embedding, Bidirectional, Dense, ... (Functional for a nested encoder). */
  className: string;
  outputShape: unknown;
  params: number;
  trainableParams: number;
}

export interface ModelSummary {
  name: string;
  layers: LayerSummary[];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Each layer's output shape and parameter counts, and the totals, as in Keras' `model.summary()`. */
export function summarizeModel(model: LayersModel): ModelSummary {
  const layers: LayerSummary[] = model.layers.map((layer) => {
    const trainable = layer.trainableWeights.reduce((n, w) => n + size(w.shape as number[]), 0);
    const all = layer.countParams();
    // A wrapper names what it wraps: Bidirectional(QqpFusedLSTM) or Bidirectional(LSTM).
    const inner = (layer as { forwardLayer?: { getClassName(): string } }).forwardLayer;
    return {
      name: layer.name,
      className: inner ? `${layer.getClassName()}(${inner.getClassName()})` : layer.getClassName(),
      outputShape: layer.outputShape,
      params: all,
      trainableParams: trainable,
    };
  });
  const trainableParams = model.trainableWeights.reduce((n, w) => n + size(w.shape as number[]), 0);
  const totalParams = model.countParams();
  return {
    name: model.name,
    layers,
    totalParams,
    trainableParams,
    nonTrainableParams: totalParams - trainableParams,
  };
}

export interface ConfigModelSummary extends ModelSummary {
  config: string;
  vocabSize: number;
  /** Where vocabSize came from: a stated placeholder unless given. */
  vocabSizeSource: string;
  sequenceLength: number;
}

/** Builds the model a config describes, without data, and summarizes it. */
export async function summarizeConfig(loaded: LoadedConfig, vocabSize?: number): Promise<ConfigModelSummary> {
  await useInspectionBackend();
  const size = vocabSize ?? loaded.config.data.vocabulary.maxSize;
  const model = buildFromLoaded(loaded, size, dimsLookup(await pretrainedDims(loaded)));
  try {
    return {
      config: loaded.file,
      vocabSize: size,
      vocabSizeSource:
        vocabSize === undefined
          ? 'a placeholder: data.vocabulary.maxSize; training uses the size of the vocabulary built from the data'
          : '--vocab-size',
      sequenceLength: sequenceLength(loaded.config.data.encoding),
      ...summarizeModel(model),
    };
  } finally {
    model.dispose();
  }
}
