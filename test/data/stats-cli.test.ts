// CLI test of `qqp data stats` (spawns the built CLI: run `npm run build` first).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { DataStats } from '../../src/data/stats.js';
import { PROJECT_ROOT, runCli, runCliJson } from '../helpers/cli.js';

// oclif wraps long error messages and prefixes lines with ›: compare the text without that.
const flat = (s: string) => s.replace(/›/g, ' ').replace(/\s+/g, ' ');
const fixture = join(PROJECT_ROOT, 'test', 'fixtures', 'data', 'kaggle-plain.csv');

describe('qqp data stats', () => {
  it('prints a table for people', () => {
    const r = runCli(['data', 'stats', fixture]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /format\s+│ kaggle-csv/);
    assert.match(r.stdout, /rows\s+│ 3 /);
    assert.match(r.stdout, /duplicates\s+│ 2 \(66\.7%\)/);
    assert.match(r.stdout, /bad rows\s+│ 3 \(lines 4, 5, 6\)/);
    assert.match(r.stdout, /line 4: label must be 0 or 1/);
  });

  it('prints one JSON document with --json', () => {
    const r = runCliJson<DataStats>(['data', 'stats', fixture, '--min-count', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.rows, 3);
    assert.equal(r.json.duplicates, 2);
    assert.equal(r.json.minCount, 2);
    assert.equal(r.json.badRows, 3);
    assert.equal(r.json.format, 'kaggle-csv');
  });

  it('honours --format and rejects a mismatch with exit 4', () => {
    const r = runCli(['data', 'stats', fixture, '--format', 'pairs-tsv']);
    assert.equal(r.code, 4);
    assert.match(flat(r.stderr), /does not look like pairs-tsv: its first line is ,id,qid1/);
  });

  it('reports a missing file clearly: exit 4, no stack trace', () => {
    const r = runCli(['data', 'stats', 'no/such/file.csv']);
    assert.equal(r.code, 4);
    assert.match(flat(r.stderr), /data file not found: no\/such\/file\.csv/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    const j = runCliJson<{ error: { code: string } }>(['data', 'stats', 'no/such/file.csv']);
    assert.equal(j.code, 4);
    assert.equal(j.json.error.code, 'DATA_FILE_NOT_FOUND');
  });
});
