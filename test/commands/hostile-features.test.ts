import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type CliResult, PROJECT_ROOT, runCli } from '../helpers/cli.js';

/**
 * Bad `data.features` values, and features a model cannot read: each is refused at its config line
 * with what would be right, exit 3 (config), no stack trace, and nothing written (no run folder).
 */

const SIAMESE = join(PROJECT_ROOT, 'configs', 'siamese-bilstm.yaml');
const FEATURES = join(PROJECT_ROOT, 'configs', 'siamese-features.yaml');
const BILSTM = join(PROJECT_ROOT, 'configs', 'bilstm.yaml');
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A folder holding only `bad.yaml` (extending `base` with `body`), and an experiments folder in it. */
function config(base: string, body: string): { dir: string; exp: string } {
  const dir = mkdtempSync(join(tmpdir(), 'qqp-hostile-features-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'bad.yaml'), `extends: ${JSON.stringify(base)}\n${body}`);
  return { dir, exp: join(dir, 'experiments') };
}

function assertRefused(r: CliResult, pattern: RegExp, what: string): void {
  // validate reports on stdout, train on stderr.
  const out = `${r.stdout}${r.stderr}`;
  assert.equal(r.code, 3, `${what}: exit ${r.code}\n${out}`);
  assert.match(out, pattern, what);
  assert.doesNotMatch(out, /^ {4}at /m, `${what}: a stack trace\n${out}`);
}

/** `qqp train` refuses it too, before creating anything: the folder holds bad.yaml only. */
function assertTrainRefused(dir: string, exp: string, pattern: RegExp, what: string): void {
  const r = runCli(['train', 'bad.yaml', '--experiments-dir', exp], { cwd: dir });
  assertRefused(r, pattern, `train: ${what}`);
  assert.deepEqual(readdirSync(dir), ['bad.yaml'], `${what}: something was written`);
}

describe('hostile data.features', () => {
  it('an unknown feature name: at its line and column, with the names and a did-you-mean', () => {
    const { dir, exp } = config(FEATURES, 'data:\n  features:\n    pair: [wordTfidf, jacard]\n');
    const r = runCli(['validate', 'bad.yaml'], { cwd: dir });
    assertRefused(
      r,
      /bad\.yaml:4:23 data\.features\.pair\[1\]: must be one of "wordTfidf", .*"vectorCosine" \(got "jacard"\) \(did you mean "jaccard"\?\)/,
      'jacard',
    );
    const j = runCli(['validate', 'bad.yaml', '--json'], { cwd: dir });
    assert.equal(j.code, 3);
    const problem = (JSON.parse(j.stdout) as { files: { problems: Record<string, unknown>[] }[] }).files[0]!
      .problems[0]!;
    assert.deepEqual(
      [problem.line, problem.col, problem.path, problem.suggestion],
      [4, 23, 'data.features.pair[1]', 'did you mean "jaccard"?'],
    );
    assertTrainRefused(dir, exp, /bad\.yaml:4:23 data\.features\.pair\[1\]/, 'jacard');
  });

  it('values of the wrong kind: a string, an empty list, a repeated name, an unknown key, a number', () => {
    const cases: [string, RegExp][] = [
      [
        'data:\n  features: { pair: yes }\n',
        /bad\.yaml:3:21 data\.features\.pair: must be a boolean or a list/,
      ],
      [
        'data:\n  features: { pair: [] }\n',
        /bad\.yaml:3:21 data\.features\.pair: must be a list of at least 1 item/,
      ],
      [
        'data:\n  features: { pair: [jaccard, jaccard] }\n',
        /bad\.yaml:3:21 data\.features\.pair: must not list the same item twice/,
      ],
      [
        'data:\n  features: { pairs: true }\n',
        /bad\.yaml:3:15 data\.features\.pairs: unknown key "pairs" \(did you mean "pair"\?\)/,
      ],
      [
        'data:\n  features: { exactMatch: 1 }\n',
        /bad\.yaml:3:27 data\.features\.exactMatch: must be a boolean \(got 1\)/,
      ],
      ['data:\n  features: true\n', /bad\.yaml:3:13 data\.features: must be a mapping \(got true\)/],
    ];
    for (const [body, pattern] of cases) {
      const { dir } = config(FEATURES, body);
      assertRefused(runCli(['validate', 'bad.yaml'], { cwd: dir }), pattern, body);
    }
  });

  it('vector features without vectors, vectors no feature reads, a vectors source that is not there', () => {
    const cases: [string, RegExp][] = [
      [
        'data:\n  features:\n    pair: [jaccard, softAlign]\n',
        /bad\.yaml:4:21 data\.features\.pair\[1\]: softAlign is computed from pretrained word vectors, and data\.features has no vectors.*add data\.features\.vectors/s,
      ],
      [
        'data:\n  features:\n    pair: [jaccard]\n    vectors: { source: v.txt }\n',
        /bad\.yaml:5:5 data\.features\.vectors: no pair feature reads these vectors/,
      ],
    ];
    for (const [body, pattern] of cases) {
      const { dir, exp } = config(FEATURES, body);
      assertRefused(runCli(['validate', 'bad.yaml'], { cwd: dir }), pattern, body);
      assertTrainRefused(dir, exp, pattern, body);
    }
    // A source that is not there: refused at its line (train reads sources once its run exists, as
    // for an embedding's pretrained.source, and marks that run failed).
    const missing = /bad\.yaml:5:24 data\.features\.vectors\.source: vectors file not found: missing\.txt/;
    const { dir, exp } = config(
      FEATURES,
      'data:\n  features:\n    pair: true\n    vectors: { source: missing.txt }\n',
    );
    assertRefused(runCli(['validate', 'bad.yaml'], { cwd: dir }), missing, 'missing source');
    assertRefused(
      runCli(['train', 'bad.yaml', '--experiments-dir', exp], { cwd: dir }),
      missing,
      'train: missing source',
    );
  });

  it('features the model would not read, or a model reading features the data lacks', () => {
    const cases: [string, string, RegExp][] = [
      [
        SIAMESE,
        'data:\n  features: { pair: true }\n',
        /bad\.yaml:3:21 data\.features\.pair: gives the model a `features` input.*add features to model\.combine/,
      ],
      [
        FEATURES,
        'data:\n  features: { pair: false }\n',
        /siamese-features\.yaml:\d+:\d+ model\.combine\[4\]: combines the pair features, but the data gives none/,
      ],
      [
        SIAMESE,
        'data:\n  features: { exactMatch: true }\n',
        /bad\.yaml:3:27 data\.features\.exactMatch: gives the model `exactMatch1` \/ `exactMatch2` inputs, which a "siamese" model does not read/,
      ],
      [
        BILSTM,
        'data:\n  features: { exactMatch: true }\n',
        /bad\.yaml:3:27 data\.features\.exactMatch: exact-match bits .* need data\.encoding\.pair: separate/,
      ],
    ];
    for (const [base, body, pattern] of cases) {
      const { dir, exp } = config(base, body);
      assertRefused(runCli(['validate', 'bad.yaml'], { cwd: dir }), pattern, body);
      assertTrainRefused(dir, exp, pattern, body);
    }
  });
});
