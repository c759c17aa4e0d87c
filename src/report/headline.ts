import { type Comparison, metricValue } from './compare.js';
import { escapeHtml, fixed, labelHtml, percent, type RunLabel } from './html-common.js';
import type { ChartedEvaluation } from './html-eval.js';
import { metricDirection, type RunInfo } from './read.js';

/**
 * The report's headline: the best run by a stated rule, and its test figures. The rule, first that
 * some run has a value for: the sweep's objective (a sweep report), the comparison's --sort-by (a
 * best_/last_/test_ metric), test ROC AUC, test accuracy, the first run's monitored value.
 */

export interface BestRun {
  run: RunInfo;
  /** The metric id that chose it, its label and which way is better. */
  metric: string;
  metricLabel: string;
  better: 'min' | 'max';
  value: number;
  /** Runs that had a value for it. */
  candidates: number;
  /** Why this metric: `the sweep's objective`, `--sort-by`, `default`. */
  why: string;
}

const LABELS: Record<string, string> = {
  test_auc: 'test ROC AUC',
  test_accuracy: 'test accuracy',
  test_f1: 'test F1',
  test_log_loss: 'test log loss',
};

export function metricLabel(id: string, cmp: Comparison): string {
  return LABELS[id] ?? cmp.columns.find((c) => c.id === id)?.label ?? id.replace(/_/, ' ');
}

export function chooseBest(
  runs: readonly RunInfo[],
  cmp: Comparison,
  objective: string | null,
): BestRun | null {
  const rules: { metric: string; why: string }[] = [];
  if (objective) rules.push({ metric: objective, why: "the sweep's objective" });
  if (cmp.sortedBy && /^(best|last|test)_/.test(cmp.sortedBy))
    rules.push({ metric: cmp.sortedBy, why: '--sort-by' });
  rules.push(
    { metric: 'test_auc', why: 'the default rule' },
    { metric: 'test_accuracy', why: 'the default rule' },
  );
  const monitor = runs.find((r) => r.monitor)?.monitor;
  if (monitor) rules.push({ metric: `best_${monitor}`, why: 'no run has test figures' });
  for (const { metric, why } of rules) {
    const better = metricDirection(metric);
    let best: { run: RunInfo; value: number } | null = null;
    let candidates = 0;
    for (const run of runs) {
      const v = metricValue(run, metric);
      if (v === null) continue;
      candidates++;
      if (!best || (better === 'max' ? v > best.value : v < best.value)) best = { run, value: v };
    }
    if (best) return { ...best, metric, metricLabel: metricLabel(metric, cmp), better, candidates, why };
  }
  return null;
}

/** The headline block: the rule, the run, its test figures beside its ROC chart (`rocChart`: a chart id or null). */
export function headlineHtml(
  best: BestRun | null,
  label: RunLabel | null,
  charted: ChartedEvaluation | null,
  rocChart: string | null,
  total: number,
): string {
  if (!best || !label) {
    return `<section id="headline" class="headline"><div class="headline-text"><p class="rule">No run has test figures or a monitored value yet: nothing to rank. Finished runs show here with their test figures.</p></div></section>`;
  }
  const run = best.run;
  const t = run.test;
  const way = best.better === 'max' ? 'highest' : 'lowest';
  const onTest = best.metric.startsWith('test_');
  const rule = `Best of ${total} run(s): ${way} ${escapeHtml(best.metricLabel)} (${escapeHtml(best.why)}${
    best.candidates < total ? `; ${best.candidates} of them have one` : ''
  }), ${fixed(best.value)}.${
    onTest && best.candidates > 1
      ? ' Picked on the test split, so its test figures flatter it a little; <code>--sort-by best_val_loss</code> picks on validation.'
      : ''
  }`;
  const figure = (name: string, value: string, hint: string) =>
    `<div class="figure"><div class="value">${value}</div><div class="name">${name}</div><div class="hint">${hint}</div></div>`;
  let figures: string;
  let facts = '';
  if (t) {
    const positives = t.positives ?? (t.confusion ? t.confusion.tp + t.confusion.fn : null);
    const majority =
      positives !== null && t.count > 0 ? Math.max(positives, t.count - positives) / t.count : null;
    figures = [
      figure('ROC AUC', fixed(t.auc, 3), 'chance 0.500'),
      figure(
        'accuracy',
        fixed(t.accuracy, 3),
        majority !== null ? `majority class ${fixed(majority, 3)}` : 'threshold 0.5',
      ),
      figure('F1', fixed(t.f1, 3), `P ${fixed(t.precision, 3)} · R ${fixed(t.recall, 3)}`),
      figure('log loss', fixed(t.logLoss, 3), 'lower is better'),
    ].join('');
    const b = t.bestF1;
    const threshold = b
      ? ` F1 ${fixed(b.f1, 3)} at the best-F1 threshold ${fixed(b.threshold, 3)}${
          b.optimistic
            ? ` <span class="warn">chosen on ${escapeHtml(b.chosenOn ?? 'these pairs')}, the pairs it scores: optimistic</span>`
            : ` (chosen on ${escapeHtml(b.chosenOn ?? 'validation')})`
        }.`
      : '';
    facts = `<p class="facts">On ${t.count.toLocaleString('en-US')} test pairs${
      positives !== null ? ` (${percent(positives / Math.max(1, t.count))} duplicates)` : ''
    }, at threshold 0.5.${threshold}</p>`;
  } else {
    figures = '<p class="note">This run has no test figures (no test split, or it did not finish).</p>';
  }
  const roc = rocChart
    ? `<figure class="headline-roc"><figcaption>ROC curve · ${escapeHtml(charted?.source ?? '')}</figcaption><div class="chart" data-chart="${rocChart}"></div></figure>`
    : `<div class="headline-roc note">No curve saved for this run; <code>qqp eval ${escapeHtml(run.id)}</code> saves one (eval-test.json).</div>`;
  return `<section id="headline" class="headline">
<div class="headline-text">
<p class="rule">${rule}</p>
<h2 class="headline-run">${labelHtml(label)}</h2>
<div class="figures" id="headline-figures">${figures}</div>
${facts}
</div>
${roc}
</section>`;
}
