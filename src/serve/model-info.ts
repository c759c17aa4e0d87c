import type { Predictor } from '../eval/predictor.js';
import { readRun } from '../report/read.js';
import type { ModelInfo } from './schemas.js';

type Metrics = Record<string, number | null>;

/**
 * What GET /model answers: the run, its config in short, the model's inputs and size, the
 * vocabulary and tokenizer, and the metrics the run folder records, read the way `qqp show` reads
 * them (src/report/read.ts readRun). No file paths: the server may face other hosts.
 */
export function modelInfo(
  predictor: Predictor,
  limits: { maxPairs: number; bodyLimit: number; maxBatch: number },
): ModelInfo {
  const { run, model } = predictor;
  const info = readRun(run.dir);
  const t = info.test;
  const test: Metrics | null = t
    ? {
        count: t.count,
        accuracy: t.accuracy,
        precision: t.precision,
        recall: t.recall,
        f1: t.f1,
        auc: t.auc,
        logLoss: t.logLoss,
        bestF1Threshold: t.bestF1?.threshold ?? null,
      }
    : null;
  // The epoch whose weights are served: the best one restored, or the last.
  const epoch = run.weights === 'best' ? (info.best ?? info.last) : info.last;
  const heldOut = epoch ? Object.entries(epoch).filter(([k]) => k.startsWith('val_')) : [];
  return {
    run: {
      id: run.id,
      status: info.status,
      weights: run.weights,
      completed: run.completed,
      epochs: info.epochs,
      notes: run.notes,
    },
    config: { name: run.config.experiment.name, modelType: run.config.model.type },
    model: {
      inputs: model.inputs.map((i) => ({ name: i.name, shape: [...i.shape] })),
      parameters: model.countParams(),
      layers: model.layers.length,
    },
    vocabulary: { size: run.vocabulary.size, settings: { ...run.vocabulary.config } },
    tokenizer: { ...run.vocabulary.tokenizerConfig },
    encoding: { ...run.encoding },
    features: run.features
      ? [...run.features.stats.pair, ...(run.features.stats.exactMatch ? ['exactMatch'] : [])]
      : null,
    metrics: {
      test,
      validation: heldOut.length > 0 ? (Object.fromEntries(heldOut) as Metrics) : null,
    },
    backend: predictor.backend,
    limits: { ...limits },
  };
}
