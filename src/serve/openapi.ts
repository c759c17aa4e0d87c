import type { RouteHandlerMethod } from 'fastify';
import type { RequestLimits } from './schemas.js';

/** One route of the server: what fastify registers and what the OpenAPI document describes. */
export interface RouteSpec {
  method: 'GET' | 'POST';
  url: string;
  summary: string;
  description?: string;
  /** The body schema the route validates with. */
  body?: object;
  /** The same body as documented, when the validating form reads worse (if/then/else → oneOf). */
  bodyDocument?: object;
  responses: Record<number, { description: string; schema?: object }>;
  handler: RouteHandlerMethod;
}

/** Plain JSON of a schema: TypeBox's symbol keys dropped, as a document holds it. */
function plain(schema: object): unknown {
  return JSON.parse(JSON.stringify(schema));
}

const oneOfUnion = (schema: unknown): unknown => {
  // TypeBox writes a union as anyOf; the three body forms exclude each other, so oneOf says more.
  if (typeof schema === 'object' && schema !== null && 'anyOf' in schema) {
    const { anyOf, ...rest } = schema as { anyOf: unknown[] };
    return { ...rest, oneOf: anyOf };
  }
  return schema;
};

/** The OpenAPI 3.1 description of the routes, made of the schemas they validate and answer with. */
export function openApiDocument(
  routes: readonly RouteSpec[],
  context: { runId: string; limits: RequestLimits },
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const body = r.bodyDocument ?? r.body;
    const operation: Record<string, unknown> = {
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      ...(body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: oneOfUnion(plain(body)) } },
            },
          }
        : {}),
      responses: Object.fromEntries(
        Object.entries(r.responses).map(([status, res]) => [
          status,
          {
            description: res.description,
            ...(res.schema ? { content: { 'application/json': { schema: plain(res.schema) } } } : {}),
          },
        ]),
      ),
    };
    paths[r.url] = { ...paths[r.url], [r.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'qqp serve',
      version: '1',
      description:
        `Quora Question Pairs predictions of run ${context.runId}. Errors are {"error": {"code", "message"}}; ` +
        `at most ${context.limits.maxPairs} pairs and ${context.limits.bodyLimit} bytes per request.`,
    },
    paths,
  };
}
