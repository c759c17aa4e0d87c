import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { QqpError, UsageError } from '../errors.js';
import { DEFAULT_THRESHOLD } from '../eval/predict.js';
import type { Predictor } from '../eval/predictor.js';
import { type BatcherStats, MicroBatcher } from './batcher.js';
import { type ErrorAnswer, type SchemaIssue, validationAnswer } from './messages.js';
import { modelInfo } from './model-info.js';
import { openApiDocument, type RouteSpec } from './openapi.js';
import { DEFAULT_MAX_BATCH } from './options.js';
import {
  DEFAULT_LIMITS,
  ErrorSchema,
  HealthSchema,
  ModelInfoSchema,
  type Pair,
  type Prediction,
  PredictionSchema,
  PredictionsSchema,
  predictBodyDocument,
  predictBodySchema,
  type RequestLimits,
} from './schemas.js';

export interface ServerOptions extends Partial<RequestLimits> {
  /** Pairs per model call (the micro-batch; default 256). */
  maxBatch?: number;
  /** fastify's logger: false (the default) logs nothing; the CLI's --log passes a destination. */
  logger?: FastifyServerOptions['logger'];
}

export { DEFAULT_MAX_BATCH };

const batchers = new WeakMap<FastifyInstance, MicroBatcher>();

/** What a server made by createServer has served so far (requests, pairs, model calls). */
export function servedStats(app: FastifyInstance): BatcherStats {
  const batcher = batchers.get(app);
  if (!batcher) throw new Error('not a server made by createServer');
  return batcher.stats;
}

/** An error answer the server gives on purpose (status, code, message). */
class RequestError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function errorBody(a: Pick<ErrorAnswer, 'code' | 'message'>) {
  return { error: { code: a.code, message: a.message } };
}

const FORMS_HINT = 'send {"question1": "...", "question2": "..."} (or {"pairs": [...]})';

function formatBytes(n: number): string {
  return n >= 1024 * 1024 && n % (1024 * 1024) === 0
    ? `${n / (1024 * 1024)} MiB`
    : n >= 1024 && n % 1024 === 0
      ? `${n / 1024} KiB`
      : `${n} bytes`;
}

/** Every error, as the answer the client gets. */
function answerFor(err: FastifyError | Error, body: unknown, limits: RequestLimits): ErrorAnswer {
  const e = err as FastifyError;
  if (e.validation) {
    // No body at all (no Content-Type, no length) reaches validation as undefined.
    if (body === undefined)
      return { status: 400, code: 'EMPTY_BODY', message: `the body is empty: ${FORMS_HINT}` };
    return validationAnswer(e.validation as SchemaIssue[], body);
  }
  if (err instanceof RequestError) return { status: err.statusCode, code: err.code, message: err.message };
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        code: 'BODY_TOO_LARGE',
        message: `the body is larger than the ${formatBytes(limits.bodyLimit)} a request may be: send fewer pairs per request (at most ${limits.maxPairs})`,
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, code: 'EMPTY_BODY', message: `the body is empty: ${FORMS_HINT}` };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: `the body must be JSON: ${FORMS_HINT}` };
  }
  // A QqpError is the library refusing the input (e.g. an empty question the schema let through).
  if (err instanceof QqpError && err.category === 'usage') {
    return { status: 400, code: err.code, message: err.message };
  }
  const status = typeof e.statusCode === 'number' && e.statusCode >= 400 ? e.statusCode : 500;
  if (status < 500) return { status, code: e.code ?? 'BAD_REQUEST', message: err.message };
  return {
    status: 500,
    code: 'INTERNAL',
    message: `the model failed on this request: ${err.message}`,
  };
}

/** JSON whatever the Content-Type says (`curl -d` sends application/x-www-form-urlencoded). */
function parseJson(
  _req: unknown,
  text: string | Buffer,
  done: (err: Error | null, body?: unknown) => void,
): void {
  const s = typeof text === 'string' ? text : text.toString('utf8');
  if (s.trim() === '') {
    done(new RequestError(400, 'EMPTY_BODY', `the body is empty: ${FORMS_HINT}`));
    return;
  }
  try {
    done(null, JSON.parse(s));
  } catch (err) {
    done(
      new RequestError(
        400,
        'INVALID_JSON',
        `the body is not valid JSON (${(err as Error).message}): ${FORMS_HINT}`,
      ),
    );
  }
}

function toPrediction(probability: number, threshold: number): Prediction {
  const duplicate = probability >= threshold;
  return { probability, prediction: duplicate ? 1 : 0, label: duplicate ? 'duplicate' : 'not duplicate' };
}

type PredictBody =
  | { question1: string; question2: string; threshold?: number }
  | { pairs: Pair[]; threshold?: number }
  | Pair[];

/**
 * The HTTP service of a loaded predictor: POST /predict, GET /health, GET /model, GET
 * /openapi.json. Returned before listening, so tests can call `inject`. Requests' pairs are scored
 * together (MicroBatcher); every error is `{"error": {"code", "message"}}` and none stops the server.
 */
export function createServer(predictor: Predictor, options: ServerOptions = {}): FastifyInstance {
  const limits: RequestLimits = {
    maxPairs: options.maxPairs ?? DEFAULT_LIMITS.maxPairs,
    bodyLimit: options.bodyLimit ?? DEFAULT_LIMITS.bodyLimit,
  };
  const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
  const batcher = new MicroBatcher(predictor, { maxBatch });
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: limits.bodyLimit,
    // Types as sent: no coercion of 3 into "3", no silent removal of unknown fields.
    ajv: {
      customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true, useDefaults: false },
    },
  });

  batchers.set(app, batcher);
  // On close fastify answers new requests 503 with Connection: close; the requests in flight are
  // answered as usual, and told to close too, or their keep-alive connections would hold close()
  // until they time out.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, parseJson);

  const info = modelInfo(predictor, { ...limits, maxBatch });
  const routes: RouteSpec[] = [
    {
      method: 'POST',
      url: '/predict',
      summary: 'P(duplicate) of one pair, or of a list of pairs (same order)',
      description:
        `One pair answers {probability, prediction, label}; {"pairs": [...]} or a bare list answers {predictions: [...]}. ` +
        `At most ${limits.maxPairs} pairs and ${formatBytes(limits.bodyLimit)} per request (413 beyond). ` +
        'Any Content-Type is read as JSON.',
      body: predictBodySchema(limits),
      bodyDocument: predictBodyDocument(limits),
      responses: {
        200: {
          description: 'The predictions',
          schema: { anyOf: [PredictionSchema, PredictionsSchema] },
        },
        400: {
          description: 'A malformed request: the message says which field and what would be right',
          schema: ErrorSchema,
        },
        413: { description: 'Too large a body, or too many pairs', schema: ErrorSchema },
        500: { description: 'The model failed on the request (the server stays up)', schema: ErrorSchema },
      },
      handler: async (request) => {
        const body = request.body as PredictBody;
        const single = !Array.isArray(body) && !('pairs' in body);
        const pairs = Array.isArray(body) ? body : 'pairs' in body ? body.pairs : [body];
        const threshold = (Array.isArray(body) ? undefined : body.threshold) ?? DEFAULT_THRESHOLD;
        const probabilities = await batcher.probabilities(
          single ? [{ question1: pairs[0]!.question1, question2: pairs[0]!.question2 }] : pairs,
        );
        if (single) return toPrediction(probabilities[0]!, threshold);
        return { predictions: Array.from(probabilities, (p) => toPrediction(p, threshold)) };
      },
    },
    {
      method: 'GET',
      url: '/health',
      summary: 'Whether the server is up, and what it has served',
      responses: { 200: { description: 'Up', schema: HealthSchema } },
      handler: async () => ({
        status: 'ok' as const,
        run: predictor.ref.id,
        backend: predictor.backend,
        served: batcher.stats,
      }),
    },
    {
      method: 'GET',
      url: '/model',
      summary: "The model served: run, config, inputs, vocabulary, tokenizer, the run's metrics",
      responses: { 200: { description: 'The model', schema: ModelInfoSchema } },
      handler: async () => info,
    },
    {
      method: 'GET',
      url: '/openapi.json',
      summary: 'This description (OpenAPI 3.1)',
      responses: { 200: { description: 'An OpenAPI 3.1 document' } },
      handler: async () => document,
    },
  ];
  const document = openApiDocument(routes, { runId: predictor.ref.id, limits });

  for (const r of routes) {
    app.route({
      method: r.method,
      url: r.url,
      schema: {
        ...(r.body ? { body: r.body } : {}),
        // Response schemas serialize 200s (fast-json-stringify); errors go through errorBody.
        ...(r.url === '/openapi.json' ? {} : { response: { 200: r.responses[200]!.schema } }),
      },
      handler: r.handler,
    });
  }

  app.setErrorHandler((err, request, reply) => {
    const answer = answerFor(err as Error, request.body, limits);
    if (answer.status >= 500) request.log.error({ err }, 'request failed');
    reply.code(answer.status).type('application/json').send(errorBody(answer));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    const same = routes.filter((r) => r.url === path);
    if (same.length > 0) {
      const allowed = same.map((r) => r.method).join(', ');
      reply
        .code(405)
        .header('allow', allowed)
        .send(
          errorBody({
            code: 'METHOD_NOT_ALLOWED',
            message: `${request.method} ${path}: ${path} takes ${allowed}`,
          }),
        );
      return;
    }
    reply.code(404).send(
      errorBody({
        code: 'NOT_FOUND',
        message: `no route ${request.method} ${path}; the routes are ${routes.map((r) => `${r.method} ${r.url}`).join(', ')}`,
      }),
    );
  });

  return app;
}

/** Where a server listens, once it does. */
export interface ListenAddress {
  host: string;
  port: number;
  url: string;
}

/**
 * Listens on host:port (port 0: any free port) and says where. A port in use, a port the process
 * may not bind, or a host that is not this machine's are UsageErrors, each saying what to do.
 */
export async function listen(
  app: FastifyInstance,
  options: { host: string; port: number },
): Promise<ListenAddress> {
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const where = `${options.host}:${options.port}`;
    if (code === 'EADDRINUSE') {
      throw new UsageError(
        'SERVE_PORT_IN_USE',
        `cannot listen on ${where}: the port is in use by another process`,
        {
          suggestions: ['give another --port, or --port 0 for any free port'],
          cause: err,
        },
      );
    }
    if (code === 'EACCES') {
      throw new UsageError('SERVE_PORT_DENIED', `cannot listen on ${where}: permission denied`, {
        suggestions: ['ports below 1024 need privileges: give --port 1024 or above (the default is 8080)'],
        cause: err,
      });
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      throw new UsageError(
        'SERVE_BAD_HOST',
        `cannot listen on ${where}: ${options.host} is not an address of this machine`,
        {
          suggestions: [
            '--host 127.0.0.1 (this machine only, the default) or --host 0.0.0.0 (every interface)',
          ],
          cause: err,
        },
      );
    }
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const shown = options.host.includes(':') ? `[${options.host}]` : options.host;
  return { host: options.host, port, url: `http://${shown}:${port}` };
}
