/**
 * Turns pairs into fixed-length id sequences for the models (plain typed arrays; no tfjs here).
 * Each question is cut (`truncation`) and padded (`padding`) to `maxLength` on its own, then:
 * - concat: [q1 (maxLength), <sep>, q2 (maxLength)] — always 2*maxLength+1 ids, the separator
 *   always at index maxLength (padding stays inside each half, so the halves line up);
 * - separate: two sequences of maxLength ids, one per question.
 * Swap augmentation (training split only) adds each pair again as (q2, q1), right after it.
 */
import { DataError } from '../errors.js';
import type { PairRow } from './read.js';
import type { EncodingConfig } from './schema.js';
import type { Tokenizer } from './tokenizer.js';
import { PAD_ID, SEP_ID, type Vocabulary } from './vocabulary.js';

export const DEFAULT_ENCODING: EncodingConfig = {
  pair: 'concat',
  maxLength: 20,
  padding: 'pre',
  truncation: 'pre',
  swapAugment: false,
};

/** Encoded pairs: row-major `[count, sequenceLength]` Int32Arrays, ready for `tf.tensor2d`. */
export interface EncodedPairs {
  pair: EncodingConfig['pair'];
  /** One array for concat, two (question1, question2) for separate. */
  inputs: Int32Array[];
  sequenceLength: number;
  count: number;
  /** 0/1 per pair, or null when the rows are unlabelled. */
  labels: Float32Array | null;
  /** Id of the source row of each pair (repeated for swapped copies). */
  ids: string[];
  /** Whether each pair is a swapped copy (q2, q1). */
  swapped: Uint8Array;
  /**
   * Extra model inputs by name (`features` [count, F], `exactMatch1`/`exactMatch2` [count, maxLength]),
   * row-major float32 with `width` values per pair; fed to the model input of the same name.
   */
  namedInputs?: Record<string, { values: Float32Array; width: number }>;
}

/** Length of each model input sequence. */
export function sequenceLength(encoding: Pick<EncodingConfig, 'pair' | 'maxLength'>): number {
  return encoding.pair === 'concat' ? 2 * encoding.maxLength + 1 : encoding.maxLength;
}

/**
 * Writes `ids` cut and padded to `maxLength` into `out` at `offset`; with `map`, each id is first
 * looked up in it (provisional ids -> vocabulary ids).
 */
export function writeQuestion(
  ids: ArrayLike<number>,
  out: Int32Array,
  offset: number,
  encoding: Pick<EncodingConfig, 'maxLength' | 'padding' | 'truncation'>,
  map?: Int32Array,
): void {
  const { maxLength, padding, truncation } = encoding;
  const n = Math.min(ids.length, maxLength);
  const from = ids.length > maxLength && truncation === 'pre' ? ids.length - maxLength : 0;
  const start = offset + (padding === 'pre' ? maxLength - n : 0);
  out.fill(PAD_ID, offset, offset + maxLength);
  if (map) for (let i = 0; i < n; i++) out[start + i] = map[ids[from + i]!]!;
  else for (let i = 0; i < n; i++) out[start + i] = ids[from + i]!;
}

/** Encodes one question as `maxLength` ids. */
export function encodeQuestion(
  text: string,
  tokenizer: Tokenizer,
  vocabulary: Vocabulary,
  encoding: Partial<EncodingConfig> = {},
): Int32Array {
  const enc = { ...DEFAULT_ENCODING, ...encoding };
  const out = new Int32Array(enc.maxLength);
  writeQuestion(vocabulary.encode(tokenizer.tokenize(text)), out, 0, enc);
  return out;
}

export interface EncodeOptions {
  /** Add every pair in both orders (use for the training split only). Default false. */
  augment?: boolean;
}

/** Encodes pairs of texts: tokenizer, then vocabulary ids. */
export function encodePairs(
  rows: readonly PairRow[],
  tokenizer: Tokenizer,
  vocabulary: Vocabulary,
  encoding: Partial<EncodingConfig> = {},
  options: EncodeOptions = {},
): EncodedPairs {
  return encodeIdPairs(
    rows,
    (row, which) => vocabulary.encode(tokenizer.tokenize(which === 0 ? row.question1 : row.question2)),
    encoding,
    options,
  );
}

/**
 * Encodes pairs whose questions are already ids: `idsOf(row, 0 | 1, index)` gives question1 / question2
 * ids (mapped through `options.map` when given).
 */
export function encodeIdPairs(
  rows: readonly PairRow[],
  idsOf: (row: PairRow, which: 0 | 1, index: number) => ArrayLike<number>,
  encoding: Partial<EncodingConfig> = {},
  options: EncodeOptions & { map?: Int32Array } = {},
): EncodedPairs {
  const enc = { ...DEFAULT_ENCODING, ...encoding };
  const copies = options.augment ? 2 : 1;
  const count = rows.length * copies;
  const seqLen = sequenceLength(enc);
  const m = enc.maxLength;
  const map = options.map;
  let labelled = 0;
  for (const r of rows) if (r.label !== null) labelled++;
  if (labelled !== 0 && labelled !== rows.length) {
    throw new DataError(
      'DATA_MIXED_LABELS',
      `cannot encode a mix of labelled and unlabelled rows (${labelled} of ${rows.length} labelled)`,
    );
  }
  const labels = rows.length > 0 && labelled === rows.length ? new Float32Array(count) : null;
  const inputs =
    enc.pair === 'concat'
      ? [new Int32Array(count * seqLen)]
      : [new Int32Array(count * m), new Int32Array(count * m)];
  const ids: string[] = new Array(count);
  const swapped = new Uint8Array(count);

  let k = 0;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    const a = idsOf(row, 0, r);
    const b = idsOf(row, 1, r);
    for (let c = 0; c < copies; c++, k++) {
      const first = c === 0 ? a : b;
      const second = c === 0 ? b : a;
      if (enc.pair === 'concat') {
        const out = inputs[0]!;
        const base = k * seqLen;
        writeQuestion(first, out, base, enc, map);
        out[base + m] = SEP_ID;
        writeQuestion(second, out, base + m + 1, enc, map);
      } else {
        writeQuestion(first, inputs[0]!, k * m, enc, map);
        writeQuestion(second, inputs[1]!, k * m, enc, map);
      }
      if (labels) labels[k] = row.label!;
      ids[k] = row.id;
      swapped[k] = c;
    }
  }
  return { pair: enc.pair, inputs, sequenceLength: seqLen, count, labels, ids, swapped };
}
