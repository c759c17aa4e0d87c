/** `qqp serve`'s defaults, apart from server.ts (fastify, tfjs), so the command's flags load without them. */

/** The most pairs scored in one call, across concurrent requests. */
export const DEFAULT_MAX_BATCH = 256;
