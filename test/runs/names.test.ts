import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ExperimentSchema } from '../../src/config/schema.js';
import { validateConfig } from '../../src/config/validate.js';
import { UsageError } from '../../src/errors.js';
import { RunFolder } from '../../src/runs/folder.js';
import { checkName, createNamedFolder } from '../../src/runs/names.js';
import { parseSweepSpec } from '../../src/sweep/spec.js';
import {
  isInside,
  NAME_MAX_LENGTH,
  NAME_PATTERN,
  nameProblem,
  SWEEP_NAME_MAX_LENGTH,
  toName,
} from '../../src/util/names.js';

const HOSTILE = [
  '../x',
  '..',
  '.',
  'a/b',
  '/abs',
  '.hidden',
  '-flag',
  '',
  'a\\b',
  'a\0b',
  'a b',
  'x'.repeat(101),
];
const FINE = ['run', 'bilstm', 'lr-0.01_units.32', '7', 'x'.repeat(100)];

describe('names that become paths', () => {
  it('one rule: hostile names have a problem, ordinary ones none', () => {
    for (const name of HOSTILE) assert.notEqual(nameProblem(name), undefined, JSON.stringify(name));
    for (const name of FINE) assert.equal(nameProblem(name), undefined, name);
  });

  it('the config schema takes the pattern and the length from the rule', () => {
    assert.equal(ExperimentSchema.properties.name.pattern, NAME_PATTERN);
    assert.equal(ExperimentSchema.properties.name.maxLength, NAME_MAX_LENGTH);
  });

  it('a config refuses every hostile experiment.name and takes the ordinary ones', () => {
    const nameIssues = (name: string) =>
      validateConfig({ experiment: { name } }).issues.filter((i) => i.path.join('.') === 'experiment.name');
    for (const name of HOSTILE) assert.equal(nameIssues(name).length, 1, JSON.stringify(name));
    for (const name of FINE) assert.deepEqual(nameIssues(name), [], name);
  });

  it('checkName throws a UsageError with the kind, the quoted value and a valid suggestion', () => {
    for (const name of HOSTILE) {
      assert.throws(
        () => checkName('run', name),
        (err: unknown) => {
          assert.ok(err instanceof UsageError);
          assert.equal(err.code, 'BAD_NAME');
          assert.match(err.message, /^run name ".*" /);
          assert.doesNotMatch(err.message, /[\0\n]/);
          const suggested = /for example "(.*)"$/.exec(err.suggestions[0] ?? '')?.[1] ?? '';
          assert.equal(nameProblem(suggested), undefined, `suggested ${suggested}`);
          return true;
        },
      );
    }
    assert.equal(checkName('sweep', 'lr'), 'lr');
  });

  it('toName makes a valid name of any text', () => {
    for (const text of [...HOSTILE, 'my sweep', '...']) {
      assert.equal(
        nameProblem(toName(text, 'sweep', SWEEP_NAME_MAX_LENGTH), SWEEP_NAME_MAX_LENGTH),
        undefined,
      );
    }
    assert.equal(toName('my sweep', 'sweep'), 'my-sweep');
    assert.equal(toName('...', 'sweep'), 'sweep');
  });

  it('isInside: only paths strictly inside the folder', () => {
    assert.equal(isInside('/e', '/e/x'), true);
    assert.equal(isInside('/e', '/e/..x'), true);
    assert.equal(isInside('/e', '/e'), false);
    assert.equal(isInside('/e', '/e/../x'), false);
    assert.equal(isInside('/e', '/ex'), false);
    assert.equal(isInside('/e', '/x'), false);
  });

  it('RunFolder.create refuses a bad name before creating anything', () => {
    const parent = mkdtempSync(join(tmpdir(), 'qqp-names-'));
    const exp = join(parent, 'exp');
    for (const name of HOSTILE) {
      assert.throws(() => RunFolder.create(exp, name), UsageError, JSON.stringify(name));
    }
    assert.deepEqual(readdirSync(parent), []);
    const made = createNamedFolder(exp, 'run', 'ok', new Date(Date.UTC(2026, 0, 2, 3, 4, 5)));
    assert.equal(made.id, '20260102-030405-ok');
    assert.ok(existsSync(made.dir));
  });

  it("a sweep spec's name follows the rule (with room for -t<index>); a default name is made valid", () => {
    const spec = (name: string) =>
      `name: ${JSON.stringify(name)}\nbase: { }\nparameters: { training.epochs: { values: [1] } }\nmetric: loss\n`;
    for (const name of [...HOSTILE, 'x'.repeat(SWEEP_NAME_MAX_LENGTH + 1)]) {
      assert.throws(
        () => parseSweepSpec('s.yaml', spec(name), '.'),
        (err: unknown) => {
          assert.match(
            String((err as Error & { describe(): string }).describe()),
            /s\.yaml:1:7 name: sweep name/,
          );
          return true;
        },
        JSON.stringify(name),
      );
    }
    assert.equal(parseSweepSpec('s.yaml', spec('lr'), '.').name, 'lr');
    const body = 'base: { }\nparameters: { training.epochs: { values: [1] } }\nmetric: loss\n';
    assert.equal(parseSweepSpec('.my sweep.yaml', body, '.').name, 'my-sweep');
  });
});
