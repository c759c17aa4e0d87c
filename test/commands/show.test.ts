import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli, runCliJson } from '../helpers/cli.js';
import { standardExperiments } from '../report/fixture.js';

describe('qqp show', () => {
  const { dir } = standardExperiments();

  it('shows the config in short, the epochs and the learning curves', () => {
    const r = runCli(['show', '20261102-100000-b', '--experiments-dir', dir], { env: { COLUMNS: '120' } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /status +│ completed/);
    assert.match(r.stdout, /epochs +│ 3 \(best: 2, by val_loss\)/);
    assert.match(r.stdout, /model: +sequential: embedding\(outputDim=8\) → lstm\(units=6\) → dense/);
    assert.match(r.stdout, /training: +epochs 3, batchSize 32, adam lr 0\.01/);
    const narrow = runCli(['show', '20261102-100000-b', '--experiments-dir', dir, '--no-curves'], {
      env: { COLUMNS: '50' },
    });
    assert.match(
      narrow.stdout,
      /\n {2}model: +sequential: embedding\(outputDim=8\) →\n {16}lstm\(units=6\) →\n {16}dense\(units=1, activation=sigmoid\)\n/,
    );
    assert.match(r.stdout, /│ 2 \* +│ 0\.4500 │ +0\.5200 │/);
    assert.match(r.stdout, /test \(at the end of training\) │ +60 │ +0\.7400/);
    // The two charts, each with both series drawn and an epoch axis.
    const loss = r.stdout.slice(r.stdout.indexOf('\nloss   * train  o validation'));
    assert.ok(loss.length > 1, r.stdout);
    const acc = loss.indexOf('\naccuracy   * train  o validation');
    assert.ok(acc > 0);
    for (const chart of [loss.slice(0, acc), loss.slice(acc)]) {
      const plot = chart.split('\n').filter((l) => /[┤│]/.test(l));
      assert.ok(plot.length >= 8, chart);
      assert.ok(plot.some((l) => l.includes('*')) && plot.some((l) => l.includes('o')), chart);
      assert.match(chart, /└─+\n +1 +2 +3 +epoch/);
    }
  });

  it('shows the newest run without an argument, and a failed run with its failure', () => {
    const r = runCliJson<{ run: { id: string; warnings: string[] } }>(['show', '--experiments-dir', dir]);
    assert.equal(r.json.run.id, '20261104-100000-broken');
    assert.deepEqual(r.json.run.warnings, ['summary.json: not valid JSON']);
    const failed = runCli(['show', '103-100000-c', '--experiments-dir', dir, '--no-curves']);
    assert.equal(failed.code, 0, failed.stderr);
    assert.match(failed.stdout, /status +│ failed: NAN_LOSS loss became NaN/);
    assert.ok(!failed.stdout.includes('* train'));
  });

  it('names the runs an ambiguous part matches (exit 2), and an unknown run (exit 6)', () => {
    const amb = runCli(['show', '100000', '--experiments-dir', dir]);
    assert.equal(amb.code, 2);
    assert.match(amb.stderr, /"100000" matches 4 runs\n[\s\S]*hint: 20261101-100000-a/);
    const none = runCli(['show', 'zzz', '--experiments-dir', dir]);
    assert.equal(none.code, 6);
  });
});
