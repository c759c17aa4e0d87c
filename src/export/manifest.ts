/**
 * qqp.json, the manifest of a folder written by `qqp export`: what the exported model is, how its
 * questions are encoded, which files hold what. Read by the export's predict.js (src/export/runtime.ts)
 * and by `qqp export` itself; plain data, no tfjs.
 */
import type { EncodingConfig, PairFeatureName } from '../data/schema.js';

export const EXPORT_FILE_KIND = 'qqp-export';
export const EXPORT_FILE_VERSION = 1;

export interface ExportManifest {
  kind: typeof EXPORT_FILE_KIND;
  version: typeof EXPORT_FILE_VERSION;
  /** Where the model came from. */
  run: {
    id: string;
    experiment: string;
    /** The config's model shape: sequential, siamese or graph. */
    shape: string;
    /** Which of the run's saved models was exported (the one `qqp predict` uses). */
    weights: 'best' | 'last';
    completed: boolean;
  };
  exportedAt: string;
  /** The qqp version that wrote the export. */
  qqpVersion: string;
  /** The run's test metrics from summary.json, when it has them. */
  metrics: Record<string, number> | null;
  encoding: EncodingConfig;
  /** The model's input names, in its order. */
  inputs: string[];
  /** The probability at or above which a pair is labelled a duplicate. */
  threshold: number;
  /** Pairs per model call in predict.js. */
  batchSize: number;
  /** Pair features and exact-match bits (features.json), and the words of feature-vectors.bin. */
  features: {
    pair: PairFeatureName[];
    exactMatch: boolean;
    vectors: { dim: number; words: string[] } | null;
  } | null;
  /** Every file of the folder, by name. */
  files: string[];
}
