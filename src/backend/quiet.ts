import * as tfc from '@tensorflow/tfjs-core';

const TFJS_NOISE = [/^Orthogonal initializer is being called on a matrix with more than/];

let quieted = false;

/**
 * tfjs prints start-up banners and initializer warnings straight to the console; qqp reports the
 * backend in its own one line instead, so those messages are dropped (all others pass through).
 */
export function quietTfjs(): void {
  if (quieted) return;
  quieted = true;
  // PROD silences tfjs' own warnings (the "install our node backend" banner among them) and skips
  // debug-only checks.
  tfc.env().set('PROD', true);
  const warn = console.warn.bind(console);
  console.warn = (...args: unknown[]) => {
    const first = typeof args[0] === 'string' ? args[0] : '';
    if (TFJS_NOISE.some((re) => re.test(first.trim()))) return;
    warn(...args);
  };
}
