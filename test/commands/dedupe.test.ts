import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import type { DedupeResult } from '../../src/dedupe/dedupe.js';
import { makeTinyRuns, syntheticQuestions, type TinyRuns } from '../dedupe/fixture.js';
import { runCli, runCliJson } from '../helpers/cli.js';

// These spawn the built CLI: run `npm run build` first (npm test does).

let runs: TinyRuns;
let dir: string[];
let questions: string;

before(async () => {
  runs = await makeTinyRuns();
  dir = ['--experiments-dir', runs.experimentsDir];
  questions = join(runs.tmp, 'questions.csv');
  const qs = syntheticQuestions(60);
  writeFileSync(
    questions,
    `id,question\n${qs.map((q, i) => `${i + 1},"${q.replace(/"/g, '""')}"`).join('\n')}\n`,
  );
});

after(() => {
  if (runs) rmSync(runs.tmp, { recursive: true, force: true });
});

function assertNoStack(stderr: string): void {
  assert.doesNotMatch(stderr, /\n\s+at /, `a stack trace in:\n${stderr}`);
}

const records = (file: string) =>
  parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];

describe('qqp dedupe', () => {
  it('lists the top k candidates of each question, and says what it did', () => {
    const out = join(runs.tmp, 'pairs.csv');
    const r = runCli(['dedupe', runs.siamese, ...dir, '--data', questions, '--top-k', '5', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assertNoStack(r.stderr);
    assert.match(r.stdout, /60 questions of .*questions\.csv/);
    assert.match(r.stdout, /retrieved by lexical \(30 each\), ranked by lexical/);
    assert.match(r.stdout, /wrote \d+ pairs to .*pairs\.csv/);
    const rows = records(out);
    const perQuery = new Map<string, number>();
    for (const x of rows) perQuery.set(x.query_id!, (perQuery.get(x.query_id!) ?? 0) + 1);
    assert.equal(perQuery.size, 60);
    assert.ok([...perQuery.values()].every((n) => n >= 1 && n <= 5));
    assert.ok(rows.every((x) => x.query_id !== x.candidate_id));
  });

  it('--json gives the result; a second run refuses to overwrite, --force replaces', () => {
    const out = join(runs.tmp, 'json.csv');
    const args = ['dedupe', runs.siamese, ...dir, '--data', questions, '--out', out, '--retrieve', 'lexical'];
    const j = runCliJson<DedupeResult>([...args, '--rank', 'model']);
    assert.equal(j.code, 0, j.stderr);
    assert.equal(j.json.status, 'completed');
    assert.deepEqual(j.json.retrievers, ['lexical']);
    assert.equal(j.json.rank, 'model');
    assert.equal(j.json.pairs, records(out).length);
    const before = readFileSync(out, 'utf8');
    const again = runCli(args);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exists/);
    assert.match(again.stderr, /--force/);
    assertNoStack(again.stderr);
    assert.equal(readFileSync(out, 'utf8'), before);
    assert.equal(runCli([...args, '--force']).code, 0);
  });

  it('usage and data mistakes exit 2 or 4 with a message, never a stack trace', () => {
    const out = join(runs.tmp, 'never.csv');
    const base = ['dedupe', runs.siamese, ...dir, '--out', out];
    const badRetriever = runCli([...base, '--data', questions, '--retrieve', 'lexical,magic']);
    assert.equal(badRetriever.code, 2);
    assert.match(badRetriever.stderr, /unknown retriever magic/);
    const badThreshold = runCli([...base, '--data', questions, '--threshold', '2']);
    assert.equal(badThreshold.code, 2);
    const missing = runCli([...base, '--data', join(runs.tmp, 'nope.csv')]);
    assert.equal(missing.code, 4);
    assert.match(missing.stderr, /nope\.csv: file not found/);
    const noEncoder = runCli([
      'dedupe',
      runs.sequential,
      ...dir,
      '--out',
      out,
      '--data',
      questions,
      '--retrieve',
      'encoder',
    ]);
    assert.equal(noEncoder.code, 2);
    assert.match(noEncoder.stderr, /not a siamese model/);
    for (const r of [badRetriever, badThreshold, missing, noEncoder]) assertNoStack(r.stderr);
  });
});
