import { createHash } from 'node:crypto';
import { Rng } from '../util/rng.js';

/** A 32-bit seed from any parts (experiment seed, epoch, purpose), stable across platforms. */
export function deriveSeed(...parts: (string | number)[]): number {
  return createHash('sha256').update(parts.join('/')).digest().readInt32LE(0);
}

/**
 * Runs `fn` with Math.random replaced by a seeded generator. tfjs draws dropout masks (and any
 * unseeded random op) from Math.random; seeding it per epoch makes training repeat exactly, and
 * lets a resumed run draw the same masks from the epoch it restarts at.
 */
export async function withSeededMathRandom<T>(seed: number, fn: () => Promise<T>): Promise<T> {
  const original = Math.random;
  const rng = new Rng(seed);
  Math.random = () => rng.float();
  try {
    return await fn();
  } finally {
    Math.random = original;
  }
}

/**
 * The order of one epoch: indices 0..n-1 through a shuffle buffer of `bufferSize`, as tf.data's
 * `shuffle(bufferSize)` does (a buffer at least n long is a full shuffle).
 */
export function bufferedShuffle(n: number, bufferSize: number, seed: number): Uint32Array {
  const rng = new Rng(seed);
  const out = new Uint32Array(n);
  const buffer: number[] = [];
  let fed = 0;
  let written = 0;
  while (fed < n && buffer.length < bufferSize) buffer.push(fed++);
  while (buffer.length > 0) {
    const k = rng.int(0, buffer.length - 1);
    out[written++] = buffer[k]!;
    if (fed < n) buffer[k] = fed++;
    else {
      buffer[k] = buffer[buffer.length - 1]!;
      buffer.pop();
    }
  }
  return out;
}
