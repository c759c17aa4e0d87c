import { OOV_ID, PAD_ID, SEP_ID } from '../data/vocabulary.js';
import { Rng } from '../util/rng.js';
import { type LoadedVectors, vectorOf } from './load.js';

/** What words without a vector get: their own trainable row (random), a frozen zero row, or `<oov>`'s row. */
export type OovMode = 'random' | 'zeros' | 'shared';

/** The initial embedding table of a vocabulary from pretrained vectors. */
export interface PretrainedTable {
  dim: number;
  /** `[vocabulary size × dim]`: the vectors; zero at tuned ids, at `<pad>` and at zero rows. */
  frozen: Float32Array;
  /** Ids whose rows train even when the table is frozen: `<oov>`, `<sep>`, and (random) words without a vector. */
  tunedIds: number[];
  /** `[tunedIds.length × dim]`: their initial rows, uniform in ±0.05 (Keras' embedding initializer), seeded. */
  tuned: Float32Array;
}

/**
 * Lays out the table for `tokens` (the vocabulary, ids in order). `<pad>` is a zero row; `<oov>` and
 * `<sep>` are trained; a word with a vector gets it; a word without one gets a trained random row
 * (`random`), a frozen zero row (`zeros`), or is not in the vocabulary at all (`shared`: the
 * vocabulary was built without it, so it reads as `<oov>`).
 */
export function pretrainedTable(
  tokens: readonly string[],
  vectors: LoadedVectors,
  oov: OovMode,
  seed: number,
): PretrainedTable {
  const dim = vectors.dim;
  const frozen = new Float32Array(tokens.length * dim);
  const tunedIds: number[] = [];
  tokens.forEach((token, id) => {
    if (id === PAD_ID) return;
    if (id === OOV_ID || id === SEP_ID) {
      tunedIds.push(id);
      return;
    }
    const v = vectorOf(vectors, token);
    if (v) frozen.set(v, id * dim);
    else if (oov !== 'zeros') tunedIds.push(id);
  });
  const rng = new Rng(seed);
  const tuned = new Float32Array(tunedIds.length * dim);
  for (let i = 0; i < tuned.length; i++) tuned[i] = (rng.float() * 2 - 1) * 0.05;
  return { dim, frozen, tunedIds, tuned };
}

/** The whole table as one matrix (for a trainable table): frozen rows with the tuned rows in place. */
export function fullTable(table: PretrainedTable): Float32Array {
  const out = Float32Array.from(table.frozen);
  table.tunedIds.forEach((id, i) => {
    out.set(table.tuned.subarray(i * table.dim, (i + 1) * table.dim), id * table.dim);
  });
  return out;
}
