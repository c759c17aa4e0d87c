import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { runCli, runCliJson } from '../helpers/cli.js';
import { retriedSweepExperiments, standardExperiments } from '../report/fixture.js';

describe('qqp compare', () => {
  const { dir } = standardExperiments();

  it('shows the differing settings, marks the best values with *, dashes what is missing', () => {
    const r = runCli(['compare', '--experiments-dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    const head = r.stdout.split('\n')[1]!;
    assert.match(head, /run .* status .* batchSize .* learningRate .* val_loss .* val_accuracy/);
    assert.ok(!head.includes('type'), 'identical settings are left out');
    assert.match(r.stdout, /20261102-100000-b .* completed .* 32 .* 0\.01 .* 0\.5200\* /);
    assert.match(r.stdout, /20261103-100000-c .* failed .* 64 .* 0\.001 .* 0\.6900 .* - /);
    assert.match(r.stdout, /settings: the 2 config value\(s\) that differ .*\*: best in column/);
    assert.match(r.stderr, /warning: 20261104-100000-broken: summary\.json: not valid JSON/);
  });

  it("a sweep's trials: stopped by ASHA says stopped, earlier attempts are left out", () => {
    const { dir: retried, superseded, stopped } = retriedSweepExperiments();
    const r = runCliJson<{ rows: { id: string; status: string }[] }>([
      'compare',
      '--experiments-dir',
      retried,
      '--sweep',
      'asha-retry',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.json.rows.map((x) => [x.id, x.status]);
    assert.ok(
      rows.some(([id, status]) => id === stopped && status === 'stopped'),
      JSON.stringify(rows),
    );
    assert.ok(!rows.some(([id]) => id === superseded), JSON.stringify(rows));
  });

  it('--last 3 --sort-by --format markdown: a table that pastes into a README', () => {
    const r = runCli([
      'compare',
      '--experiments-dir',
      dir,
      '--last',
      '3',
      '--sort-by',
      'val_loss',
      '--format',
      'markdown',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 5);
    for (const l of lines) assert.match(l, /^\| .* \|$/);
    assert.match(lines[1]!, /^\| --- \| --- \|/);
    assert.deepEqual(
      lines.slice(2).map((l) => l.split(' | ')[0]),
      ['| 20261102-100000-b', '| 20261104-100000-broken', '| 20261103-100000-c'],
    );
    assert.ok(lines[2]!.includes('**0.5200**'));
  });

  it('--filter and --format csv', () => {
    const r = runCli([
      'compare',
      '--experiments-dir',
      dir,
      '--filter',
      'training.optimizer.type=adam',
      '--filter',
      'training.batchSize=32',
      '--format',
      'csv',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const rows = parse(r.stdout, { columns: true }) as Record<string, string>[];
    assert.deepEqual(
      rows.map((x) => x.run),
      ['20261101-100000-a', '20261102-100000-b', '20261104-100000-broken'],
    );
    assert.deepEqual(Object.keys(rows[0]!).slice(0, 4), [
      'run',
      'name',
      'status',
      'training.optimizer.learningRate',
    ]);
    assert.equal(rows[1]!.test_accuracy, '0.74');
    assert.equal(rows[2]!.test_accuracy, '');
  });

  it('--json gives the columns, rows and best marks', () => {
    const r = runCliJson<{
      rows: { id: string }[];
      best: Record<string, string[]>;
      columns: { id: string }[];
    }>(['compare', '--experiments-dir', dir, '20261101-100000-a', '20261102-100000-b']);
    assert.equal(r.code, 0);
    assert.deepEqual(
      r.json.rows.map((x) => x.id),
      ['20261101-100000-a', '20261102-100000-b'],
    );
    assert.deepEqual(r.json.best.test_auc, ['20261102-100000-b']);
    assert.equal(r.json.columns[0]!.id, 'training.optimizer.learningRate');
  });

  it('refuses unknown runs (exit 6) and bad filters (exit 2) with a message', () => {
    const missing = runCli(['compare', '--experiments-dir', dir, 'no-such-run']);
    assert.equal(missing.code, 6);
    assert.match(missing.stderr, /no run "no-such-run"/);
    const bad = runCli(['compare', '--experiments-dir', dir, '--filter', 'training.optimizer.tpye=adam']);
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /--filter training\.optimizer\.tpye: no chosen run has a value[\s\S]*did you mean "training\.optimizer\.type"/,
    );
  });
});
