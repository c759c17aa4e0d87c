import type { ErrorCategory } from '../errors.js';

/** The one table of exit codes. README's "Exit codes" section mirrors it. */
export const EXIT_CODES = {
  ok: 0,
  internal: 1,
  usage: 2,
  config: 3,
  data: 4,
  training: 5,
  run: 6,
  network: 7,
  /** A sweep ended because `qqp sweep cancel` cancelled it (the coordinator's exit code). */
  cancelled: 8,
  interrupted: 130,
} as const satisfies Record<ErrorCategory | 'ok' | 'internal' | 'interrupted' | 'cancelled', number>;

export function exitCodeFor(category: ErrorCategory): number {
  return EXIT_CODES[category];
}
