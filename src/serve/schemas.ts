import { type Static, type TSchema, Type } from '@sinclair/typebox';

/**
 * The JSON Schemas of `qqp serve`'s requests and responses, each with its TypeScript type (TypeBox).
 * The routes validate with them (fastify's ajv) and the OpenAPI document is made of them, so the
 * two cannot disagree.
 */

/** The limits a server enforces on a request. */
export interface RequestLimits {
  /** Pairs in one request (a longer list is answered 413). */
  maxPairs: number;
  /** Bytes of one request body (a larger body is answered 413). */
  bodyLimit: number;
}

export const DEFAULT_LIMITS: RequestLimits = { maxPairs: 1000, bodyLimit: 1024 * 1024 };

// `\S`: not empty once trimmed, the rule of `qqp predict` (src/eval/pairs.ts pairRows); JavaScript's
// \s is exactly the set String.prototype.trim removes.
const NOT_BLANK = '\\S';

const question = (which: string) =>
  Type.String({ pattern: NOT_BLANK, description: `The ${which} question (not empty once trimmed)` });

export const PairSchema = Type.Object(
  { question1: question('first'), question2: question('second') },
  { additionalProperties: false, description: 'A question pair' },
);

export const ThresholdSchema = Type.Number({
  minimum: 0,
  maximum: 1,
  description: 'Probability at or above which a pair is predicted duplicate (default 0.5)',
});

export const PredictOneSchema = Type.Object(
  {
    question1: question('first'),
    question2: question('second'),
    threshold: Type.Optional(ThresholdSchema),
  },
  { additionalProperties: false, description: 'One pair' },
);

export function pairListSchema(limits: RequestLimits) {
  return Type.Array(PairSchema, {
    minItems: 1,
    maxItems: limits.maxPairs,
    description: `Pairs, answered in the same order (1 to ${limits.maxPairs})`,
  });
}

export function predictManySchema(limits: RequestLimits) {
  return Type.Object(
    { pairs: pairListSchema(limits), threshold: Type.Optional(ThresholdSchema) },
    { additionalProperties: false, description: 'A list of pairs' },
  );
}

/**
 * The body of POST /predict as the route validates it: a bare list, an object with `pairs`, or
 * one pair. if/then/else rather than oneOf, so a wrong body gets only the errors of the form it
 * was meant as (a oneOf would report every branch's).
 */
export function predictBodySchema(limits: RequestLimits): TSchema {
  return Type.Unsafe({
    if: { type: 'array' },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else, not a promise
    then: pairListSchema(limits),
    else: {
      if: { type: 'object', required: ['pairs'] },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else, not a promise
      then: predictManySchema(limits),
      else: PredictOneSchema,
    },
  });
}

/** The same body as the OpenAPI document shows it: one of the three forms. */
export function predictBodyDocument(limits: RequestLimits): TSchema {
  return Type.Union([PredictOneSchema, predictManySchema(limits), pairListSchema(limits)]);
}

export const PredictionSchema = Type.Object(
  {
    probability: Type.Number({ description: 'P(duplicate)' }),
    prediction: Type.Union([Type.Literal(0), Type.Literal(1)], {
      description: '1 when the probability is at or above the threshold',
    }),
    label: Type.Union([Type.Literal('duplicate'), Type.Literal('not duplicate')]),
  },
  { additionalProperties: false },
);

export const PredictionsSchema = Type.Object(
  { predictions: Type.Array(PredictionSchema, { description: 'In the order of the pairs' }) },
  { additionalProperties: false },
);

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable, e.g. BAD_REQUEST, BODY_TOO_LARGE, NOT_FOUND' }),
      message: Type.String({ description: 'What was wrong and what would be right' }),
    }),
  },
  { description: 'Every error answer has this shape' },
);

export const HealthSchema = Type.Object({
  status: Type.Literal('ok'),
  run: Type.String({ description: 'The run id' }),
  backend: Type.String(),
  served: Type.Object(
    {
      requests: Type.Integer(),
      pairs: Type.Integer(),
      calls: Type.Integer({ description: 'Model calls: fewer than requests when requests were batched' }),
    },
    { description: 'Since the server started' },
  ),
});

const MetricsSchema = Type.Record(Type.String(), Type.Union([Type.Number(), Type.Null()]));

export const ModelInfoSchema = Type.Object({
  run: Type.Object({
    id: Type.String(),
    status: Type.String({ description: 'As `qqp runs` shows it' }),
    weights: Type.Union([Type.Literal('best'), Type.Literal('last')]),
    completed: Type.Boolean(),
    epochs: Type.Integer(),
    notes: Type.Array(Type.String()),
  }),
  config: Type.Object({
    name: Type.String({ description: 'experiment.name' }),
    modelType: Type.String({ description: 'model.type (sequential, siamese, graph, ...)' }),
  }),
  model: Type.Object({
    inputs: Type.Array(
      Type.Object({ name: Type.String(), shape: Type.Array(Type.Union([Type.Integer(), Type.Null()])) }),
    ),
    parameters: Type.Integer(),
    layers: Type.Integer(),
  }),
  vocabulary: Type.Object({
    size: Type.Integer({ description: 'Tokens, the reserved ids included' }),
    settings: Type.Record(Type.String(), Type.Unknown(), { description: 'data.vocabulary' }),
  }),
  tokenizer: Type.Record(Type.String(), Type.Unknown(), { description: "The run's tokenizer settings" }),
  encoding: Type.Record(Type.String(), Type.Unknown(), {
    description: 'data.encoding (pair, maxLength, ...)',
  }),
  features: Type.Union([Type.Array(Type.String()), Type.Null()], {
    description: 'Pair features the model reads (data.features), or null',
  }),
  metrics: Type.Object({
    test: Type.Union([MetricsSchema, Type.Null()], {
      description: "The run's test split, as `qqp show` reports it",
    }),
    validation: Type.Union([MetricsSchema, Type.Null()], {
      description: 'The held-out figures of the epoch whose weights are served (val_*)',
    }),
  }),
  backend: Type.String(),
  limits: Type.Object({ maxPairs: Type.Integer(), bodyLimit: Type.Integer(), maxBatch: Type.Integer() }),
});

export type PredictOne = Static<typeof PredictOneSchema>;
export type Pair = Static<typeof PairSchema>;
export type Prediction = Static<typeof PredictionSchema>;
export type Health = Static<typeof HealthSchema>;
export type ModelInfo = Static<typeof ModelInfoSchema>;
export type ErrorBody = Static<typeof ErrorSchema>;
