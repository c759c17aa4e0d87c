import type {
  BinaryEvaluation,
  ChosenThreshold,
  Confusion,
  OperatingCurve,
  ThresholdMetrics,
} from '../runs/records.js';

/**
 * Binary-classification metrics from predicted probabilities and 0/1 labels. Pure functions: the
 * trainer, `qqp eval` and the tests share them.
 */

const EPS = 1e-7; // Keras' clipping for cross-entropy

export function confusionAt(
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  threshold: number,
): Confusion {
  const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < probs.length; i++) {
    const predicted = probs[i]! >= threshold;
    const actual = labels[i]! >= 0.5;
    if (predicted && actual) c.tp++;
    else if (predicted) c.fp++;
    else if (actual) c.fn++;
    else c.tn++;
  }
  return c;
}

/** Ratios from counts; 0 where the denominator is 0 (no predicted or no actual positives). */
export function fromConfusion(c: Confusion, threshold: number): ThresholdMetrics {
  const n = c.tp + c.fp + c.tn + c.fn;
  const precision = c.tp + c.fp === 0 ? 0 : c.tp / (c.tp + c.fp);
  const recall = c.tp + c.fn === 0 ? 0 : c.tp / (c.tp + c.fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { threshold, accuracy: n === 0 ? 0 : (c.tp + c.tn) / n, precision, recall, f1, confusion: c };
}

export function logLoss(probs: ArrayLike<number>, labels: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = Math.min(1 - EPS, Math.max(EPS, probs[i]!));
    sum += labels[i]! >= 0.5 ? -Math.log(p) : -Math.log(1 - p);
  }
  return probs.length === 0 ? 0 : sum / probs.length;
}

/** Indices sorted by descending probability. */
function byScore(probs: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(probs.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => probs[b]! - probs[a]!);
}

/** Area under the ROC curve (ties count half), via the rank statistic. NaN with one class only. */
export function rocAuc(probs: ArrayLike<number>, labels: ArrayLike<number>): number {
  const order = byScore(probs);
  let pos = 0;
  let neg = 0;
  for (let i = 0; i < labels.length; i++) labels[i]! >= 0.5 ? pos++ : neg++;
  if (pos === 0 || neg === 0) return Number.NaN;
  // Walk from the highest score down; for each negative, count positives ranked above it.
  let area = 0;
  let posAbove = 0;
  let i = 0;
  while (i < order.length) {
    let j = i;
    let tiePos = 0;
    let tieNeg = 0;
    while (j < order.length && probs[order[j]!] === probs[order[i]!]) {
      labels[order[j]!]! >= 0.5 ? tiePos++ : tieNeg++;
      j++;
    }
    area += tieNeg * (posAbove + tiePos / 2);
    posAbove += tiePos;
    i = j;
  }
  return area / (pos * neg);
}

/** The threshold with the highest F1, checking every distinct probability as a cut. */
/** One cut of the pairs sorted by probability, highest first: the counts at or above `threshold`. */
interface Cut {
  threshold: number;
  tp: number;
  fp: number;
  /** Whether this is the lowest cut (every pair predicted a duplicate). */
  last: boolean;
}

/** Positives among the labels (a label counts as positive from 0.5). */
function positiveCount(labels: ArrayLike<number>): number {
  let pos = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]! >= 0.5) pos++;
  return pos;
}

/** Every distinct probability as a threshold, from the highest down, with the counts at it. */
function* cuts(probs: ArrayLike<number>, labels: ArrayLike<number>): Generator<Cut> {
  const order = byScore(probs);
  let tp = 0;
  let fp = 0;
  let i = 0;
  while (i < order.length) {
    const threshold = probs[order[i]!]!;
    while (i < order.length && probs[order[i]!] === threshold) {
      labels[order[i]!]! >= 0.5 ? tp++ : fp++;
      i++;
    }
    yield { threshold, tp, fp, last: i === order.length };
  }
}

export function bestF1Threshold(probs: ArrayLike<number>, labels: ArrayLike<number>): ThresholdMetrics {
  const pos = positiveCount(labels);
  let best = fromConfusion(confusionAt(probs, labels, 0.5), 0.5);
  for (const { threshold, tp, fp } of cuts(probs, labels)) {
    const m = fromConfusion({ tp, fp, fn: pos - tp, tn: probs.length - pos - fp }, threshold);
    if (m.f1 > best.f1) best = m;
  }
  return best;
}

/** How finely an operating curve follows the rates: a point per 1% of either (records.ts OperatingCurve). */
export const CURVE_RESOLUTION = 100;

/**
 * The operating curve of these pairs (records.ts OperatingCurve): cuts at distinct probabilities,
 * from the highest down, kept where the true- or false-positive rate moved by 1/resolution or more,
 * and the last cut always.
 */
export function operatingCurve(
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  resolution = CURVE_RESOLUTION,
): OperatingCurve {
  const pos = positiveCount(labels);
  const neg = probs.length - pos;
  const curve: OperatingCurve = { resolution, thresholds: [], tp: [], fp: [] };
  let keptTp = 0;
  let keptFp = 0;
  for (const { threshold, tp, fp, last } of cuts(probs, labels)) {
    const moved = Math.max(pos ? (tp - keptTp) / pos : 0, neg ? (fp - keptFp) / neg : 0);
    if (moved * resolution >= 1 - 1e-9 || last) {
      curve.thresholds.push(Number(threshold.toPrecision(5)));
      curve.tp.push(tp);
      curve.fp.push(fp);
      keptTp = tp;
      keptFp = fp;
    }
  }
  return curve;
}

/**
 * Where the F1-best threshold comes from: chosen on other pairs (`threshold`, e.g. the validation
 * split's) and applied to these, or chosen on these pairs themselves (named `scoredOn`: optimistic).
 */
export type ThresholdChoice = { threshold: number; chosenOn: string } | { scoredOn: string };

export function evaluateBinary(
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  choice: ThresholdChoice = { scoredOn: 'these pairs' },
): BinaryEvaluation {
  return {
    count: probs.length,
    positives: positiveCount(labels),
    logLoss: logLoss(probs, labels),
    rocAuc: rocAuc(probs, labels),
    atHalf: fromConfusion(confusionAt(probs, labels, 0.5), 0.5),
    bestF1: chooseThreshold(probs, labels, choice),
    curve: operatingCurve(probs, labels),
  };
}

/** The F1-best threshold's figures on these pairs, chosen where `choice` says. */
export function chooseThreshold(
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  choice: ThresholdChoice,
): ChosenThreshold {
  if ('threshold' in choice) {
    const t = choice.threshold;
    return {
      ...fromConfusion(confusionAt(probs, labels, t), t),
      chosenOn: choice.chosenOn,
      optimistic: false,
    };
  }
  return { ...bestF1Threshold(probs, labels), chosenOn: choice.scoredOn, optimistic: true };
}

/** How a table labels the F1-best threshold: `0.412 (best F1 on validation)`, `... (best F1 on test, optimistic)`. */
export function thresholdLabel(t: ChosenThreshold, digits: number): string {
  const on = t.chosenOn ? ` on ${t.chosenOn}` : '';
  const optimistic = t.optimistic !== false ? ', optimistic: chosen on these pairs' : '';
  return `${t.threshold.toFixed(digits)} (best F1${on}${optimistic})`;
}
