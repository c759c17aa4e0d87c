import { UsageError } from '../errors.js';
import { closestMatch } from '../util/suggest.js';
import type { DATA_FORMATS } from './schema.js';

/**
 * The small, explicit registry of datasets and word vectors `qqp data download` can fetch. Each entry
 * pins what is published about its archive (size, SHA-256 or MD5) so a download is checked before
 * anything is unpacked; where nothing is published, the download says it was not verified.
 */

/** How a file of word vectors is written, for `embedding.pretrained.source`. */
export type VectorFormat = 'glove-text' | 'fasttext-vec';

export interface DatasetFile {
  /** Path inside the archive (and under the destination folder), `/`-separated. */
  path: string;
  /** The `data.format` that reads it, or for word vectors their layout. */
  format: (typeof DATA_FORMATS)[number] | VectorFormat;
  description: string;
}

export interface DatasetEntry {
  name: string;
  description: string;
  url: string;
  /** Size of the archive in bytes, when known. */
  bytes?: number;
  /** Lower-case hex SHA-256 of the archive; without it (and without `md5`) a download is unverified. */
  sha256?: string;
  /** Lower-case hex MD5 of the archive, where only that is published; checked when `sha256` is absent. */
  md5?: string;
  /** Where `bytes` and the checksum come from, so a reader can check them. */
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
  {
    name: 'glove-6b',
    description:
      'GloVe 6B word vectors (Wikipedia 2014 + Gigaword 5, 400,000 lower-cased words; 50, 100, 200 and 300 dimensions)',
    url: 'https://nlp.stanford.edu/data/glove.6B.zip',
    // No SHA-256 of glove.6B.zip is published that we could find. The MD5 is the one published in
    // wedavey/atnlp scripts/install_glove.py (MD5ZIP, commit 7cc1d27a8137e077f5f734c7babd5aad2830254d)
    // and, identically, in several unrelated projects' download scripts. The size is the one wget
    // reports from the Stanford server in published logs (2019, 2022, 2023) and that download
    // scripts pin. Not re-measured here (no internet on the machine this was written on).
    bytes: 862_182_613,
    md5: '056ea991adb4740ac6bf1b6d9b50408b',
    checksumSource: 'MD5 published in wedavey/atnlp scripts/install_glove.py (MD5ZIP) and other projects',
    files: [
      { path: 'glove.6B.50d.txt', format: 'glove-text', description: '50-dimensional vectors' },
      { path: 'glove.6B.100d.txt', format: 'glove-text', description: '100-dimensional vectors' },
      { path: 'glove.6B.200d.txt', format: 'glove-text', description: '200-dimensional vectors' },
      { path: 'glove.6B.300d.txt', format: 'glove-text', description: '300-dimensional vectors' },
    ],
  },
  {
    name: 'fasttext-crawl',
    description:
      'fastText English word vectors from Common Crawl (2,000,000 words, 300 dimensions, .vec text)',
    url: 'https://dl.fbaipublicfiles.com/fasttext/vectors-english/crawl-300d-2M.vec.zip',
    // No checksum of crawl-300d-2M.vec.zip is published that we could find: the download prints
    // the SHA-256 it computed and says it was not verified. The size is the one a published wget log
    // (2020) shows for this URL; not re-measured here.
    bytes: 1_523_785_255,
    checksumSource: 'size only, from a published wget log; no checksum is published',
    files: [
      { path: 'crawl-300d-2M.vec', format: 'fasttext-vec', description: 'word vectors (fastText .vec)' },
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
