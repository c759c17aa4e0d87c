import { type Static, type TObject, Type } from '@sinclair/typebox';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import type { PairEncoding } from '../data/schema.js';
import { ConfigError, type Problem } from '../errors.js';
import { type ConfigIssue, type ConfigPath, formatPath } from '../util/paths.js';
import { StringEnum } from '../util/schema.js';
import {
  buildGraph,
  checkGraph,
  type GraphParams,
  graphEncoding,
  graphNodeSchema,
  usedInputs,
} from './graph.js';
import { buildLayer, type LayerConfig, layers } from './layers.js';
import type { LossSpec } from './objectives.js';
import { checkOutput, checkStack } from './stack.js';
import { type BuildContext, buildEntry, type ComponentSpec, defineRegistry } from './types.js';
import type { EntryConfig } from './union.js';

export type LayersModel = tfl.LayersModel;

export interface ModelBuildContext extends BuildContext {
  /** Length of each input sequence (from `data.encoding`). */
  sequenceLength: number;
  /** Where a config path was written, so that a layer tfjs refuses is reported at its line. */
  locate?: (path: ConfigPath) => Omit<Problem, 'message'>;
  /** Names layers Keras' way within one model: `dense`, `dense_1`, ... */
  layerName?: (type: string) => string;
  /** Width of the `features` input (data.features.pair's count); unset or 0 without pair features. */
  featureCount?: number;
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

/** What a shape's own checks may need from the rest of the config. */
export interface ShapeCheckContext {
  loss: LossSpec;
  /** Where the model is in the config (`['model']`): issues and suggestions name full paths. */
  at: ConfigPath;
  /** Width of the `features` input the data gives (data.features.pair); 0 or unset: none. */
  featureCount?: number;
  /** Whether the data gives the `exactMatch1` / `exactMatch2` inputs (data.features.exactMatch). */
  exactMatch?: boolean;
}

/**
 * Issues for extra inputs the data gives (data.features) that a shape reading only its question
 * inputs would leave unused: a config asking for them with such a model is a mistake.
 */
function unusedFeatures(
  name: string,
  ctx: ShapeCheckContext,
  reads: { features: boolean; exactMatch: boolean },
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if ((ctx.featureCount ?? 0) > 0 && !reads.features) {
    issues.push({
      path: ['data', 'features', 'pair'],
      at: 'value',
      message: `gives the model a \`features\` input, which ${name === 'graph' ? 'no node of the graph reads' : `a "${name}" model ${name === 'siamese' ? 'reads only with `features` in model.combine' : 'does not read'}`}`,
      suggestion:
        name === 'siamese'
          ? 'add features to model.combine (e.g. combine: [u, v, absDiff, mul, features])'
          : name === 'graph'
            ? 'read `features` in a node (e.g. a concat with the pooled vectors), or remove data.features.pair'
            : 'use a siamese model with combine: [..., features], or a graph model reading `features`; or remove data.features.pair',
    });
  }
  if (ctx.exactMatch && !reads.exactMatch) {
    issues.push({
      path: ['data', 'features', 'exactMatch'],
      at: 'value',
      message: `gives the model \`exactMatch1\` / \`exactMatch2\` inputs, which ${name === 'graph' ? 'no node of the graph reads' : `a "${name}" model does not read`}`,
      suggestion:
        name === 'graph'
          ? "read them in nodes (e.g. a concat of each question's embedding with its exactMatch), or remove data.features.exactMatch"
          : 'use a graph model that reads them, or remove data.features.exactMatch',
    });
  }
  return issues;
}

/** A model shape's own facts, besides its schema and builder. */
export interface ShapeFacts<P> {
  /** The pair encoding (`data.encoding.pair`) its inputs need (or, for a graph, what its inputs say). */
  readonly encoding: PairEncoding | ((params: P) => PairEncoding);
  /** Mistakes in its parameters that the schema cannot see (paths under `ctx.at`). */
  check(params: P, ctx: ShapeCheckContext): ConfigIssue[];
}

export type ModelSpec<N extends string, P extends TObject> = ComponentSpec<
  N,
  P,
  LayersModel,
  ModelBuildContext
> &
  ShapeFacts<Static<P>>;

function shape<const N extends string, P extends TObject>(spec: ModelSpec<N, P>) {
  return spec;
}

const LayerStack = (description: string) => Type.Array(layers.schema, { minItems: 1, description });

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
  encoding: 'concat',
  description: 'One input holding both questions (q1, separator, q2) and one stack of layers',
  params: Type.Object({ layers: LayerStack('The layers, input to output') }),
  check: (p, ctx) => [
    ...checkStack(p.layers, [...ctx.at, 'layers'], 'ids').issues,
    ...checkOutput(p.layers, [...ctx.at, 'layers'], ctx.loss),
    ...unusedFeatures('sequential', ctx, { features: false, exactMatch: false }),
  ],
  build: (p, ctx) => {
    const input = ctx.tf.tfl.input({ shape: [ctx.sequenceLength], dtype: 'int32', name: 'pair' });
    return ctx.tf.tfl.model({
      inputs: input,
      outputs: applyStack(p.layers, input, ctx, ['model', 'layers']),
      name: 'sequential',
    });
  },
});

export const COMBINE_PARTS = ['u', 'v', 'absDiff', 'mul', 'features'] as const;

const siamese = shape({
  name: 'siamese',
  encoding: 'separate',
  check: (p, ctx) => {
    const encoder = checkStack(p.encoder, [...ctx.at, 'encoder'], 'ids');
    const head = checkStack(p.head, [...ctx.at, 'head'], encoder.output);
    const issues = [...encoder.issues, ...head.issues, ...checkOutput(p.head, [...ctx.at, 'head'], ctx.loss)];
    const at = p.combine.indexOf('features');
    if (at >= 0 && (ctx.featureCount ?? 0) === 0) {
      issues.push({
        path: [...ctx.at, 'combine', at],
        at: 'value',
        message: 'combines the pair features, but the data gives none',
        suggestion: 'set data.features.pair: true (or a list of feature names)',
      });
    }
    if (at >= 0 && p.combine.length === 1) {
      issues.push({
        path: [...ctx.at, 'combine'],
        at: 'value',
        message: 'combines only the pair features: the encoder would read nothing',
        suggestion: 'add the encodings, e.g. combine: [u, v, absDiff, mul, features]',
      });
    }
    return [...issues, ...unusedFeatures('siamese', ctx, { features: at >= 0, exactMatch: false })];
  },
  description:
    'A shared encoder applied to each question (u, v), a combine step (u, v, |u−v|, u∗v) and a head stack',
  params: Type.Object({
    encoder: LayerStack('Layers applied to each question, with shared weights'),
    combine: Type.Array(StringEnum(COMBINE_PARTS), {
      minItems: 1,
      uniqueItems: true,
      default: ['u', 'v', 'absDiff', 'mul'],
      description:
        'Features concatenated from the two encodings: u, v, absDiff (|u−v|), mul (u∗v); and features, the pair features input [batch, F] (needs data.features.pair)',
    }),
    head: LayerStack('Layers from the combined features to the output'),
  }),
  build: (p, ctx) => {
    const q1 = ctx.tf.tfl.input({ shape: [ctx.sequenceLength], dtype: 'int32', name: 'question1' });
    const q2 = ctx.tf.tfl.input({ shape: [ctx.sequenceLength], dtype: 'int32', name: 'question2' });
    const encIn = ctx.tf.tfl.input({ shape: [ctx.sequenceLength], dtype: 'int32', name: 'question' });
    const encoder = ctx.tf.tfl.model({
      inputs: encIn,
      outputs: applyStack(p.encoder, encIn, ctx, ['model', 'encoder']),
      name: 'encoder',
    });
    const u = encoder.apply(q1) as SymbolicTensor;
    const v = encoder.apply(q2) as SymbolicTensor;
    const makePart: Record<(typeof COMBINE_PARTS)[number], () => SymbolicTensor> = {
      u: () => u,
      v: () => v,
      absDiff: () => new ctx.tf.qqp.AbsDifference({ name: 'abs_diff' }).apply([u, v]) as SymbolicTensor,
      mul: () => ctx.tf.tfl.layers.multiply({ name: 'mul' }).apply([u, v]) as SymbolicTensor,
      features: () => {
        features = ctx.tf.tfl.input({ shape: [ctx.featureCount ?? 0], dtype: 'float32', name: 'features' });
        return features;
      },
    };
    let features: SymbolicTensor | undefined;
    const parts = p.combine.map((part) => makePart[part]());
    const combined =
      parts.length === 1
        ? parts[0]!
        : (ctx.tf.tfl.layers.concatenate({ name: 'combine' }).apply(parts) as SymbolicTensor);
    return ctx.tf.tfl.model({
      // Fed by name (src/train/predict.ts inputsFor): question1, question2, then features.
      inputs: features ? [q1, q2, features] : [q1, q2],
      outputs: applyStack(p.head, combined, ctx, ['model', 'head']),
      name: 'siamese',
    });
  },
});

const graph = shape({
  name: 'graph',
  encoding: (p) => graphEncoding(p as GraphParams),
  description:
    "Named nodes, each a layer reading graph inputs (question1, question2; pair; features, exactMatch1/2 with data.features) or other nodes; `share` reuses a node's layer and weights; `type: repeat` copies a block of nodes `times` times, chained",
  params: Type.Object({
    nodes: Type.Array(graphNodeSchema(), {
      minItems: 1,
      description:
        "The nodes, in any order that reads well (they are applied in dependency order); a node `{ name, type: repeat, times, inputs, nodes, outputs, shareWeights }` is a block of nodes copied `times` times (copy k named `name.k.node`), its nodes reading the block's inputs as `input.0`, `input.1`, ... (the previous copy's outputs after copy 1), the rest of the graph reading only the last copy's outputs, as `name.0`, `name.1` (`name` for one); an inner node with `first: ref` is left out of copy 1, where `ref` stands for it",
    }),
    output: Type.Optional(
      Type.String({
        minLength: 1,
        description: "The node whose output is the model's (default: the last node)",
      }),
    ),
  }),
  check: (p, ctx) => {
    const used = new Set<string>(usedInputs(p as GraphParams).map((i) => i.name));
    return [
      ...checkGraph(p as GraphParams, ctx),
      ...unusedFeatures('graph', ctx, {
        features: used.has('features'),
        exactMatch: used.has('exactMatch1') || used.has('exactMatch2'),
      }),
    ];
  },
  build: (p, ctx) => buildGraph(p as GraphParams, ctx, ['model']),
});

export const models = defineRegistry('model shape', [sequential, siamese, graph] as const, {
  title: 'model',
  description: 'The model: its shape (`type`) and layer stacks',
});
export type ModelType = (typeof models.names)[number];
export type ModelConfig = EntryConfig<(typeof models.list)[number]>;

/** The facts of the shape a validated model config names. */
export function shapeFacts(config: ModelConfig): ShapeFacts<ModelConfig> {
  return models.entryOf(config) as unknown as ShapeFacts<ModelConfig>;
}

/** The pair encoding a validated model config needs. */
export function shapeEncoding(config: ModelConfig): PairEncoding {
  const { encoding } = shapeFacts(config);
  return typeof encoding === 'function' ? encoding(config) : encoding;
}

export function buildModelShape(config: ModelConfig, ctx: ModelBuildContext): LayersModel {
  return buildEntry(models, config, ctx);
}
