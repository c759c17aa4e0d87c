import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PROJECT_ROOT, runCli } from '../helpers/cli.js';

/**
 * Every entry point through which a name becomes a path, tried with hostile names: each is refused
 * with a one-line message and the documented exit code, no stack trace, and nothing is written,
 * inside the experiments folder or beside it.
 */

const TINY = join(PROJECT_ROOT, 'test', 'fixtures', 'configs', 'tiny.yaml');
const root = mkdtempSync(join(tmpdir(), 'qqp-hostile-names-'));
after(() => rmSync(root, { recursive: true, force: true }));

let cases = 0;
/** A fresh parent folder (the cwd of the command) whose experiments folder is `exp/`. */
function parent(): { dir: string; exp: string } {
  const dir = join(root, `case-${++cases}`);
  mkdirSync(dir);
  return { dir, exp: join(dir, 'exp') };
}

/** Names a path may not be made of; `argv: false` for those a command line cannot carry. */
function hostileNames(dir: string): { name: string; argv: boolean }[] {
  return [
    { name: '../escaped', argv: true },
    { name: '../../escaped', argv: true },
    { name: 'a/b', argv: true },
    { name: join(dir, 'absolute'), argv: true },
    { name: '..', argv: true },
    { name: '.hidden', argv: true },
    { name: 'x'.repeat(300), argv: true },
    { name: '', argv: true },
    { name: 'a\\b', argv: true },
    { name: 'a\0b', argv: false },
  ];
}

/** A few of them, for the entry points whose rule the unit tests (test/runs/names.test.ts) try in full. */
function someHostileNames(dir: string): string[] {
  const pick = ['../escaped', 'a/b', join(dir, 'absolute'), '..', 'x'.repeat(300), 'a\0b'];
  return hostileNames(dir)
    .map((c) => c.name)
    .filter((n) => pick.includes(n));
}

function assertRefused(
  r: { code: number; stdout: string; stderr: string },
  code: number,
  message: RegExp,
  what: string,
): void {
  assert.equal(r.code, code, `${what}: exit ${r.code}\n${r.stderr}`);
  assert.match(r.stderr, message, what);
  assert.doesNotMatch(r.stderr, /^ {4}at /m, `${what}: a stack trace\n${r.stderr}`);
  assert.doesNotMatch(r.stdout, /^ {4}at /m, what);
}

/** Nothing was created in the parent but the files the test wrote, and no experiments folder. */
function assertNothingWritten(dir: string, own: string[], what: string): void {
  assert.deepEqual(readdirSync(dir).sort(), [...own].sort(), `${what}: ${dir} holds new files`);
  assert.equal(existsSync(join(root, 'escaped')), false, `${what}: wrote beside the cases`);
}

describe('hostile names', () => {
  it('train --name: exit 2, the rule and a suggestion, nothing written', () => {
    for (const { name, argv } of hostileNames(root)) {
      if (!argv) continue;
      const { dir, exp } = parent();
      const what = `--name ${JSON.stringify(name.slice(0, 20))}`;
      const r = runCli(['train', TINY, '--experiments-dir', exp, '--name', name], { cwd: dir });
      assertRefused(r, 2, /^Error: run name ".*" (is empty|is too long|is not allowed)/m, what);
      assert.match(r.stderr, /hint: a run name becomes part of a folder name/, what);
      assert.equal(
        r.stderr.trim().split('\n').length,
        2,
        `${what}: one message line and one hint\n${r.stderr}`,
      );
      assertNothingWritten(dir, [], what);
    }
  });

  it("the config's experiment.name: exit 3 at the config line, nothing written", () => {
    for (const name of someHostileNames(root)) {
      const { dir, exp } = parent();
      const what = `experiment.name ${JSON.stringify(name.slice(0, 20))}`;
      writeFileSync(
        join(dir, 'named.yaml'),
        `extends: ${JSON.stringify(TINY)}\nexperiment: { name: ${JSON.stringify(name)} }\n`,
      );
      const r = runCli(['train', 'named.yaml', '--experiments-dir', exp], { cwd: dir });
      assertRefused(r, 3, /named\.yaml:2:\d+ experiment\.name: must be/, what);
      assertNothingWritten(dir, ['named.yaml'], what);
    }
  });

  it('--set experiment.name=...: exit 3 naming the --set, nothing written', () => {
    for (const name of ['../escaped', 'a/b', join(root, 'absolute'), 'x'.repeat(300)]) {
      const { dir, exp } = parent();
      const what = `--set experiment.name=${name.slice(0, 20)}`;
      const r = runCli(['train', TINY, '--experiments-dir', exp, '--set', `experiment.name=${name}`], {
        cwd: dir,
      });
      assertRefused(r, 3, /--set experiment\.name=.* experiment\.name: must be/, what);
      assertNothingWritten(dir, [], what);
    }
  });

  it("a sweep spec's name: exit 3 at the spec line, nothing written", () => {
    for (const name of someHostileNames(root)) {
      const { dir, exp } = parent();
      const what = `sweep name ${JSON.stringify(name.slice(0, 20))}`;
      writeFileSync(
        join(dir, 'spec.yaml'),
        [
          `name: ${JSON.stringify(name)}`,
          `base: ${JSON.stringify(TINY)}`,
          'parameters:',
          '  training.epochs: { values: [1] }',
          'metric: validation.loss',
          '',
        ].join('\n'),
      );
      const r = runCli(['sweep', 'spec.yaml', '--experiments-dir', exp], { cwd: dir });
      assertRefused(r, 3, /spec\.yaml:1:7 name: sweep name ".*" (is empty|is too long|is not allowed)/, what);
      assertNothingWritten(dir, ['spec.yaml'], what);
    }
  });
});
