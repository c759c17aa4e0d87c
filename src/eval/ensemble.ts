/**
 * `qqp eval RUN RUN…`: several trained runs scored on the same pairs, their probabilities averaged
 * (the mean of the members' probabilities, each member with its own tokenizer, vocabulary and
 * features), and the mean evaluated like one model. Every member must score exactly the same pairs:
 * for a split, the runs must share their data and split (checked by the pairs' texts and labels).
 */

import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { BackendRequest } from '../backend/index.js';
import type { LoadedDataset } from '../data/load.js';
import { DataError, UsageError } from '../errors.js';
import { expandRunRefs } from '../runs/ensemble-folder.js';
import type { EvaluationMetrics, EvaluationSource, RunRef } from '../runs/records.js';
import { evaluateBinary } from '../train/metrics.js';
import { writeJsonAtomic } from '../util/atomic.js';
import {
  choiceFrom,
  filePredictions,
  loadRunDataset,
  type Predictions,
  type ScoringOptions,
  splitPredictions,
  thresholdPredictions,
  toMetrics,
} from './evaluate.js';
import { type Predictor, predictorFor } from './predictor.js';
import { loadRunModel, type OpenedRun, openRun, runRef } from './run.js';
import { type RowScorer, runScorer } from './stream.js';

export interface EnsembleOptions extends ScoringOptions {
  /** Two or more run folders or ids under `experimentsDir`; an ensemble folder stands for its runs. */
  runs: readonly string[];
  /** A JSON file to write the result to (atomically); nothing is written into the run folders. */
  out?: string;
}

/** One member's own figures on the evaluated pairs (its threshold chosen as for `qqp eval RUN`). */
export interface EnsembleMember extends EvaluationMetrics {
  run: RunRef;
}

export interface EnsembleEvaluation extends EvaluationMetrics {
  /** How the members' probabilities are joined. */
  combine: 'mean';
  members: EnsembleMember[];
  source: EvaluationSource;
  backend: string;
  evaluatedAt: string;
  /** The file the result was written to (`out`), or null. */
  savedTo: string | null;
}

/** The mean of equally long probability arrays, each sum taken in float64 and the mean rounded to float32. */
export function meanProbabilities(arrays: readonly Float32Array[]): Float32Array {
  const n = arrays[0]?.length ?? 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (const a of arrays) sum += a[i]!;
    out[i] = sum / arrays.length;
  }
  return out;
}

/**
 * Opens every run of an ensemble first, so a missing or damaged one fails before anything slow;
 * a run named twice is refused (the mean weighs every member equally).
 */
export async function openMembers(refs: readonly string[], experimentsDir: string): Promise<OpenedRun[]> {
  const opened: OpenedRun[] = [];
  for (const ref of expandRunRefs(refs, experimentsDir)) opened.push(await openRun(ref, experimentsDir));
  const seen = new Map<string, string>();
  for (const r of opened) {
    const earlier = seen.get(r.dir);
    if (earlier !== undefined) {
      throw new UsageError('EVAL_ENSEMBLE_REPEATED', `run ${r.id} is given twice (${earlier} and ${r.id})`, {
        suggestions: ['name each run once; the mean weighs every member equally'],
      });
    }
    seen.set(r.dir, r.id);
  }
  return opened;
}

/** Runs loaded together for prediction, and one scorer: the run's model, or the mean of theirs. */
export interface LoadedScorers {
  predictors: Predictor[];
  score: RowScorer;
  dispose(): void;
}

/** Loads every run's final model (`qqp predict` with one run or several); a failure frees those loaded. */
export async function loadScorers(
  runs: readonly OpenedRun[],
  backend?: BackendRequest,
): Promise<LoadedScorers> {
  const predictors: Predictor[] = [];
  const dispose = () => {
    for (const p of predictors) p.dispose();
  };
  try {
    for (const run of runs) predictors.push(await predictorFor(run, backend));
  } catch (err) {
    dispose();
    throw err;
  }
  const scorers = predictors.map((p) => runScorer(p.run, p.model));
  const score: RowScorer =
    scorers.length === 1
      ? scorers[0]!
      : (rows, batchSize) => meanProbabilities(scorers.map((f) => f(rows, batchSize)));
  return { predictors, score, dispose };
}

/** What a member must share with the first: the same pairs, in the same order, with the same labels. */
function checkSamePairs(
  what: string,
  first: Predictions,
  firstId: string,
  other: Predictions,
  otherId: string,
) {
  if (other.rowsDigest === first.rowsDigest) return;
  const sizes = `${first.probs.length} and ${other.probs.length} pairs`;
  throw new UsageError(
    'EVAL_ENSEMBLE_MISMATCH',
    `runs ${firstId} and ${otherId} do not score the same pairs on ${what} (${sizes}${other.probs.length === first.probs.length ? ', different texts or labels' : ''}): an ensemble averages the probabilities of one set of pairs`,
    {
      suggestions: [
        'join runs trained on the same data with the same data.split (seed and fractions), or evaluate all of them on one file: qqp eval RUN RUN --data FILE',
      ],
    },
  );
}

/**
 * Evaluates the mean of several runs' probabilities on the runs' shared test or validation split,
 * or on a labelled file. The F1-best threshold is chosen as for one run (on the validation split
 * when the runs have one, on the members' mean there); each member's own figures come with it.
 */
export async function evaluateEnsemble(options: EnsembleOptions): Promise<EnsembleEvaluation> {
  const runs = expandRunRefs(options.runs, options.experimentsDir);
  if (runs.length < 2) {
    throw new UsageError('EVAL_ENSEMBLE_SIZE', 'an ensemble needs two runs or more', {
      suggestions: ['qqp eval RUN (one run)', 'qqp eval RUN RUN… (their mean)'],
    });
  }
  if (options.data !== undefined && options.split !== undefined) {
    throw new UsageError('EVAL_SPLIT_AND_DATA', 'give either --split or --data FILE, not both');
  }
  // --out is checked before anything slow, so a bad path never costs the evaluation.
  if (options.out !== undefined) checkOutFile(options.out);
  const opened = await openMembers(runs, options.experimentsDir);
  const scored: Predictions[] = [];
  const chosenOn: (Predictions | null)[] = [];
  let backendName = '';
  for (const run of opened) {
    const { model, backend } = await loadRunModel(run, options.backend);
    backendName = backend.name;
    try {
      let dataset: LoadedDataset | undefined;
      let p: Predictions;
      if (options.data !== undefined) {
        p = await filePredictions(run, model, options.data, options);
      } else {
        const split = options.split ?? 'test';
        dataset = await loadRunDataset(run, split);
        p = await splitPredictions(run, model, dataset, split, options);
      }
      const t = await thresholdPredictions(run, model, p.source, options, dataset);
      const first = scored[0];
      if (first) {
        checkSamePairs(
          p.source.kind === 'file' ? p.source.file : `the ${p.source.split} split`,
          first,
          opened[0]!.id,
          p,
          run.id,
        );
        const firstOn = chosenOn[0] ?? null;
        if ((firstOn === null) !== (t === null))
          throw new UsageError(
            'EVAL_ENSEMBLE_MISMATCH',
            `runs ${opened[0]!.id} and ${run.id} do not both have the pairs the threshold is chosen on (a validation split)`,
            { suggestions: ['--threshold-from FILE (a labelled file, the same for every member)'] },
          );
        if (firstOn && t)
          checkSamePairs('the pairs the threshold is chosen on', firstOn, opened[0]!.id, t, run.id);
      }
      scored.push(p);
      chosenOn.push(t);
    } finally {
      model.dispose();
    }
  }
  const first = scored[0]!;
  const members: EnsembleMember[] = opened.map((run, i) => ({
    run: runRef(run),
    ...toMetrics(
      evaluateBinary(scored[i]!.probs, first.labels, choiceFrom(chosenOn[i] ?? null, first.source)),
    ),
  }));
  const probs = meanProbabilities(scored.map((p) => p.probs));
  const on = chosenOn[0] ?? null;
  const meanOn: Predictions | null = on
    ? { ...on, probs: meanProbabilities(chosenOn.map((t) => (t as Predictions).probs)) }
    : null;
  const result: EnsembleEvaluation = {
    combine: 'mean',
    ...toMetrics(evaluateBinary(probs, first.labels, choiceFrom(meanOn, first.source))),
    members,
    source: first.source,
    backend: backendName,
    evaluatedAt: new Date().toISOString(),
    savedTo: null,
  };
  if (options.out !== undefined) {
    result.savedTo = options.out;
    try {
      writeJsonAtomic(options.out, result);
    } catch (err) {
      throw outFailed(options.out, err);
    }
  }
  return result;
}

function outFailed(out: string, err: unknown): DataError {
  return new DataError('EVAL_WRITE_FAILED', `cannot write --out ${out}: ${(err as Error).message}`, {
    suggestions: ['name a file in a folder you can write to'],
    cause: err,
  });
}

/** `--out` must name a file (not a folder) whose folder exists or can be made, and can be written. */
function checkOutFile(out: string): void {
  if (existsSync(out) && statSync(out).isDirectory()) {
    throw new UsageError(
      'EVAL_OUT_IS_DIRECTORY',
      `--out ${out} is a directory: name the JSON file to write`,
      {
        suggestions: [`e.g. --out ${join(out, 'ensemble.json')}`],
      },
    );
  }
  try {
    mkdirSync(dirname(resolve(out)), { recursive: true });
    accessSync(dirname(resolve(out)), constants.W_OK);
  } catch (err) {
    throw outFailed(out, err);
  }
}
