import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli, runCliJson } from '../helpers/cli.js';
import {
  evaluatedExperiments,
  standardExperiments,
  sweepExperiments,
  tempDir,
  trialsSweepExperiments,
} from '../report/fixture.js';

interface ReportJson {
  out: string;
  runs: string[];
  charts: { id: string; kind: string }[];
  sweep: string | null;
  sweepManifest: string | null;
  best: { id: string; metric: string; value: number } | null;
}

describe('qqp report', () => {
  it('writes one HTML file for the last runs', () => {
    const { dir } = standardExperiments();
    const out = join(tempDir(), 'sub', 'r.html');
    const r = runCli(['report', '--experiments-dir', dir, '--last', '2', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /wrote .*r\.html: 2 run\(s\), 2 chart\(s\)/);
    const html = readFileSync(out, 'utf8');
    assert.ok(html.includes('20261103-100000-c') && !html.includes('20261101-100000-a'));
    assert.ok(html.includes('<div class="chart" data-chart="curves-loss">'));
  });

  it('leads with the best run and draws the evaluation charts of runs with curves (--json)', () => {
    const { dir, b } = evaluatedExperiments();
    const out = join(tempDir(), 'r.html');
    const r = runCliJson<ReportJson>(['report', '--experiments-dir', dir, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json.best && [r.json.best.id, r.json.best.metric], [b, 'test_auc']);
    assert.deepEqual(
      r.json.charts.map((c) => c.id),
      ['headline-roc', 'eval-roc', 'eval-pr', 'eval-f1', 'curves-loss', 'curves-accuracy'],
    );
    const text = runCli(['report', '--experiments-dir', dir, '--out', out, '--force']);
    assert.match(
      text.stdout,
      new RegExp(`best: bilstm \\(batchSize 32, learningRate 0\\.01\\) ${b}, test ROC AUC 0\\.\\d{4}`),
    );
  });

  it('for --sweep, a chart per parameter (--json)', () => {
    const out = join(tempDir(), 'sweep.html');
    const r = runCliJson<ReportJson>([
      'report',
      '--experiments-dir',
      sweepExperiments(),
      '--sweep',
      'lr-search',
      '--out',
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.sweep, 'lr-search');
    assert.equal(r.json.runs.length, 4);
    assert.deepEqual(
      r.json.charts.map((c) => c.kind),
      ['curves', 'curves', 'scatter', 'scatter'],
    );
    assert.ok(existsSync(out));
    // This sweep's folder is not under the experiments folder: the page says so.
    assert.equal(r.json.sweepManifest, null);
    assert.match(readFileSync(out, 'utf8'), /The sweep's manifest was not found/);
  });

  it("for --sweep with the sweep's folder, its trials' charts from the manifest", () => {
    const dir = trialsSweepExperiments();
    const out = join(tempDir(), 'trials.html');
    const args = ['report', '--experiments-dir', dir, '--sweep', 'opt-search', '--out', out];
    const r = runCliJson<ReportJson>(args);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.sweepManifest, join(dir, 'sweeps', 'opt-search', 'manifest.json'));
    assert.deepEqual(
      r.json.charts.map((c) => c.kind),
      ['curves', 'curves', 'parallel', 'progress', 'scatter', 'scatter', 'scatter'],
    );
    const html = readFileSync(out, 'utf8');
    assert.ok(html.includes('<table id="sweep-trials">') && html.includes('<table id="sweep-importance">'));
    const text = runCli([...args, '--force']);
    assert.match(text.stdout, /trials from .*sweeps\/opt-search\/manifest\.json/);
  });

  it('refuses a folder as --out (exit 2) and an empty experiments folder (exit 6)', () => {
    const { dir } = standardExperiments();
    const asDir = runCli(['report', '--experiments-dir', dir, '--out', tempDir()]);
    assert.equal(asDir.code, 2);
    assert.match(asDir.stderr, /is a folder/);
    const empty = runCli([
      'report',
      '--experiments-dir',
      join(tempDir(), 'none'),
      '--out',
      join(tempDir(), 'x.html'),
    ]);
    assert.equal(empty.code, 6);
    assert.match(empty.stderr, /no runs to report on/);
  });

  it('refuses an existing --out file (exit 2, left as it was) unless --force', () => {
    const { dir } = standardExperiments();
    const out = join(tempDir(), 'mine.html');
    writeFileSync(out, 'my own page\n');
    const refused = runCli(['report', '--experiments-dir', dir, '--out', out]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /^Error: --out .*mine\.html already exists; not overwriting it$/m);
    assert.match(refused.stderr, /hint: add --force to replace it/);
    assert.doesNotMatch(refused.stderr, /^ {4}at /m);
    assert.equal(readFileSync(out, 'utf8'), 'my own page\n');
    const forced = runCli(['report', '--experiments-dir', dir, '--out', out, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(readFileSync(out, 'utf8'), /<html/i);
  });
});
