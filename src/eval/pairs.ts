import type { PairRow } from '../data/read.js';
import { UsageError } from '../errors.js';

/**
 * Question pairs given as text (by `qqp predict --q1/--q2`, an HTTP request, an exported model's
 * predict.js). Kept free of tfjs and of the run folder, so the export runtime bundles it as is.
 */
export interface QuestionPair {
  question1: string;
  question2: string;
}

/** The rows predictPairs scores: trimmed, numbered from 1; an empty question is a UsageError. */
export function pairRows(pairs: readonly QuestionPair[]): PairRow[] {
  return pairs.map((p, i) => {
    const row: PairRow = {
      line: i + 1,
      id: String(i),
      question1: p.question1.trim(),
      question2: p.question2.trim(),
      label: null,
    };
    for (const q of ['question1', 'question2'] as const) {
      if (row[q] === '') {
        throw new UsageError(
          'PREDICT_EMPTY_QUESTION',
          `${q} of pair ${i + 1} is empty: give both questions`,
          {
            suggestions: [
              'qqp predict RUN --q1 "How do I learn Go?" --q2 "What is the best way to learn Go?"',
            ],
          },
        );
      }
    }
    return row;
  });
}
