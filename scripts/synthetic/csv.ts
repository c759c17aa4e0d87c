import { createHash } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DataError } from '../../src/errors.js';
import { loadSyntheticData } from './data.js';
import { type SyntheticOptions, type SyntheticRow, syntheticRows } from './generate.js';
import type { SyntheticData } from './types.js';

export const KAGGLE_HEADER = 'id,qid1,qid2,question1,question2,is_duplicate';
/** Kaggle's columns, then how the pair was made (`kind`), which the readers ignore. */
export const SYNTHETIC_HEADER = `${KAGGLE_HEADER},kind`;

/** RFC 4180 quoting: only fields with a comma, quote or line break are quoted; quotes are doubled. */
export function csvField(value: string | number): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(row: SyntheticRow): string {
  return [row.id, row.qid1, row.qid2, row.question1, row.question2, row.isDuplicate, row.kind]
    .map(csvField)
    .join(',');
}

/** The whole file as Kaggle's train.csv lays it out: header, one pair per line, `\n` endings. */
export function syntheticCsv(options: SyntheticOptions, data: SyntheticData = loadSyntheticData()): string {
  const lines = [SYNTHETIC_HEADER];
  for (const row of syntheticRows(options, data)) lines.push(csvLine(row));
  return `${lines.join('\n')}\n`;
}

export interface SyntheticWriteResult {
  path: string;
  rows: number;
  duplicates: number;
  bytes: number;
  sha256: string;
}

/**
 * Writes the synthetic CSV to `path` atomically (a temporary file next to it, then a rename), so an
 * interrupted run never leaves a half-written dataset behind.
 */
export async function writeSyntheticCsv(
  path: string,
  options: SyntheticOptions,
  data: SyntheticData = loadSyntheticData(),
): Promise<SyntheticWriteResult> {
  const text = syntheticCsv(options, data);
  const duplicates = text.split('\n').filter((l) => l.endsWith(',1,paraphrase')).length;
  const bytes = Buffer.byteLength(text, 'utf8');
  const sha256 = createHash('sha256').update(text, 'utf8').digest('hex');
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, path);
  } catch (cause) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new DataError(
      'SYNTHETIC_WRITE',
      `could not write the synthetic dataset to ${path}: ${String(cause)}`,
      {
        cause,
        suggestions: ['check that the folder exists or can be created, and that it is writable'],
      },
    );
  }
  return { path, rows: options.rows, duplicates, bytes, sha256 };
}
