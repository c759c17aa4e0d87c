/**
 * The data formats qqp reads, one entry each (the interface is in types.ts). The order is the order
 * of `data.format`'s values and the order `auto` detection asks the entries in. To add a format,
 * write its entry in a file of its own (or with its family) and list it here.
 */
import { anyCsv, hfCsv, kaggleCsv, kaggleTestCsv, minimalCsv } from './csv.js';
import { jsonl } from './jsonl.js';
import { parquet } from './parquet.js';
import { anyTsv, glueTestTsv, glueTsv, pairsTsv } from './tsv.js';
import type { FileHead, FormatEntry } from './types.js';

// The formats read by any header (`csv`, `tsv`) come last: detection takes them only when no
// named format fits.
export const FORMATS = [
  kaggleCsv,
  kaggleTestCsv,
  glueTsv,
  glueTestTsv,
  pairsTsv,
  hfCsv,
  minimalCsv,
  jsonl,
  parquet,
  anyCsv,
  anyTsv,
] as const;

/** A format's name (a `data.format` value other than `auto`). */
export type FormatName = (typeof FORMATS)[number]['name'];

export const FORMAT_NAMES: readonly FormatName[] = FORMATS.map((f) => f.name);

const BY_NAME = new Map<string, FormatEntry<FormatName>>(FORMATS.map((f) => [f.name, f]));

/** The entry of a format name. */
export function formatEntry(name: FormatName): FormatEntry<FormatName> {
  return BY_NAME.get(name)!;
}

/** The first format, in list order, whose detection recognises a file's start. */
export function detectFormatOf(head: FileHead): FormatEntry<FormatName> | undefined {
  return FORMATS.find((f) => f.detect(head));
}
