import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli, runCliJson } from '../helpers/cli.js';
import {
  retriedSweepExperiments,
  standardExperiments,
  sweepExperiments,
  tempDir,
} from '../report/fixture.js';

interface RunsJson {
  total: number;
  runs: { id: string; status: string; best: { metric: string; value: number } | null; warnings: string[] }[];
}

describe('qqp runs', () => {
  const { dir } = standardExperiments();

  it('lists every run with its status and figures, and warns about the broken folder', () => {
    const r = runCli(['runs', '--experiments-dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(
      lines[1]!,
      /id .* name .* status .* start .* time .* backend .* best val_loss .* test accuracy/,
    );
    assert.match(
      r.stdout,
      /20261102-100000-b .* completed .* 2026-11-0\d \d\d:\d\d .* 4\.5s .* cpu .* 0\.5200 .* 0\.7400/,
    );
    assert.match(r.stdout, /20261103-100000-c .* failed .* 0\.6900 .* - /);
    assert.match(r.stdout, /20261104-100000-broken .* completed \(!\)/);
    assert.ok(!r.stdout.includes('not-a-run'));
    assert.match(r.stderr, /warning: 20261104-100000-broken: summary\.json: not valid JSON/);
    assert.match(r.stdout, /4 of 4 run\(s\) in .*; \(!\) 1 with missing or broken files/);
  });

  it('filters by status, time and count (--json)', () => {
    const failed = runCliJson<RunsJson>(['runs', '--experiments-dir', dir, '--status', 'failed']);
    assert.deepEqual(
      failed.json.runs.map((x) => x.id),
      ['20261103-100000-c'],
    );
    assert.equal(failed.json.total, 4);
    const since = runCliJson<RunsJson>([
      'runs',
      '--experiments-dir',
      dir,
      '--since',
      '2026-11-02T12:00:00Z',
      '--last',
      '1',
    ]);
    assert.deepEqual(
      since.json.runs.map((x) => x.id),
      ['20261104-100000-broken'],
    );
    assert.deepEqual(since.json.runs[0]!.warnings, ['summary.json: not valid JSON']);
  });

  it('lists a sweep, and refuses an unknown sweep (exit 6) and a bad date (exit 2)', () => {
    const sweepDir = sweepExperiments();
    const r = runCliJson<RunsJson>(['runs', '--experiments-dir', sweepDir, '--sweep', 'lr-search']);
    assert.equal(r.json.runs.length, 4);
    const unknown = runCli(['runs', '--experiments-dir', sweepDir, '--sweep', 'nope']);
    assert.equal(unknown.code, 6);
    assert.match(unknown.stderr, /no runs of sweep "nope"[\s\S]*hint: sweep lr-search/);
    const bad = runCli(['runs', '--experiments-dir', dir, '--since', 'last tuesday']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--since "last tuesday": not a date/);
    assert.ok(!bad.stderr.includes('    at '), 'no stack trace');
  });

  it("--sweep: each trial's latest attempt with its number, ASHA's stopped trials as stopped; --all every folder", () => {
    const { dir: retried, superseded, stopped, latest } = retriedSweepExperiments();
    const r = runCli(['runs', '--experiments-dir', retried, '--sweep', 'asha-retry']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.split('\n')[1]!, /id .* name .* trial #attempt .* status/);
    assert.match(r.stdout, new RegExp(`${stopped} .* b #1 .* stopped`));
    assert.match(r.stdout, new RegExp(`${latest} .* a #2 .* completed`));
    assert.ok(!r.stdout.includes(superseded), r.stdout);
    assert.match(
      r.stdout,
      /2 of 3 run\(s\) in .*; 1 folder\(s\) of earlier attempts of these trials left out \(--all shows them\)/,
    );
    const all = runCliJson<RunsJson & { superseded: number }>([
      'runs',
      '--experiments-dir',
      retried,
      '--sweep',
      'asha-retry',
      '--all',
    ]);
    assert.deepEqual(
      all.json.runs.map((x) => [x.id, x.status]),
      [
        [superseded, 'crashed'],
        [stopped, 'stopped'],
        [latest, 'completed'],
      ],
    );
    assert.equal(all.json.superseded, 0);
    const everything = runCli(['runs', '--experiments-dir', retried]);
    assert.match(everything.stdout, new RegExp(`${superseded} .* crashed`));
  });

  it('says so when there are no runs', () => {
    const r = runCli(['runs', '--experiments-dir', join(tempDir(), 'none')]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /no runs in .*none/);
  });
});
