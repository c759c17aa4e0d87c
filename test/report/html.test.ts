import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { buildReport } from '../../src/report/html.js';
import { listRuns } from '../../src/report/read.js';
import { selectRuns } from '../../src/report/select.js';
import { readSweepOverview } from '../../src/sweep/overview.js';
import {
  dumpDom,
  evaluatedExperiments,
  findChromium,
  measureInChromium,
  retriedSweepExperiments,
  standardExperiments,
  sweepExperiments,
  TRIALS_SWEEP,
  tempDir,
  trialsSweepExperiments,
  writeRun,
} from './fixture.js';

const CHROMIUM = findChromium();
const NO_CHROMIUM = CHROMIUM
  ? false
  : 'chromium is not installed (apt-get install -y chromium): the page is not opened in a browser';

interface Line {
  key: string;
  color: string;
  label: string;
  points: [number, number][];
}
interface ChartData {
  kind: string;
  lines?: Line[];
  points?: { label: string; color: string; best: boolean }[];
}

function chartData(html: string): Record<string, ChartData> {
  return JSON.parse(/<script type="application\/json" id="qqp-data">([^<]*)<\/script>/.exec(html)![1]!)
    .charts;
}

/** The text of the element with this id (tags removed, spaces collapsed). */
function textOf(html: string, id: string, tag = 'section'): string {
  const m = new RegExp(`<${tag} id="${id}"[^>]*>([\\s\\S]*?)</${tag}>`).exec(html);
  assert.ok(m, `no <${tag} id="${id}">`);
  return m[1]!
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c)))
    .replace(/\s+/g, ' ')
    .trim();
}

function chartsIn(dom: string): { id: string; attrs: string }[] {
  return [...dom.matchAll(/<div class="chart" ([^>]*)>/g)].map((m) => ({
    id: /data-chart="([^"]+)"/.exec(m[1]!)![1]!,
    attrs: m[1]!,
  }));
}

/** Each drawn chart of a dumped DOM: its id, attributes and SVG. */
function drawnCharts(dom: string): { id: string; attrs: string; svg: string }[] {
  return [...dom.matchAll(/<div class="chart" ([^>]*)>([\s\S]*?<\/svg>)/g)].map((m) => ({
    id: /data-chart="([^"]+)"/.exec(m[1]!)![1]!,
    attrs: m[1]!,
    svg: m[2]!,
  }));
}

const VIEW = { width: 1400, height: 900 };

/** Measured after the page drew, in the first screen: where the headline's parts are. */
const MEASURE = `(function () {
  var b = document.body;
  function box(e) { var r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom].map(Math.round).join(','); }
  b.setAttribute('data-view', innerWidth + ',' + innerHeight);
  b.setAttribute('data-scroll-width', String(document.documentElement.scrollWidth));
  b.setAttribute('data-figures', Array.prototype.map.call(document.querySelectorAll('#headline .figure'), box).join(';'));
  var roc = document.querySelector('[data-chart="headline-roc"] svg');
  b.setAttribute('data-roc', roc ? box(roc) : 'none');
})();`;

/** What keeps the headline from being read at 1400 × 900 without scrolling (empty: nothing). */
function layoutProblems(chromium: string, file: string): string[] {
  const dom = measureInChromium(chromium, file, MEASURE, VIEW);
  const attr = (name: string) => new RegExp(`<body[^>]* ${name}="([^"]*)"`).exec(dom)?.[1] ?? '';
  const problems: string[] = [];
  // Headless Chromium keeps some of the window's height for itself: the view is what the page got.
  const [w, h] = attr('data-view').split(',').map(Number) as [number, number];
  if (w !== VIEW.width || !(h >= 700))
    problems.push(`the view is ${attr('data-view')}, not ${VIEW.width} wide and 700+ high`);
  const scroll = Number(attr('data-scroll-width'));
  if (!(scroll <= VIEW.width)) problems.push(`the page scrolls sideways: ${scroll} px wide`);
  const boxes = [...attr('data-figures').split(';').filter(Boolean), attr('data-roc')];
  if (boxes.length !== 5) problems.push(`expected four headline figures and a ROC chart: ${boxes.join(' ')}`);
  for (const b of boxes) {
    const [l, t, r, bottom] = b.split(',').map(Number);
    if (!(l! >= 0 && t! >= 0 && r! <= w && bottom! <= h && r! > l! && bottom! > t!))
      problems.push(`a headline part is out of view at ${b}`);
  }
  return problems;
}

/** The report of sweep opt-search, its manifest read from its folder. */
function trialsReport(dir = trialsSweepExperiments()) {
  const runs = selectRuns(listRuns(dir), { sweep: TRIALS_SWEEP.id });
  return buildReport(runs, {
    sweep: TRIALS_SWEEP.id,
    loadSweep: (id) => readSweepOverview(id, dir),
  });
}

/** The rows of a table (by id) as lists of cell texts, the header row first. */
function tableRows(html: string, id: string): string[][] {
  const m = new RegExp(`<table id="${id}">([\\s\\S]*?)</table>`).exec(html);
  assert.ok(m, `no table ${id}`);
  return [...m[1]!.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((r) =>
    [...r[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) =>
      c[1]!
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    ),
  );
}

/**
 * opt-search by hand: the six trials with a value, val_loss 0.60 0.50 0.55 0.45 0.65 0.48 (trials
 * 1 2 3 4 6 7), mean 3.23 / 6; total sum of squares Σy² − 3.23²/6 = 1.7679 − 1.738817 = 0.0290833.
 * - learningRate, three values of two trials: means 0.625 (1e-4), 0.475 (1e-3), 0.515 (1e-2);
 *   between 2·(0.086667² + 0.063333² + 0.023333²) = 0.0241333; η² = 0.8298; by chance 2/5.
 * - type: adam 0.60 0.55 0.65 (mean 0.60), sgd 0.50 0.45 0.48 (mean 0.476667);
 *   between 6·0.061667² = 0.0228167; η² = 0.7845; by chance 1/5.
 * - momentum, the sgd trials only (2, 4, 7): 0.9 → 0.50, 0.5 → 0.45 0.48; mean 0.476667, total
 *   0.023333² + 0.026667² + 0.003333² = 0.00126667, between 0.023333² + 2·0.011667² = 0.00081667;
 *   η² = 0.6447; by chance 1/2.
 */
const IMPORTANCE_BY_HAND = [
  ['learningRate training.optimizer.learningRate', '0.830', '', '0.400', '6', '3 values'],
  ['type training.optimizer.type', '0.785', '', '0.200', '6', '2 values'],
  ['momentum training.optimizer.momentum', '0.645', '', '0.500', '3', '2 values'],
];

/** The trials table of opt-search: every trial in index order, n/a where momentum does not apply. */
const TRIALS_TABLE = [
  ['trial', 'status', 'learningRate', 'type', 'momentum', 'epochs', 'best val_loss', 'run'],
  ['1', 'completed', '0.0001', 'adam', 'n/a', '2', '0.6000', '20261115-100001-opt-search-t1'],
  ['2', 'completed', '0.001', 'sgd', '0.9', '2', '0.5000', '20261115-100002-opt-search-t2'],
  ['3', 'completed', '0.01', 'adam', 'n/a', '2', '0.5500', '20261115-100003-opt-search-t3'],
  ['4 ★ best', 'completed', '0.001', 'sgd', '0.5', '2', '0.4500', '20261115-100004-opt-search-t4'],
  ['5', 'failed', '0.01', 'sgd', '0.9', '0', '-', '20261115-100005-opt-search-t5'],
  ['6', 'stopped', '0.0001', 'adam', 'n/a', '1', '0.6500', '20261115-100006-opt-search-t6'],
  ['7', 'completed', '0.01', 'sgd', '0.5', '2', '0.4800', '20261115-100007-opt-search-t7'],
  ['8', 'cancelled', '0.001', 'adam', 'n/a', '0', '-', '-'],
];

describe('buildReport', () => {
  it('shows the statuses the other readers show: crashed, stopped', () => {
    const { dir, superseded, stopped } = retriedSweepExperiments();
    const html = buildReport(listRuns(dir).runs).html;
    assert.match(html, new RegExp(`${superseded}</code></span></td><td class="status-crashed">crashed</td>`));
    assert.match(html, new RegExp(`${stopped}</code></span></td><td class="status-stopped">stopped</td>`));
    assert.match(html, /\.status-crashed \{/);
  });

  it('holds the comparison table, a chart per curve metric, and its data, all inline', () => {
    const { dir } = standardExperiments();
    const report = buildReport(listRuns(dir).runs, { generatedAt: new Date('2026-11-28T00:00:00Z') });
    assert.deepEqual(
      report.charts.map((c) => c.id),
      ['curves-loss', 'curves-accuracy'],
    );
    assert.equal(report.sweep, null);
    const html = report.html;
    assert.match(html, /^<!DOCTYPE html>/);
    assert.ok(html.includes('<table id="comparison">'));
    assert.match(html, /<td class="num best( group-start)?">0\.5200<\/td>/, 'best value marked');
    assert.ok(html.includes('class="status-failed">failed<'));
    assert.ok(html.includes('summary.json: not valid JSON'), 'warnings shown');
    assert.equal(chartsIn(html).length, 2);
    // Self-contained: nothing loaded from anywhere.
    assert.ok(!/\s(src|href)=/i.test(html), 'no src/href attributes');
    assert.ok(!/@import|url\(/i.test(html), 'no CSS imports');
    assert.ok(!/https?:\/\/(?!www\.w3\.org\/2000\/svg)/.test(html), 'no URLs but the SVG namespace');
    const data = JSON.parse(
      /<script type="application\/json" id="qqp-data">([^<]*)<\/script>/.exec(html)![1]!,
    );
    assert.equal(data.charts['curves-loss'].lines.length, 8); // 4 runs × train, validation
  });

  it('escapes text and keeps </script> out of the data block', () => {
    const dir = join(tempDir(), 'experiments');
    for (const [i, type] of ['adam', '</script><b>x'].entries()) {
      writeRun(dir, {
        id: `r<i>${i}`,
        createdAt: `2026-11-0${i + 1}T00:00:00Z`,
        sweep: { id: 's', trial: String(i) },
        config: { training: { optimizer: { type } } },
        epochs: [[0.7, 0.6 - i / 10, 0.5, 0.5]],
      });
    }
    const report = buildReport(listRuns(dir).runs);
    assert.equal(report.sweep, 's', 'runs all of one sweep make a sweep report');
    const html = report.html;
    assert.ok(!html.includes('r<i>'));
    assert.ok(html.includes('r&#60;i&#62;0'));
    assert.match(html, /<td( class="group-start")?>&#60;\/script&#62;&#60;b&#62;x<\/td>/);
    assert.equal(html.split('</script>').length, 3, 'only the two script elements close');
    const data = JSON.parse(/id="qqp-data">(.*?)<\/script>/s.exec(html)![1]!);
    const scatter = Object.values(data.charts).find((c) => (c as { kind: string }).kind === 'scatter') as {
      categories: string[];
    };
    assert.deepEqual(scatter.categories, ['</script><b>x', 'adam']);
  });

  it('for a sweep, adds a chart of each differing parameter against the objective', () => {
    const listing = listRuns(sweepExperiments());
    const runs = selectRuns(listing, { sweep: 'lr-search' });
    const report = buildReport(runs, { sweep: 'lr-search' });
    assert.equal(report.objective, 'best_val_loss');
    const scatters = report.charts.filter((c) => c.kind === 'scatter').map((c) => c.title);
    assert.deepEqual(scatters, [
      'training.optimizer.type against best val_loss',
      'training.optimizer.learningRate against best val_loss',
    ]);
    const data = JSON.parse(/id="qqp-data">([^<]*)</.exec(report.html)![1]!);
    const lr = Object.values(data.charts).find(
      (c) => (c as { xLabel: string }).xLabel === 'training.optimizer.learningRate',
    ) as { log: boolean; points: { x: number; y: number; best: boolean }[] };
    assert.equal(lr.log, true); // 1e-4 .. 0.1 spans decades
    assert.deepEqual(
      lr.points.map((p) => [p.x, p.y, p.best]),
      [
        [0.0001, 0.66, false],
        [0.001, 0.55, true],
        [0.01, 0.6, false],
        [0.1, 0.68, false],
      ],
    );
    assert.equal(
      buildReport(runs, { sweep: 'lr-search', objective: 'test_log_loss' }).objective,
      'test_log_loss',
    );
    assert.throws(() => buildReport(runs, { sweep: 'lr-search', objective: 'val_auc' }), UsageError);
  });

  it('for a sweep with its folder, charts its trials from the manifest and tables their importance', () => {
    const report = trialsReport();
    assert.ok(report.sweepManifest?.endsWith('/sweeps/opt-search/manifest.json'), report.sweepManifest ?? '');
    assert.deepEqual(
      report.charts.filter((c) => c.kind === 'parallel' || c.kind === 'progress').map((c) => c.id),
      ['trials-parallel', 'trials-progress'],
    );
    const charts = chartData(report.html) as unknown as Record<string, Record<string, unknown>>;
    const parallel = charts['trials-parallel'] as {
      axes: { label: string; kind: string; log: boolean; na: boolean }[];
      lines: { values: unknown[]; best: boolean }[];
    };
    assert.deepEqual(
      parallel.axes.map((a) => [a.label, a.kind, a.log, a.na]),
      [
        ['learningRate', 'numeric', true, false],
        ['type', 'categorical', false, false],
        ['momentum', 'numeric', false, true],
        ['val_loss', 'numeric', false, false],
      ],
    );
    // A line per trial with a value (not 5, failed, nor 8, cancelled); the best (trial 4) last.
    assert.deepEqual(
      parallel.lines.map((l) => l.values),
      [
        [0.0001, 'adam', null, 0.6],
        [0.001, 'sgd', 0.9, 0.5],
        [0.01, 'adam', null, 0.55],
        [0.0001, 'adam', null, 0.65],
        [0.01, 'sgd', 0.5, 0.48],
        [0.001, 'sgd', 0.5, 0.45],
      ],
    );
    assert.deepEqual(
      parallel.lines.map((l) => l.best),
      [false, false, false, false, false, true],
    );
    const progress = charts['trials-progress'] as {
      steps: number[][];
      points: { x: number; best: boolean }[];
    };
    assert.deepEqual(progress.steps, [
      [1, 0.6],
      [2, 0.5],
      [3, 0.5],
      [4, 0.45],
      [5, 0.45],
      [6, 0.45],
      [7, 0.45],
      [8, 0.45],
    ]);
    assert.deepEqual(
      progress.points.map((p) => p.x),
      [1, 2, 3, 4, 6, 7],
    );
    assert.deepEqual(tableRows(report.html, 'sweep-importance').slice(1), IMPORTANCE_BY_HAND);
    assert.deepEqual(tableRows(report.html, 'sweep-trials'), TRIALS_TABLE);
    assert.match(report.html, /It is marginal: it ignores interactions between parameters/);
    assert.match(
      report.html,
      /8 trial\(s\): 5 completed, 1 failed, 1 stopped, 1 cancelled\. Best: trial 4, 0\.4500/,
    );
    // The run folders' charts are still there.
    assert.equal(report.charts.filter((c) => c.kind === 'scatter').length, 3);
    assert.ok(!/\s(src|href)=/i.test(report.html) && !/@import|url\(/i.test(report.html));
  });

  it("without the sweep's folder, says its manifest was not found and keeps the run folders' charts", () => {
    const dir = sweepExperiments();
    const runs = selectRuns(listRuns(dir), { sweep: 'lr-search' });
    const report = buildReport(runs, { sweep: 'lr-search', loadSweep: (id) => readSweepOverview(id, dir) });
    assert.equal(report.sweepManifest, null);
    assert.deepEqual(
      report.charts.map((c) => c.kind),
      ['curves', 'curves', 'scatter', 'scatter'],
    );
    assert.match(
      report.html,
      /<p class="note" id="sweep-missing">The sweep's manifest was not found \(no sweep &#34;lr-search&#34; \(looked for [^)]*manifest\.json\)\), so the parallel coordinates, parameter importance, best-so-far curve and trials table are absent\./,
    );
    assert.ok(!report.html.includes('id="sweep-trials"') && !report.html.includes('id="sweep-importance"'));
  });

  it('opens with the best run by test ROC AUC, its figures and its ROC curve, saying the rule', () => {
    const { dir, b } = evaluatedExperiments();
    const report = buildReport(listRuns(dir).runs);
    assert.deepEqual(report.best && [report.best.id, report.best.metric], [b, 'test_auc']);
    const html = report.html;
    const headline = textOf(html, 'headline');
    assert.match(
      headline,
      /^Best of 4 run\(s\): highest test ROC AUC \(the default rule; 3 of them have one\)/,
    );
    assert.match(headline, /Picked on the test split/);
    assert.match(headline, new RegExp(`bilstm batchSize 32, learningRate 0\\.01 ${b}`));
    const t = listRuns(dir).runs.find((r) => r.id === b)!.test!;
    for (const v of [t.auc!, t.accuracy, t.f1, t.logLoss]) assert.ok(headline.includes(v.toFixed(3)), `${v}`);
    assert.match(headline, /majority class 0\.6\d\d/);
    assert.match(headline, /best-F1 threshold 0\.450 \(chosen on validation\)/);
    // The headline comes before everything else, with the best run's ROC curve in it.
    assert.ok(html.indexOf('id="headline"') < html.indexOf('<table id="comparison">'));
    assert.match(html, /<section id="headline"[\s\S]*data-chart="headline-roc"[\s\S]*<\/section>/);
    const roc = chartData(html)['headline-roc']!;
    assert.equal(roc.lines!.length, 1);
    assert.equal(roc.lines![0]!.label, 'bilstm (batchSize 32, learningRate 0.01)');
    assert.deepEqual(roc.lines![0]!.points[0], [0, 0]);
    assert.deepEqual(roc.lines![0]!.points.at(-1), [1, 1]);
  });

  it('a sweep report picks by its objective; --sort-by picks too', () => {
    const runs = selectRuns(listRuns(sweepExperiments()), { sweep: 'lr-search' });
    const report = buildReport(runs, { sweep: 'lr-search' });
    assert.equal(report.best?.metric, 'best_val_loss');
    assert.equal(report.best?.value, 0.55);
    assert.match(textOf(report.html, 'headline'), /lowest best val_loss \(the sweep's objective\)/);
    assert.doesNotMatch(textOf(report.html, 'headline'), /Picked on the test split/);
    const { dir, a } = evaluatedExperiments();
    const byLoss = buildReport(listRuns(dir).runs, { compare: { sortBy: 'test_f1' } });
    assert.equal(byLoss.best?.metric, 'test_f1');
    assert.notEqual(byLoss.best?.id, a);
  });

  it('puts the metrics first in the comparison and the differing settings after', () => {
    const { dir } = evaluatedExperiments();
    const html = buildReport(listRuns(dir).runs).html;
    const head = /<table id="comparison"><thead><tr>(.*?)<\/tr>/.exec(html)![1]!;
    const headers = [...head.matchAll(/<th[^>]*>(.*?)<\/th>/g)].map((m) => m[1]!.replace(/<br>/g, ' '));
    assert.deepEqual(headers.slice(0, 6), [
      'run',
      'status',
      'test accuracy',
      'test F1',
      'test AUC',
      'test log loss',
    ]);
    const settings = ['name', 'batchSize', 'learningRate'].map((h) => headers.indexOf(h));
    const lastMetric = headers.indexOf('val_accuracy (last)');
    assert.ok(lastMetric > 5 && settings.every((i) => i > lastMetric), headers.join(' | '));
    // Only the differing settings: the optimizer's type is the same in every run.
    assert.ok(!headers.includes('type') && !headers.includes('units'), headers.join(' | '));
  });

  it("names a run by the settings it has, never by one it lacks ('-')", () => {
    const dir = tempDir();
    const epochs: [number, number, number, number][] = [[0.6, 0.62, 0.65, 0.66]];
    writeRun(dir, { id: '20261101-100000-a', createdAt: '2026-11-01T10:00:00.000Z', epochs });
    writeRun(dir, {
      id: '20261102-100000-b',
      createdAt: '2026-11-02T10:00:00.000Z',
      config: { training: { shuffleBuffer: 50 } },
      epochs,
    });
    const html = buildReport(listRuns(dir).runs).html;
    const labels = [...html.matchAll(/<span class="run-label" title="([^"]*)"/g)].map((m) => m[1]!);
    assert.ok(
      labels.some((l) => /shuffleBuffer 50/.test(l)),
      labels.join(' | '),
    );
    assert.ok(labels.length > 0 && labels.every((l) => !/ -(,|$)/.test(l)), labels.join(' | '));
  });

  it('draws ROC, precision-recall and F1 charts of every run with a curve, one colour per run in every chart', () => {
    const { dir, a, b, old, failed } = evaluatedExperiments();
    const report = buildReport(listRuns(dir).runs);
    assert.deepEqual(
      report.charts.map((c) => c.kind),
      ['headline-roc', 'roc', 'pr', 'f1', 'curves', 'curves'],
    );
    const charts = chartData(report.html);
    const ev = ['eval-roc', 'eval-pr', 'eval-f1'].map((id) => charts[id]!);
    for (const c of ev)
      assert.deepEqual(
        c.lines!.map((l) => l.label),
        ['bilstm (batchSize 32, learningRate 0.001)', 'bilstm (batchSize 32, learningRate 0.01)'],
      );
    // Each run one colour, the same in every chart (learning curves too), no two runs alike.
    const colors = new Map<string, Set<string>>();
    for (const c of Object.values(charts))
      for (const l of c.lines ?? []) colors.set(l.key, (colors.get(l.key) ?? new Set()).add(l.color));
    assert.equal(colors.size, 4);
    for (const [key, set] of colors) assert.equal(set.size, 1, `${key}: ${[...set]}`);
    const used = [...colors.values()].map((s) => [...s][0]);
    assert.equal(new Set(used).size, 4);
    // The table's swatches are the charts' colours.
    const bColor = charts['eval-roc']!.lines![1]!.color;
    assert.match(
      report.html,
      new RegExp(
        `<tr data-run="${b}"><td><span class="run-label"><i class="swatch" style="background:${bColor}">`,
      ),
    );
    // The run without a curve and the one without an evaluation are named, with what to do.
    assert.match(
      report.html,
      new RegExp(
        `gru</b>.*?${old}</code></span>: no curve saved \\(older files\\); run <code>qqp eval ${old}</code>`,
      ),
    );
    assert.match(report.html, new RegExp(`${failed}</code></span>: no evaluation \\(failed\\)`));
    // A confusion matrix for each evaluated run: a's counts add up to its pairs.
    const cms = [...report.html.matchAll(/<table class="confusion">([\s\S]*?)<\/table>/g)];
    assert.equal(cms.length, 2);
    const counts = [...cms[0]![1]!.matchAll(/<td class="num[^"]*"[^>]*>([\d,]+)<br>/g)].map((m) =>
      Number(m[1]!.replace(/,/g, '')),
    );
    assert.equal(
      counts.reduce((x, y) => x + y, 0),
      400,
    );
    assert.ok(report.html.includes(a));
  });

  it('renders a table per slicing of an evaluation, the lowest accuracy marked', () => {
    const { dir } = evaluatedExperiments();
    const html = buildReport(listRuns(dir).runs).html;
    const tables = [...html.matchAll(/<table class="slice-table" data-slice="([^"]+)">([\s\S]*?)<\/table>/g)];
    assert.deepEqual(
      tables.map((t) => t[1]),
      ['kind', 'length'],
    );
    const kind = tables[0]![2]!;
    assert.equal((kind.match(/<tr/g) ?? []).length, 4, 'a header and three slices');
    assert.match(
      kind,
      /<tr class="worst"><td>negation<\/td><td class="num">80<\/td><td class="num">32<\/td><td class="num">30<\/td><td class="num">44\.1%<\/td><td class="num">0\.6250<\/td>/,
    );
    assert.match(html, /words in the longer question/);
  });

  it('draws every chart in headless Chromium', { skip: NO_CHROMIUM, timeout: 120_000 }, () => {
    const { dir } = standardExperiments();
    const plain = join(tempDir(), 'report.html');
    writeFileSync(plain, buildReport(listRuns(dir).runs).html);
    const sweepDir = sweepExperiments();
    const sweep = join(tempDir(), 'sweep.html');
    writeFileSync(
      sweep,
      buildReport(selectRuns(listRuns(sweepDir), { sweep: 'lr-search' }), { sweep: 'lr-search' }).html,
    );

    const dom = dumpDom(CHROMIUM!, plain);
    const charts = chartsIn(dom);
    assert.equal(charts.length, 2);
    assert.match(dom, /<body[^>]* data-charts-drawn="2"/);
    for (const c of charts) {
      assert.ok(c.attrs.includes('data-drawn="true"'), `${c.id} drawn: ${c.attrs}`);
      assert.ok(!c.attrs.includes('data-error'), c.attrs);
      assert.ok(c.attrs.includes('data-paths="8"'), `${c.id}: a line per run and split: ${c.attrs}`);
    }
    // The lines are real SVG paths with coordinates: 16 in all, 8 of them through several epochs
    // (runs a and b have 3 epochs; the failed and the broken run 1).
    assert.equal((dom.match(/<path d="M[\d.]+ [\d.]+/g) ?? []).length, 16);
    assert.equal((dom.match(/<path d="M[\d.]+ [\d.]+ L[\d.]+ [\d.]+ L/g) ?? []).length, 8);

    const sweepDom = dumpDom(CHROMIUM!, sweep);
    const sweepCharts = chartsIn(sweepDom);
    assert.equal(sweepCharts.length, 4);
    assert.match(sweepDom, /data-charts-drawn="4"/);
    for (const c of sweepCharts.filter((x) => x.id.startsWith('sweep-'))) {
      assert.ok(c.attrs.includes('data-drawn="true"') && c.attrs.includes('data-paths="4"'), c.attrs);
    }
    assert.ok(sweepDom.includes('>1e-4<'), 'log axis labelled in decades');
  });

  it("draws a sweep's trials in headless Chromium: a line per trial, an axis per parameter and the metric", {
    skip: NO_CHROMIUM,
    timeout: 120_000,
  }, () => {
    const report = trialsReport();
    const file = join(tempDir(), 'trials.html');
    writeFileSync(file, report.html);
    // Nothing to fetch: no src or href, no CSS import, no URL but the SVG namespace.
    assert.ok(!/\s(src|href)=/i.test(report.html), 'no src/href attributes');
    assert.ok(!/@import|url\(/i.test(report.html), 'no CSS imports');
    assert.ok(!/https?:\/\/(?!www\.w3\.org\/2000\/svg)/.test(report.html), 'no URLs but the SVG namespace');
    const dom = dumpDom(CHROMIUM!, file);
    assert.match(dom, new RegExp(`<body[^>]* data-charts-drawn="${report.charts.length}"`));
    const drawn = new Map(drawnCharts(dom).map((c) => [c.id, c]));
    const parallel = drawn.get('trials-parallel');
    assert.ok(parallel, 'the parallel coordinates are drawn');
    assert.ok(
      parallel.attrs.includes('data-drawn="true"') && !parallel.attrs.includes('data-error'),
      parallel.attrs,
    );
    // Six trials have a value; each line a path through the four axes.
    const lines = [...parallel.svg.matchAll(/<path d="([^"]+)"[^>]*class="pc-line( best)?"/g)];
    assert.equal(lines.length, 6);
    assert.ok(parallel.attrs.includes('data-paths="6"'), parallel.attrs);
    for (const l of lines) assert.match(l[1]!, /^M[\d.]+ [\d.]+( L[\d.]+ [\d.]+){3}$/);
    assert.equal(lines.filter((l) => l[2]).length, 1, 'one best line');
    assert.equal(lines.at(-1)![2], ' best', 'the best drawn last, on top');
    const axes = [...parallel.svg.matchAll(/<g class="pc-axis" data-axis="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(axes, ['learningRate', 'type', 'momentum', 'val_loss']);
    // Momentum's n/a place, where the adam trials pass: three lines through one point below its axis.
    assert.equal((parallel.svg.match(/>n\/a</g) ?? []).length, 1);
    const atMomentum = lines.map((l) => l[1]!.split(' L')[2]);
    assert.equal(new Set(atMomentum).size, 3, `momentum 0.9, 0.5 and n/a: ${atMomentum.join(' | ')}`);
    // The learning rates' log axis is ticked at its ends and the decade between.
    const lrAxis = /<g class="pc-axis" data-axis="learningRate">([\s\S]*?)<\/g>/.exec(parallel.svg)![1]!;
    assert.deepEqual(
      [...lrAxis.matchAll(/<text [^>]*class="tick"[^>]*>([^<]+)</g)].map((m) => m[1]),
      ['1e-4', '0.01', '0.001'],
    );

    const progress = drawn.get('trials-progress');
    assert.ok(progress, 'the best-so-far curve is drawn');
    assert.ok(progress.attrs.includes('data-points="6"'), progress.attrs);
    assert.equal((progress.svg.match(/<circle [^>]*class="trial-point( best)?"/g) ?? []).length, 6);
    assert.equal((progress.svg.match(/class="trial-point best"/g) ?? []).length, 1);
    // Stepped: one point for the first trial, two (across, then down) for each of the seven after.
    const step = /<path d="([^"]+)" class="step-line"/.exec(progress.svg);
    assert.ok(step, 'a stepped line');
    assert.equal(step[1]!.split(/[ML]/).filter(Boolean).length, 1 + 2 * 7);

    assert.deepEqual(tableRows(dom, 'sweep-importance').slice(1), IMPORTANCE_BY_HAND);
    assert.deepEqual(tableRows(dom, 'sweep-trials'), TRIALS_TABLE);
    assert.match(dom, /<tr data-trial="4" class="best-trial">/);

    // A parameter only the failed trial has: its axis is all n/a, and still drawn.
    const dir = trialsSweepExperiments();
    const manifestFile = join(dir, 'sweeps', TRIALS_SWEEP.id, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    manifest.trials[4].params['model.dropout'] = 0.3;
    writeFileSync(manifestFile, JSON.stringify(manifest));
    const odd = join(tempDir(), 'odd.html');
    writeFileSync(odd, trialsReport(dir).html);
    const oddParallel = drawnCharts(dumpDom(CHROMIUM!, odd)).find((c) => c.id === 'trials-parallel')!;
    assert.ok(oddParallel.attrs.includes('data-paths="6"') && !oddParallel.attrs.includes('data-error'));
    assert.equal((oddParallel.svg.match(/<g class="pc-axis"/g) ?? []).length, 5);
    assert.ok(!oddParallel.svg.includes('NaN'), 'every coordinate a number');
  });

  it('draws every evaluation chart in headless Chromium: each its lines, with coordinates', {
    skip: NO_CHROMIUM,
    timeout: 120_000,
  }, () => {
    const { dir } = evaluatedExperiments();
    const report = buildReport(listRuns(dir).runs);
    const file = join(tempDir(), 'evaluated.html');
    writeFileSync(file, report.html);
    const specs = chartData(report.html);
    const dom = dumpDom(CHROMIUM!, file);
    const drawn = drawnCharts(dom);
    assert.deepEqual(
      drawn.map((c) => c.id),
      report.charts.map((c) => c.id),
    );
    assert.match(dom, new RegExp(`<body[^>]* data-charts-drawn="${report.charts.length}"`));
    for (const c of drawn) {
      const lines = specs[c.id]!.lines!;
      assert.ok(
        c.attrs.includes('data-drawn="true"') && !c.attrs.includes('data-error'),
        `${c.id}: ${c.attrs}`,
      );
      assert.ok(c.attrs.includes(`data-paths="${lines.length}"`), `${c.id}: ${c.attrs}`);
      // Each line is an SVG path through all of its points.
      const paths = [...c.svg.matchAll(/<path d="(M[^"]+)"/g)].map((m) => m[1]!);
      assert.equal(paths.length, lines.length, c.id);
      for (const [i, d] of paths.entries())
        assert.equal(d.split(/[ML]/).filter(Boolean).length, lines[i]!.points.length, `${c.id} line ${i}`);
    }
    // The operating points are marked: a circle and a square per run on the F1 chart.
    const f1 = drawn.find((c) => c.id === 'eval-f1')!;
    assert.equal((f1.svg.match(/<rect [^>]*class="mark"/g) ?? []).length, 2);
    assert.equal((f1.svg.match(/<circle [^>]*class="mark"/g) ?? []).length, 2);
  });

  it('at 1400 px wide the headline figures and ROC curve are in view, nothing scrolls sideways', {
    skip: NO_CHROMIUM,
    timeout: 120_000,
  }, () => {
    const { dir } = evaluatedExperiments();
    const file = join(tempDir(), 'evaluated.html');
    writeFileSync(file, buildReport(listRuns(dir).runs, { experimentsDir: dir }).html);
    assert.deepEqual(layoutProblems(CHROMIUM!, file), []);
    // The check can fail: a page wider than the window is caught.
    const wide = join(tempDir(), 'wide.html');
    writeFileSync(
      wide,
      readFileSync(file, 'utf8').replace('<h1>', '<div style="width:2100px;height:4px"></div><h1>'),
    );
    const problems = layoutProblems(CHROMIUM!, wide);
    assert.ok(
      problems.some((p) => /scrolls sideways/.test(p)),
      problems.join('; '),
    );
  });
});
