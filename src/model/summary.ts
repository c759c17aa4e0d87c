import { useInspectionBackend } from '../backend/index.js';
import type { LoadedConfig } from '../config/load.js';
import { sequenceLength } from '../data/encode.js';
import { graphNodeName } from '../registry/graph.js';
import type { LayersModel } from '../registry/models.js';
import { buildFromLoaded, dimsLookup } from './build.js';
import { pretrainedDims } from './pretrained.js';

export interface LayerSummary {
  /** The layer's name; a second application of a shared layer: its graph node's name, or `layer[1]`. */
  name: string;
  /** tfjs class name: Embedding, Bidirectional, Dense, ... (Functional for a nested encoder). */
  className: string;
  outputShape: unknown;
  /** Its weights' size, counted once: 0 on the rows of a shared layer's later applications. */
  params: number;
  trainableParams: number;
  /** What it reads (Keras' "Connected to"): layers or graph nodes, `node.1` for a second output. */
  connectedTo: string[];
  /** On a later application of a shared layer: the layer whose weights it uses. */
  sharedWith?: string;
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

interface InboundNode {
  inboundLayers: { name: string; inboundNodes: unknown[] }[];
  nodeIndices: number[];
  tensorIndices: number[];
  outputShapes: unknown;
}

/**
 * How a row names a layer's `index`-th application: its graph node, else the layer, `layer[1]`,
 * `layer[2]` for its later applications in this model (a nested model's own node is not counted).
 */
function applicationName(layer: { name: string }, index: number, inModel: ReadonlySet<string>): string {
  const named = graphNodeName(layer, index);
  if (named !== undefined) return named;
  let ordinal = 0;
  for (let k = 0; k < index; k++) if (inModel.has(`${layer.name}_ib-${k}`)) ordinal++;
  return ordinal === 0 ? layer.name : `${layer.name}[${ordinal}]`;
}

/**
 * Each layer's output shape, parameter counts and inputs ("Connected to"), and the totals, as in
 * Keras' `model.summary()`. A layer applied several times (a shared encoder, a graph's `share`) has
 * a row per application; its parameters are counted on the first.
 */
export function summarizeModel(model: LayersModel): ModelSummary {
  const inModel = (model as unknown as { containerNodes: Set<string> }).containerNodes;
  const layers: LayerSummary[] = model.layers.flatMap((layer) => {
    const trainable = layer.trainableWeights.reduce((n, w) => n + size(w.shape as number[]), 0);
    const all = layer.countParams();
    // A wrapper names what it wraps: Bidirectional(QqpFusedLSTM) or Bidirectional(LSTM).
    const inner = (layer as { forwardLayer?: { getClassName(): string } }).forwardLayer;
    const className = inner ? `${layer.getClassName()}(${inner.getClassName()})` : layer.getClassName();
    const nodes = (layer.inboundNodes as unknown as InboundNode[])
      .map((node, k) => ({ node, k }))
      .filter(({ k }) => inModel.has(`${layer.name}_ib-${k}`));
    return nodes.map(({ node, k }, row): LayerSummary => {
      const shapes = node.outputShapes;
      return {
        name: applicationName(layer, k, inModel),
        className,
        outputShape:
          Array.isArray(shapes) && shapes.length === 1 && Array.isArray(shapes[0]) ? shapes[0] : shapes,
        params: row === 0 ? all : 0,
        trainableParams: row === 0 ? trainable : 0,
        connectedTo: node.inboundLayers.map((from, t) => {
          const ni = node.nodeIndices[t] ?? 0;
          const ti = node.tensorIndices[t] ?? 0;
          // An output of a layer with several (align): `node.0`, `node.1`, as a graph config names it.
          const outputs = (from.inboundNodes[ni] as { outputTensors?: unknown[] } | undefined)?.outputTensors;
          return `${applicationName(from, ni, inModel)}${(outputs?.length ?? 1) > 1 ? `.${ti}` : ''}`;
        }),
        ...(row === 0 ? {} : { sharedWith: applicationName(layer, nodes[0]!.k, inModel) }),
      };
    });
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
  const { maxSize, pretrainedWords } = loaded.config.data.vocabulary;
  // With pretrainedWords, the words added beyond maxSize count too (at most that many).
  const size = vocabSize ?? maxSize + (pretrainedWords ?? 0);
  const model = buildFromLoaded(loaded, size, dimsLookup(await pretrainedDims(loaded)));
  try {
    return {
      config: loaded.file,
      vocabSize: size,
      vocabSizeSource:
        vocabSize === undefined
          ? `a placeholder: data.vocabulary.maxSize${pretrainedWords === undefined ? '' : ' + pretrainedWords (the most it can be)'}; training uses the size of the vocabulary built from the data`
          : '--vocab-size',
      sequenceLength: sequenceLength(loaded.config.data.encoding),
      ...summarizeModel(model),
    };
  } finally {
    model.dispose();
  }
}
