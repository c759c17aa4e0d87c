import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { buildReport } from '../../src/report/html.js';
import { listRuns } from '../../src/report/read.js';
import { selectRuns } from '../../src/report/select.js';
import {
  dumpDom,
  findChromium,
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

function chartsIn(dom: string): { id: string; attrs: string }[] {
  return [...dom.matchAll(/<div class="chart" ([^>]*)>/g)].map((m) => ({
    id: /data-chart="([^"]+)"/.exec(m[1]!)![1]!,
    attrs: m[1]!,
  }));
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
});
