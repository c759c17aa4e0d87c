/** `qqp serve`: a loaded predictor behind an HTTP JSON API (fastify), with micro-batching. */
export { type BatcherOptions, type BatcherStats, MicroBatcher, type ProbabilitySource } from './batcher.js';
export { type ErrorAnswer, type SchemaIssue, validationAnswer } from './messages.js';
export { modelInfo } from './model-info.js';
export { openApiDocument, type RouteSpec } from './openapi.js';
export {
  DEFAULT_LIMITS,
  type ErrorBody,
  type Health,
  type ModelInfo,
  type Prediction,
  type RequestLimits,
} from './schemas.js';
export {
  createServer,
  DEFAULT_MAX_BATCH,
  type ListenAddress,
  listen,
  type ServerOptions,
  servedStats,
} from './server.js';
