import { describeSkipped, type SkippedRows } from '../../data/read.js';

/**
 * What reading a data file skipped, as warning lines for stderr (train, eval, predict): the count
 * with the first line numbers, then one indented line per sample with its reason. Nothing when
 * nothing was skipped.
 */
export function skippedWarnings(
  file: string,
  s: Pick<SkippedRows, 'badRows' | 'invalidUtf8Lines'> & Partial<SkippedRows>,
): string[] {
  return describeSkipped(file, s).map((text) => (text.startsWith(' ') ? text : `warning: ${text}`));
}
