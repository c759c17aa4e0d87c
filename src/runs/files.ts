import { basename, join } from 'node:path';
import { OWNER_FILE } from './owner.js';

/**
 * The files of a run folder (folder.ts says what each holds), apart from folder.ts, which imports
 * the config loader, the data code and the rest: the readers of `runs`, `show` and `compare`
 * (report/read.ts) need the names only.
 */
export const RUN_FILES = {
  config: 'config.yaml',
  meta: 'run.json',
  metrics: 'metrics.jsonl',
  supersededMetrics: 'metrics.superseded.jsonl',
  summary: 'summary.json',
  vocabulary: 'vocabulary.json',
  features: 'features.json',
  featureVectors: 'feature-vectors.f32',
  bestModel: join('model', 'best'),
  lastModel: join('model', 'last'),
  checkpoint: 'checkpoint',
  log: 'train.log',
  owner: OWNER_FILE,
} as const;

/** The file a result is saved under: eval-test.json, eval-validation.json, eval-<file name>.json. */
export function evaluationFileName(
  source: { kind: 'split'; split: string } | { kind: 'file'; file: string },
): string {
  if (source.kind === 'split') return `eval-${source.split}.json`;
  // The full base name (extension kept) so a file named test.csv never replaces eval-test.json.
  return `eval-${basename(source.file).replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
}
