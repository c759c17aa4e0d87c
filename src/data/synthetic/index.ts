export {
  csvField,
  csvLine,
  KAGGLE_HEADER,
  type SyntheticWriteResult,
  syntheticCsv,
  writeSyntheticCsv,
} from './csv.js';
export { FAMILIES, type Family, type Slot, type SlotKind } from './families.js';
export {
  generateSyntheticQqp,
  HARD_NEGATIVE_KINDS,
  KIND_WEIGHTS,
  MAX_SYNTHETIC_ROWS,
  PAIR_KINDS,
  type PairKind,
  SYNTHETIC_DEFAULTS,
  type SyntheticOptions,
  type SyntheticRow,
  syntheticRows,
} from './generate.js';
export { realize, validateFamilies } from './template.js';
