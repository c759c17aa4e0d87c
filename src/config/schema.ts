import { type Static, Type } from '@sinclair/typebox';
import { BACKENDS } from '../backend/names.js';
import { DataSchema } from '../data/schema.js';
import { models } from '../registry/models.js';
import { losses, metrics } from '../registry/objectives.js';
import { optimizers } from '../registry/optimizers.js';
import { Monitor, schedules } from '../registry/schedules.js';
import { NAME_MAX_LENGTH, NAME_PATTERN } from '../util/names.js';
import { StringEnum } from '../util/schema.js';

/**
 * The one JSON Schema of a qqp config, assembled from the registry (layer, optimizer, loss, metric
 * and model names come only from there) and the data section. Every object refuses unknown keys.
 */

const strict = { additionalProperties: false } as const;

export const ExperimentSchema = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: NAME_MAX_LENGTH,
      pattern: NAME_PATTERN,
      default: 'run',
      description: 'Name of the run (letters, digits, . _ -); part of the run folder name',
    }),
    description: Type.Optional(Type.String({ description: 'Free text kept with the run' })),
    tags: Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'Labels to filter runs by' }),
    seed: Type.Integer({
      default: 2019,
      description: 'Seed for weight initialization, dropout and data order',
    }),
  },
  { ...strict, default: {}, description: 'What the run is called and its seed' },
);

export const TrainingSchema = Type.Object(
  {
    epochs: Type.Integer({ minimum: 1, default: 10, description: 'Passes over the training split' }),
    batchSize: Type.Integer({ minimum: 1, default: 16, description: 'Pairs per gradient step' }),
    shuffleBuffer: Type.Integer({
      minimum: 1,
      default: 10000,
      description: 'Size of the shuffle buffer for the training order (as tf.data shuffle)',
    }),
    bucketByLength: Type.Boolean({
      default: false,
      description:
        'Batches of questions of similar length, each cut to its longest question, so padded timesteps are skipped; changes the data order; needs a model that masks padding (embeddings with maskZero: true)',
    }),
    optimizer: optimizers.schema,
    loss: losses.schema,
    metrics: Type.Array(metrics.schema, {
      uniqueItems: true,
      default: ['accuracy'],
      description: 'Metrics reported each epoch',
    }),
    backend: StringEnum(BACKENDS, {
      default: 'auto',
      description: 'auto: tensorflow (native) if installed, else wasm, else cpu',
    }),
    earlyStopping: Type.Optional(
      Type.Object(
        {
          monitor: Monitor('val_loss'),
          patience: Type.Integer({
            minimum: 0,
            default: 3,
            description: 'Epochs without improvement before stopping',
          }),
          minDelta: Type.Number({
            minimum: 0,
            default: 0,
            description: 'Smallest change that counts as improvement',
          }),
          restoreBestWeights: Type.Boolean({
            default: true,
            description: 'End with the weights of the best epoch (else of the last)',
          }),
        },
        { ...strict, description: 'Stop when the monitored value stops improving (off when absent)' },
      ),
    ),
    lrSchedule: Type.Optional(schedules.schema),
    classWeight: Type.Optional(
      Type.Union(
        [
          Type.Literal('balanced'),
          Type.Object(
            {
              '0': Type.Number({ exclusiveMinimum: 0, description: 'Weight of non-duplicates' }),
              '1': Type.Number({ exclusiveMinimum: 0, description: 'Weight of duplicates' }),
            },
            strict,
          ),
        ],
        {
          description:
            'Loss weight per class: "balanced" (inverse frequency in the training split) or { 0: w, 1: w }',
        },
      ),
    ),
    clipNorm: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description: 'Clip gradients to this global L2 norm (off when absent)',
      }),
    ),
  },
  { ...strict, default: {}, description: 'How the model is trained' },
);

export const ConfigSchema = Type.Object(
  {
    extends: Type.Optional(
      Type.Union(
        [Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })],
        {
          description:
            'Config file(s) this one builds on, relative to this file; merged deeply, lists replaced',
        },
      ),
    ),
    experiment: ExperimentSchema,
    data: DataSchema,
    model: models.schema,
    training: TrainingSchema,
  },
  { ...strict, required: ['model'], description: 'A qqp experiment config' },
);

/** A config after extends, --set and defaults: every field present. */
export type ResolvedConfig = Omit<Static<typeof ConfigSchema>, 'extends'>;
export type TrainingConfig = Static<typeof TrainingSchema>;
export type ExperimentConfig = Static<typeof ExperimentSchema>;
