import { type TObject, Type } from '@sinclair/typebox';
import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import type { ConfigPath } from '../config/paths.js';
import { formatPath } from '../config/paths.js';
import { ConfigError, type Problem } from '../errors.js';
import { StringEnum } from '../util/schema.js';
import { AbsDifference, registerCustomLayers } from './custom-layers.js';
import { buildLayer, type LayerConfig, LayerConfigSchema } from './layers.js';
import { type BuildContext, type ComponentSpec, indexByName } from './types.js';
import { discriminatedUnion, type EntryConfig } from './union.js';

export type LayersModel = tfl.LayersModel;

export interface ModelBuildContext extends BuildContext {
  /** Length of each input sequence (from `data.encoding`). */
  sequenceLength: number;
  /** Where a config path was written, so that a layer tfjs refuses is reported at its line. */
  locate?: (path: ConfigPath) => Omit<Problem, 'message'>;
  /** Names layers Keras' way within one model: `dense`, `dense_1`, ... */
  layerName?: (type: string) => string;
}

export function kerasNames(): (type: string) => string {
  const used = new Map<string, number>();
  return (type) => {
    const base = type.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace(/(\d)d$/, '$1d');
    const n = used.get(base) ?? 0;
    used.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  };
}

/** What the data encoding must be for a model shape. */
export type InputKind = 'concat' | 'siamese';

type ModelSpec<N extends string, P extends TObject> = ComponentSpec<N, P, LayersModel, ModelBuildContext> & {
  readonly inputs: InputKind;
};

function shape<const N extends string, P extends TObject>(spec: ModelSpec<N, P>) {
  return spec;
}

const LayerStack = (description: string) => Type.Array(LayerConfigSchema, { minItems: 1, description });

function applyStack(
  stack: readonly LayerConfig[],
  input: SymbolicTensor,
  ctx: ModelBuildContext,
  at: ConfigPath,
): SymbolicTensor {
  let x = input;
  stack.forEach((config, i) => {
    try {
      x = buildLayer(config, { ...ctx, name: ctx.layerName?.(config.type) }).apply(x) as SymbolicTensor;
    } catch (err) {
      const path = [...at, i];
      const where = ctx.locate?.(path) ?? { source: 'config', path: formatPath(path) };
      throw new ConfigError('MODEL_BUILD', `cannot build ${formatPath(path)} (${config.type})`, {
        problems: [
          {
            ...where,
            message: `tfjs refused the layer on input shape ${JSON.stringify(x.shape)}: ${(err as Error).message}`,
          },
        ],
        cause: err,
      });
    }
  });
  return x;
}

const sequential = shape({
  name: 'sequential',
  inputs: 'concat',
  description: 'One input holding both questions (q1, separator, q2) and one stack of layers',
  params: Type.Object({ layers: LayerStack('The layers, input to output') }),
  build: (p, ctx) => {
    const input = tfl.input({ shape: [ctx.sequenceLength], dtype: 'int32', name: 'pair' });
    return tfl.model({
      inputs: input,
      outputs: applyStack(p.layers, input, ctx, ['model', 'layers']),
      name: 'sequential',
    });
  },
});

export const COMBINE_PARTS = ['u', 'v', 'absDiff', 'mul'] as const;

const siamese = shape({
  name: 'siamese',
  inputs: 'siamese',
  description:
    'A shared encoder applied to each question (u, v), a combine step (u, v, |u−v|, u∗v) and a head stack',
  params: Type.Object({
    encoder: LayerStack('Layers applied to each question, with shared weights'),
    combine: Type.Array(StringEnum(COMBINE_PARTS), {
      minItems: 1,
      uniqueItems: true,
      default: ['u', 'v', 'absDiff', 'mul'],
      description: 'Features concatenated from the two encodings: u, v, absDiff (|u−v|), mul (u∗v)',
    }),
    head: LayerStack('Layers from the combined features to the output'),
  }),
  build: (p, ctx) => {
    registerCustomLayers();
    const q1 = tfl.input({ shape: [ctx.sequenceLength], dtype: 'int32', name: 'question1' });
    const q2 = tfl.input({ shape: [ctx.sequenceLength], dtype: 'int32', name: 'question2' });
    const encIn = tfl.input({ shape: [ctx.sequenceLength], dtype: 'int32', name: 'question' });
    const encoder = tfl.model({
      inputs: encIn,
      outputs: applyStack(p.encoder, encIn, ctx, ['model', 'encoder']),
      name: 'encoder',
    });
    const u = encoder.apply(q1) as SymbolicTensor;
    const v = encoder.apply(q2) as SymbolicTensor;
    const makePart: Record<(typeof COMBINE_PARTS)[number], () => SymbolicTensor> = {
      u: () => u,
      v: () => v,
      absDiff: () => new AbsDifference({ name: 'abs_diff' }).apply([u, v]) as SymbolicTensor,
      mul: () => tfl.layers.multiply({ name: 'mul' }).apply([u, v]) as SymbolicTensor,
    };
    const parts = p.combine.map((part) => makePart[part]());
    const combined =
      parts.length === 1
        ? parts[0]!
        : (tfl.layers.concatenate({ name: 'combine' }).apply(parts) as SymbolicTensor);
    return tfl.model({
      inputs: [q1, q2],
      outputs: applyStack(p.head, combined, ctx, ['model', 'head']),
      name: 'siamese',
    });
  },
});

export const modelList = [sequential, siamese] as const;
export const models = indexByName('model shape', modelList);
export type ModelType = keyof typeof models;
export type ModelConfig = EntryConfig<(typeof modelList)[number]>;

export const ModelConfigSchema = discriminatedUnion(modelList, {
  title: 'model',
  description: 'The model: its shape (`type`) and layer stacks',
});

export function modelInputKind(config: ModelConfig): InputKind {
  return models[config.type].inputs;
}

export function buildModelShape(config: ModelConfig, ctx: ModelBuildContext): LayersModel {
  const spec = models[config.type] as unknown as ModelSpec<string, TObject>;
  return spec.build(config, ctx);
}
