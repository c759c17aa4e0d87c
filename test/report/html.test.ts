import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { buildReport } from '../../src/report/html.js';
import { listRuns } from '../../src/report/read.js';
import { selectRuns } from '../../src/report/select.js';
import {
  dumpDom,
  evaluatedExperiments,
  findChromium,
  measureInChromium,
  retriedSweepExperiments,
  standardExperiments,
  sweepExperiments,
  tempDir,
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
