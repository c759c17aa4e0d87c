/**
 * Choices of `qqp eval` and `qqp predict`, apart from the modules that load tfjs, so that the
 * commands' flags are defined without loading it.
 */

/** A probability at or above it predicts "duplicate", unless a threshold is given. */
export const DEFAULT_THRESHOLD = 0.5;

export const EVAL_SPLITS = ['test', 'validation'] as const;
export type EvalSplit = (typeof EVAL_SPLITS)[number];
