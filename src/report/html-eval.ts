import type { OperatingCurve, SliceTable } from '../runs/records.js';
import {
  type CurveSpec,
  escapeHtml,
  fixed,
  type LineSpec,
  labelHtml,
  percent,
  type RunLabel,
} from './html-common.js';
import type { RunInfo, TestMetrics } from './read.js';

/**
 * The evaluation part of the HTML report: for each run, the evaluation its charts are drawn from,
 * the ROC, precision-recall and F1-by-threshold charts (one line per run, in its colour), the
 * confusion matrices, the table of every saved evaluation, and the per-slice tables.
 */

/** The evaluation a run's charts and confusion matrix show. */
export interface ChartedEvaluation {
  run: RunInfo;
  label: RunLabel;
  /** `test split, end of training` or the eval file's name. */
  source: string;
  metrics: TestMetrics;
}

/**
 * A run's evaluation for the charts: summary.json's test figures (what the comparison table shows)
 * when they hold a curve, else the first eval-*.json with one (eval-test.json first), else the test
 * figures without a curve, else the first evaluation; null when the run has none.
 */
export function chartedEvaluation(run: RunInfo, label: RunLabel): ChartedEvaluation | null {
  const files = [...run.evaluations].sort(
    (a, b) => Number(b.source === 'test') - Number(a.source === 'test') || a.file.localeCompare(b.file),
  );
  const candidates = [
    ...(run.test ? [{ source: 'test split, end of training (summary.json)', metrics: run.test }] : []),
    ...files.map((e) => ({ source: `${e.source} (${e.file})`, metrics: e.metrics })),
  ];
  const chosen = candidates.find((c) => c.metrics.curve !== null) ?? candidates[0];
  return chosen ? { run, label, ...chosen } : null;
}

interface Rates {
  threshold: number;
  fpr: number;
  tpr: number;
  precision: number;
  f1: number;
}

export function curveRates(curve: OperatingCurve, count: number, positives: number): Rates[] {
  const neg = count - positives;
  return curve.thresholds.map((threshold, i) => {
    const tp = curve.tp[i]!;
    const fp = curve.fp[i]!;
    const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
    const recall = positives === 0 ? 0 : tp / positives;
    return {
      threshold,
      fpr: neg === 0 ? 0 : fp / neg,
      tpr: recall,
      precision,
      f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    };
  });
}

const round = (v: number) => Number(v.toFixed(4));

export type EvalChartKind = 'roc' | 'pr' | 'f1';

/** The positives of an evaluation: recorded, or from its confusion matrix. */
function positivesOf(m: TestMetrics): number | null {
  return m.positives ?? (m.confusion ? m.confusion.tp + m.confusion.fn : null);
}

/** One chart of the evaluations that have a curve; null when none has. */
export function evalChart(kind: EvalChartKind, evals: readonly ChartedEvaluation[]): CurveSpec | null {
  const lines: LineSpec[] = [];
  const marks: NonNullable<CurveSpec['marks']> = [];
  const legend: CurveSpec['legend'] = [];
  const prevalences = new Set<number>();
  for (const e of evals) {
    const m = e.metrics;
    const positives = positivesOf(m);
    if (!m.curve || positives === null || m.count === 0) continue;
    const rates = curveRates(m.curve, m.count, positives);
    const { key, color, text } = e.label;
    prevalences.add(round(positives / m.count));
    let points: [number, number][];
    if (kind === 'roc')
      points = [[0, 0], ...rates.map((r): [number, number] => [round(r.fpr), round(r.tpr)])];
    else if (kind === 'pr')
      points = [
        [0, round(rates[0]?.precision ?? 1)],
        ...rates.map((r): [number, number] => [round(r.tpr), round(r.precision)]),
      ];
    else {
      // Above the highest probability no pair is called a duplicate: F1 0 up to threshold 1.
      const top = rates[0]?.threshold ?? 1;
      const above: [number, number][] =
        top < 1
          ? [
              [1, 0],
              [top, 0],
            ]
          : [];
      points = [...above, ...rates.map((r): [number, number] => [r.threshold, round(r.f1)])];
    }
    lines.push({ key, label: text, color, dashed: false, points });
    legend.push({ key, label: text, color });
    const c = m.confusion;
    if (c && kind !== 'f1') {
      const tpr = c.tp + c.fn ? c.tp / (c.tp + c.fn) : 0;
      const x = kind === 'roc' ? (c.fp + c.tn ? c.fp / (c.fp + c.tn) : 0) : tpr;
      const y = kind === 'roc' ? tpr : c.tp + c.fp ? c.tp / (c.tp + c.fp) : 1;
      marks.push({ key, color, x: round(x), y: round(y), label: `${text}\nthreshold 0.5`, shape: 'circle' });
    }
    if (kind === 'f1') {
      marks.push({
        key,
        color,
        x: 0.5,
        y: round(m.f1),
        label: `${text}\nthreshold 0.5: F1 ${fixed(m.f1, 3)}`,
        shape: 'circle',
      });
      if (m.bestF1)
        marks.push({
          key,
          color,
          x: m.bestF1.threshold,
          y: round(m.bestF1.f1),
          label: `${text}\nbest-F1 threshold ${fixed(m.bestF1.threshold, 3)}${
            m.bestF1.chosenOn
              ? ` (chosen on ${m.bestF1.chosenOn}${m.bestF1.optimistic ? ', optimistic' : ''})`
              : ''
          }: F1 ${fixed(m.bestF1.f1, 3)}`,
          shape: 'square',
        });
    }
  }
  if (lines.length === 0) return null;
  const unit: [number, number] = [0, 1];
  const titles = {
    roc: ['ROC curve', 'false-positive rate', 'true-positive rate (recall)'],
    pr: ['Precision against recall', 'recall', 'precision'],
    f1: ['F1 against threshold', 'threshold', 'F1'],
  } as const;
  const [title, xLabel, yLabel] = titles[kind];
  const spec: CurveSpec = {
    kind: 'curves',
    title,
    xLabel,
    yLabel,
    lines,
    legend,
    xDomain: unit,
    yDomain: unit,
    xInteger: false,
    dots: false,
    marks,
  };
  if (kind === 'roc') spec.refs = [{ from: [0, 0], to: [1, 1], label: 'chance' }];
  if (kind === 'pr' && prevalences.size === 1) {
    const p = [...prevalences][0]!;
    spec.refs = [{ from: [0, p], to: [1, p], label: `calling every pair a duplicate (precision ${p})` }];
  }
  return spec;
}

/** The confusion matrix at threshold 0.5, shaded grey by each cell's share of its true class. */
export function confusionHtml(e: ChartedEvaluation): string {
  const c = e.metrics.confusion;
  const head = `<div class="cm-head">${labelHtml(e.label, false)}<div class="note">${escapeHtml(e.source)}, threshold 0.5</div></div>`;
  if (!c) return `<div class="cm">${head}<p class="note">No confusion matrix in this file.</p></div>`;
  const cell = (v: number, rowTotal: number, correct: boolean) => {
    const share = rowTotal ? v / rowTotal : 0;
    const shade = Math.round(250 - share * 80);
    return `<td class="num ${correct ? 'right' : 'wrong'}" style="background:rgb(${shade},${shade},${Math.min(255, shade + 6)})">${v.toLocaleString('en-US')}<br><span class="note">${percent(share)}</span></td>`;
  };
  const dup = c.tp + c.fn;
  const not = c.tn + c.fp;
  return `<div class="cm">${head}<table class="confusion"><thead><tr><th></th><th>called duplicate</th><th>called not</th></tr></thead><tbody>
<tr><th>duplicate</th>${cell(c.tp, dup, true)}${cell(c.fn, dup, false)}</tr>
<tr><th>not duplicate</th>${cell(c.fp, not, false)}${cell(c.tn, not, true)}</tr></tbody></table></div>`;
}

/** Every saved evaluation of the runs: the end of training's and each eval-*.json. */
export function evaluationsHtml(runs: readonly RunInfo[], labels: Map<string, RunLabel>): string {
  const rows: string[] = [];
  for (const r of runs) {
    const label = labels.get(r.id)!;
    const all = [
      ...(r.test ? [{ source: 'test split, end of training', file: 'summary.json', m: r.test }] : []),
      ...r.evaluations.map((e) => ({ source: e.source, file: e.file, m: e.metrics })),
    ];
    for (const { source, file, m } of all) {
      const b = m.bestF1;
      const threshold = b
        ? `${fixed(b.threshold, 3)} → F1 ${fixed(b.f1, 3)}${b.chosenOn ? ` (on ${escapeHtml(b.chosenOn)})` : ''}${
            b.optimistic
              ? ' <span class="warn" title="chosen on the pairs it is scored on">optimistic</span>'
              : ''
          }`
        : '-';
      rows.push(
        `<tr><td>${labelHtml(label, false)}</td><td>${escapeHtml(source)}</td><td><code>${escapeHtml(file)}</code></td><td class="num">${m.count.toLocaleString('en-US')}</td>${[
          m.accuracy,
          m.auc,
          m.f1,
          m.logLoss,
        ]
          .map((v) => `<td class="num">${fixed(v)}</td>`)
          .join('')}<td>${threshold}</td><td>${m.curve ? 'yes' : '<span class="note">no</span>'}</td></tr>`,
      );
    }
  }
  if (rows.length === 0) return '<p class="note">No run has been evaluated.</p>';
  const head = [
    'run',
    'pairs',
    'file',
    'count',
    'accuracy',
    'ROC AUC',
    'F1',
    'log loss',
    'best-F1 threshold',
    'curve',
  ];
  return `<div class="scroll"><table id="evaluations"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.join('\n')}</tbody></table></div>`;
}

/** One table per slicing of an evaluation (`qqp eval --slice`): the figures of each slice. */
export function slicesHtml(runs: readonly RunInfo[], labels: Map<string, RunLabel>): string[] {
  const out: string[] = [];
  for (const r of runs)
    for (const e of r.evaluations)
      for (const t of e.slices ?? []) out.push(sliceTableHtml(labels.get(r.id)!, e.source, e.file, t));
  return out;
}

function sliceTableHtml(label: RunLabel, source: string, file: string, t: SliceTable): string {
  const errors = t.rows.reduce((a, r) => a + r.errors, 0);
  const worst = Math.min(...t.rows.map((r) => r.accuracy));
  const rows = t.rows.map((r) => {
    const cells = [
      r.pairs.toLocaleString('en-US'),
      r.positives.toLocaleString('en-US'),
      r.errors.toLocaleString('en-US'),
      errors ? percent(r.errors / errors) : '-',
      fixed(r.accuracy),
      fixed(r.precision),
      fixed(r.recall),
      fixed(r.f1),
      fixed(r.logLoss),
      fixed(r.rocAuc),
    ];
    const cls = t.rows.length > 1 && r.accuracy === worst ? ' class="worst"' : '';
    return `<tr${cls}><td>${escapeHtml(r.value)}</td>${cells.map((c) => `<td class="num">${c}</td>`).join('')}</tr>`;
  });
  const head = [
    'slice',
    'pairs',
    'duplicates',
    'errors',
    'share of errors',
    'accuracy',
    'precision',
    'recall',
    'F1',
    'log loss',
    'ROC AUC',
  ];
  return `<div class="slices"><h3>${labelHtml(label, false)} · ${escapeHtml(source)} by <code>${escapeHtml(t.by)}</code></h3>
<p class="note">From <code>${escapeHtml(file)}</code>; a pair is called a duplicate at probability ≥ ${fixed(t.threshold, 3)}. Lowest accuracy highlighted.${t.note ? ` ${escapeHtml(t.note)}` : ''}</p>
<div class="scroll"><table class="slice-table" data-slice="${escapeHtml(t.by)}"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.join('\n')}</tbody></table></div></div>`;
}
