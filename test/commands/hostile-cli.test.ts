import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type CliResult, PROJECT_ROOT, runCli } from '../helpers/cli.js';

/**
 * Hostile or careless command lines (issue 17, "smaller ones"): each ends with a clear message,
 * the documented exit code and no stack trace; with --json, with one short JSON error.
 */

const TINY = join(PROJECT_ROOT, 'test', 'fixtures', 'configs', 'tiny.yaml');
const root = mkdtempSync(join(tmpdir(), 'qqp-hostile-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));

let cases = 0;
function caseDir(): string {
  const dir = join(root, `case-${++cases}`);
  mkdirSync(dir);
  return dir;
}

function assertNoStack(r: CliResult, what: string): void {
  assert.doesNotMatch(r.stderr, /^ {4}at /m, `${what}: a stack trace\n${r.stderr}`);
  assert.doesNotMatch(r.stdout, /^ {4}at /m, `${what}: a stack trace\n${r.stdout}`);
}

interface JsonError {
  error: { code: string; category: string; message: string; problems: unknown[]; suggestions: string[] };
}

/** stdout is one short JSON error document of qqp's shape. */
function jsonError(r: CliResult, what: string): JsonError['error'] {
  assert.ok(r.stdout.length < 2000, `${what}: ${r.stdout.length} bytes of JSON`);
  const doc = JSON.parse(r.stdout) as JsonError;
  assert.deepEqual(Object.keys(doc), ['error'], what);
  assert.deepEqual(Object.keys(doc.error).sort(), ['category', 'code', 'message', 'problems', 'suggestions']);
  return doc.error;
}

describe('hostile command lines', () => {
  it('--json with an unknown flag: one short JSON error, exit 2', () => {
    const r = runCli(['runs', '--bogus', '--json'], { cwd: caseDir() });
    assert.equal(r.code, 2, r.stdout.slice(0, 500));
    const e = jsonError(r, 'runs --bogus --json');
    assert.equal(e.category, 'usage');
    assert.equal(e.code, 'USAGE_NON_EXISTENT_FLAGS');
    assert.match(e.message, /Nonexistent flag: --bogus/);
    assert.doesNotMatch(r.stdout, /"config"|"pjson"|"home"/);
    assertNoStack(r, 'runs --bogus --json');
  });

  it('--json with a missing argument or a bad flag value: the same shape, exit 2', () => {
    for (const args of [
      ['eval', '--json'],
      ['runs', '--status', 'nope', '--json'],
      ['runs', '--last', 'x', '--json'],
    ]) {
      const r = runCli(args, { cwd: caseDir() });
      assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}\n${r.stdout.slice(0, 500)}`);
      assert.equal(jsonError(r, args.join(' ')).category, 'usage');
    }
  });

  it('an unknown command: exit 2 with the closest command; with --json, the JSON error', () => {
    const text = runCli(['rnus'], { cwd: caseDir() });
    assert.equal(text.code, 2);
    assert.match(text.stderr, /command "rnus" not found/);
    assert.match(text.stderr, /did you mean "runs"\?/);
    assertNoStack(text, 'rnus');
    const r = runCli(['data', 'nosuch', '--json'], { cwd: caseDir() });
    assert.equal(r.code, 2);
    const e = jsonError(r, 'data nosuch --json');
    assert.equal(e.code, 'COMMAND_NOT_FOUND');
    assert.match(e.message, /command "data nosuch" not found/);
    assert.equal(r.stderr, '');
  });

  it('--experiments-dir naming a file (or a path through one): exit 2 for every command that takes it', () => {
    const dir = caseDir();
    const file = join(dir, 'not-a-folder');
    writeFileSync(file, 'mine\n');
    const sweep = join(PROJECT_ROOT, 'configs', 'sweeps', 'tiny.yaml');
    const commands = [
      ['train', TINY],
      ['train', '--resume', 'x'],
      ['runs'],
      ['show'],
      ['compare'],
      ['report', '--out', join(dir, 'r.html')],
      ['eval', 'x'],
      ['predict', 'x', '--q1', 'a?', '--q2', 'b?'],
      ['sweep', sweep],
      ['worker', '--queue', 'redis://127.0.0.1:1'],
    ];
    for (const target of [file, join(file, 'sub')]) {
      for (const args of commands) {
        const what = `${args.join(' ')} --experiments-dir ${target}`;
        const r = runCli([...args, '--experiments-dir', target], { cwd: dir });
        assert.equal(r.code, 2, `${what}: exit ${r.code}\n${r.stderr}`);
        assert.match(
          r.stderr,
          /^Error: .*not-a-folder.* (is a file, not a folder|which is a file) \(--experiments-dir\)$/m,
          what,
        );
        assertNoStack(r, what);
      }
    }
    assert.equal(readFileSync(file, 'utf8'), 'mine\n');
    assert.deepEqual(readdirSync(dir), ['not-a-folder']);
  });

  it('terminal escapes in a data file or a config are shown escaped, never sent to the terminal', () => {
    const dir = caseDir();
    const data = join(dir, 'evil.csv');
    writeFileSync(data, 'a\tb\x1b[2J\x1b]0;owned\x07\u202eRED\n1\t2\n');
    const stats = runCli(['data', 'stats', data], { cwd: dir });
    assert.equal(stats.code, 4, stats.stderr);
    assert.match(stats.stderr, /from its first line: a<TAB>b\\x1b\[2J\\x1b\]0;owned\\x07\\u202eRED/);
    const config = join(dir, 'evil.yaml');
    writeFileSync(config, '"\\e[2Jkey\\a": 1\n');
    const validate = runCli(['validate', config], { cwd: dir });
    assert.equal(validate.code, 3, validate.stderr);
    assert.match(validate.stdout + validate.stderr, /unknown key "\\x1b\[2Jkey\\x07"/);
    const train = runCli(['train', config, '--experiments-dir', join(dir, 'exp')], { cwd: dir });
    assert.equal(train.code, 3, train.stderr);
    assert.match(train.stderr, /unknown key "\\x1b\[2Jkey\\x07"/);
    for (const r of [stats, validate, train]) {
      for (const raw of ['\x07', '\x1b', '\u202e']) {
        assert.ok(!(r.stdout + r.stderr).includes(raw), `a raw ${JSON.stringify(raw)} was printed`);
      }
    }
  });
});
