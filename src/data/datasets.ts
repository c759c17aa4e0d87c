import { UsageError } from '../errors.js';
import { closestMatch } from '../util/suggest.js';
import type { DATA_FORMATS } from './schema.js';

/**
 * The small, explicit registry of datasets `qqp data download` can fetch. Each entry pins the
 * archive's size and SHA-256 so a download is checked byte for byte before anything is unpacked.
 */

export interface DatasetFile {
  /** Path inside the archive (and under the destination folder), `/`-separated. */
  path: string;
  /** The `data.format` that reads it. */
  format: (typeof DATA_FORMATS)[number];
  description: string;
}

export interface DatasetEntry {
  name: string;
  description: string;
  url: string;
  /** Size of the archive in bytes, when known. */
  bytes?: number;
  /** Lower-case hex SHA-256 of the archive; without it a download is reported as unverified. */
  sha256?: string;
  /** Where `bytes` and `sha256` come from, so a reader can check them. */
  checksumSource?: string;
  /** Files the archive must contain; a download that lacks one fails. */
  files: DatasetFile[];
}

const DATASETS: readonly DatasetEntry[] = [
  {
    name: 'glue-qqp',
    description:
      'GLUE benchmark QQP split (train 363,846 / dev 40,430 labelled pairs, test 390,965 unlabelled)',
    url: 'https://dl.fbaipublicfiles.com/glue/data/QQP-clean.zip',
    // Size and SHA-256 as recorded by HuggingFace datasets in datasets/glue/dataset_infos.json
    // ("qqp" -> download_checksums), identical at commits 040102f100964a33fd334e2695f1c493fa6b92db
    // and cf0523d4c9c176271cad44cd0d9dd595d233e817. Not re-measured here (no internet on the
    // machine this was written on). The split sizes above come from the same file.
    bytes: 41_696_084,
    sha256: '40e7c862c04eb26ee04b67fd900e76c45c6ba8e6d8fab4f8f1f8072a1a3fbae0',
    checksumSource: 'huggingface/datasets datasets/glue/dataset_infos.json (qqp download_checksums)',
    files: [
      { path: 'QQP/train.tsv', format: 'glue-tsv', description: 'training pairs with labels' },
      { path: 'QQP/dev.tsv', format: 'glue-tsv', description: 'validation pairs with labels' },
      { path: 'QQP/test.tsv', format: 'glue-test-tsv', description: 'test pairs without labels' },
    ],
  },
];

/** Every known dataset, in registry order. */
export function listDatasets(): DatasetEntry[] {
  return DATASETS.map((d) => ({ ...d, files: d.files.map((f) => ({ ...f })) }));
}

export function datasetNames(): string[] {
  return DATASETS.map((d) => d.name);
}

export function findDataset(name: string): DatasetEntry | undefined {
  const found = DATASETS.find((d) => d.name === name);
  return found && { ...found, files: found.files.map((f) => ({ ...f })) };
}

/** Looks a dataset up by name; an unknown name is a usage error that lists the known ones. */
export function getDataset(name: string): DatasetEntry {
  const found = findDataset(name);
  if (found) return found;
  const names = datasetNames();
  // A typo, or a part of a name such as "qqp" for "glue-qqp".
  const lower = name.toLowerCase();
  const near =
    closestMatch(name, names) ?? (lower.length >= 2 ? names.find((n) => n.includes(lower)) : undefined);
  const suggestions = near === undefined ? [] : [`did you mean "${near}"?`];
  throw new UsageError('DATASET_UNKNOWN', `unknown dataset "${name}"; known datasets: ${names.join(', ')}`, {
    suggestions,
  });
}
