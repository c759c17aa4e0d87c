import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RunError, UsageError } from '../../src/errors.js';
import { listRuns } from '../../src/report/read.js';
import { latestAttempts, parseLast, parseSince, selectRuns } from '../../src/report/select.js';
import {
  retriedSweepExperiments,
  standardExperiments,
  sweepExperiments,
  tempDir,
  writeRun,
} from './fixture.js';

describe('parseSince', () => {
  const now = new Date('2026-11-28T12:00:00Z');
  it('reads times ago, local dates, ISO times, today and yesterday', () => {
    assert.equal(parseSince('12h', now).toISOString(), '2026-11-28T00:00:00.000Z');
    assert.equal(parseSince('2d', now).toISOString(), '2026-11-26T12:00:00.000Z');
    assert.equal(parseSince('30m', now).toISOString(), '2026-11-28T11:30:00.000Z');
    assert.equal(parseSince('1w', now).toISOString(), '2026-11-21T12:00:00.000Z');
    assert.equal(parseSince('2026-11-20').getTime(), new Date(2026, 10, 20).getTime());
    assert.equal(parseSince('2026-11-20T08:30:00Z').toISOString(), '2026-11-20T08:30:00.000Z');
    const today = parseSince('today', now);
    assert.equal(today.getHours(), 0);
    assert.equal(parseSince('yesterday', now).getTime(), today.getTime() - 86_400_000);
  });
  it('refuses anything else with a usage error', () => {
    for (const bad of ['last week', '2026-13-01', '5y', ''])
      assert.throws(() => parseSince(bad, now), UsageError, bad);
  });
});

describe('selectRuns', () => {
  it('--last N takes the newest N, oldest first', () => {
    const { dir } = standardExperiments();
    const listing = listRuns(dir);
    assert.deepEqual(
      selectRuns(listing, { last: 2 }).map((r) => r.id),
      ['20261103-100000-c', '20261104-100000-broken'],
    );
    assert.throws(() => parseLast(0), UsageError);
  });

  it('--since keeps the runs started since then', () => {
    const { dir } = standardExperiments();
    const ids = selectRuns(listRuns(dir), { since: new Date('2026-11-02T09:00:00Z') }).map((r) => r.id);
    assert.deepEqual(ids, ['20261102-100000-b', '20261103-100000-c', '20261104-100000-broken']);
  });

  it('--status, --tag and explicit runs', () => {
    const { dir, ids } = standardExperiments();
    writeRun(dir, {
      id: '20261105-100000-tagged',
      createdAt: '2026-11-05T10:00:00Z',
      tags: ['baseline', 'gpu'],
      epochs: [[0.7, 0.6, 0.5, 0.5]],
    });
    const listing = listRuns(dir);
    assert.deepEqual(
      selectRuns(listing, { status: ['failed'] }).map((r) => r.id),
      ['20261103-100000-c'],
    );
    assert.deepEqual(
      selectRuns(listing, { tags: ['baseline', 'gpu'] }).map((r) => r.id),
      ['20261105-100000-tagged'],
    );
    assert.deepEqual(selectRuns(listing, { tags: ['baseline', 'cpu'] }), []);
    assert.deepEqual(
      selectRuns(listing, { refs: [ids[2]!, ids[0]!, ids[2]!] }).map((r) => r.id),
      [ids[2], ids[0]],
    );
  });

  it("--sweep keeps that sweep's runs, and names the known sweeps when the id is unknown", () => {
    const listing = listRuns(sweepExperiments());
    assert.equal(selectRuns(listing, { sweep: 'lr-search' }).length, 4);
    assert.throws(
      () => selectRuns(listing, { sweep: 'lr-serch' }),
      (e: unknown) =>
        e instanceof RunError && e.code === 'SWEEP_NOT_FOUND' && e.suggestions.includes('sweep lr-search'),
    );
    assert.throws(() => selectRuns(listRuns(tempDir()), { sweep: 'x' }), RunError);
  });

  it("--sweep keeps each trial's latest attempt only, unless every attempt is asked for", () => {
    const { dir, superseded, stopped, latest } = retriedSweepExperiments();
    const listing = listRuns(dir);
    assert.deepEqual(
      selectRuns(listing, { sweep: 'asha-retry' }).map((r) => r.id),
      [stopped, latest],
    );
    assert.deepEqual(
      selectRuns(listing, { sweep: 'asha-retry', allAttempts: true }).map((r) => r.id),
      [superseded, stopped, latest],
    );
    // The superseded folder is not found through a status filter either.
    assert.deepEqual(selectRuns(listing, { sweep: 'asha-retry', status: ['crashed'] }), []);
    assert.deepEqual(
      selectRuns(listing, { status: ['crashed'] }).map((r) => r.id),
      [superseded],
    );
    assert.equal(latestAttempts(listing.runs).length, 2);
  });
});
