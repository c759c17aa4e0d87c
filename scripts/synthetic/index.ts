/**
 * The generator of the bundled synthetic dataset (data/qqp-synthetic.csv), a tool outside the qqp
 * library: scripts/generate-synthetic.ts runs it, nothing under src/ imports it.
 *
 * - data/*.yaml: what is said (question families and their templates, context sentences, entities,
 *   numbers, surface word lists); data.ts reads and checks them.
 * - template.ts: how one question is written from a family, slot values and an rng; the checks.
 * - kinds.ts: the pair kinds (paraphrase, hard negatives, unrelated) and what a family needs for each.
 * - generate.ts: how pairs are drawn (kind shares, hard negatives, noise, qids).
 * - csv.ts: the Kaggle train.csv layout, written atomically.
 */
export {
  csvField,
  csvLine,
  KAGGLE_HEADER,
  type SyntheticWriteResult,
  syntheticCsv,
  writeSyntheticCsv,
} from './csv.js';
export { DATA_DIR, DATA_FILES, loadSyntheticData } from './data.js';
export {
  generateSyntheticQqp,
  KIND_WEIGHTS,
  MAX_SYNTHETIC_ROWS,
  SYNTHETIC_DEFAULTS,
  type SyntheticOptions,
  type SyntheticRow,
  syntheticRows,
} from './generate.js';
export { HARD_NEGATIVE_KINDS, PAIR_KINDS, type PairKind } from './kinds.js';
export { realize, validateFamilies } from './template.js';
export type { Family, Lexicon, NumberType, Slot, SlotKind, SyntheticData } from './types.js';
