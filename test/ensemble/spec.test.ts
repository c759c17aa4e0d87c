import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  ensembleRuns,
  isEnsembleSpecFile,
  loadEnsembleRuns,
  loadEnsembleSpec,
  parseEnsembleSpec,
  runOverrides,
} from '../../src/ensemble/spec.js';
import { ConfigError } from '../../src/errors.js';
import { PROJECT_ROOT, SHARED_QQP } from '../helpers/cli.js';

const CONFIGS = join(PROJECT_ROOT, 'test', 'fixtures', 'configs');
const TINY = join(CONFIGS, 'tiny.yaml');
const SIAMESE = join(CONFIGS, 'tiny-siamese.yaml');
const tmp = mkdtempSync(join(tmpdir(), 'qqp-ensemble-spec-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function specFile(name: string, text: string): string {
  const file = join(tmp, name);
  writeFileSync(file, text);
  return file;
}

/** The problems of the ConfigError that `f` throws, as "line:col message". */
function problemsOf(f: () => unknown): string[] {
  try {
    f();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${(err as Error).stack}`);
    return err.problems.map(
      (p) => `${p.line}:${p.col} ${p.message}${p.suggestion ? ` (${p.suggestion})` : ''}`,
    );
  }
  assert.fail('no error');
}

describe('ensemble specs', () => {
  it('reads members relative to the spec, seeds and overrides; the name defaults to the file name', () => {
    const file = specFile(
      'pair.yaml',
      `members:\n  - ${TINY}\n  - ${SIAMESE}\nseeds: [3, 4]\nset: [data.limit=300]\n`,
    );
    const spec = loadEnsembleSpec(file);
    assert.deepEqual(spec.members, [TINY, SIAMESE]);
    assert.deepEqual(spec.seeds, [3, 4]);
    assert.deepEqual(spec.set, ['data.limit=300']);
    assert.equal(spec.name, 'pair');
    const relative = parseEnsembleSpec(
      'x.yaml',
      'name: two\nmembers: [tiny.yaml, tiny-siamese.yaml]\n',
      CONFIGS,
    );
    assert.deepEqual(relative.members, [TINY, SIAMESE]);
    assert.equal(relative.name, 'two');
  });

  it('plans every member once per seed, seed by seed; without seeds each config keeps its own', () => {
    assert.deepEqual(ensembleRuns(['a', 'b'], [1, 2]), [
      { config: 'a', seed: 1 },
      { config: 'b', seed: 1 },
      { config: 'a', seed: 2 },
      { config: 'b', seed: 2 },
    ]);
    assert.deepEqual(ensembleRuns(['a', 'b'], []), [
      { config: 'a', seed: null },
      { config: 'b', seed: null },
    ]);
    assert.deepEqual(runOverrides(['x=1'], 5), ['x=1', 'experiment.seed=5']);
    assert.deepEqual(runOverrides(['x=1'], null), ['x=1']);
  });

  it('tells a spec from a config', () => {
    assert.equal(isEnsembleSpecFile(join(PROJECT_ROOT, 'configs', 'ensembles', 're2-decatt.yaml')), true);
    assert.equal(isEnsembleSpecFile(join(PROJECT_ROOT, 'configs', 'bilstm.yaml')), false);
    assert.equal(isEnsembleSpecFile(join(tmp, 'no-such.yaml')), false);
  });

  it('reports each problem at its line and column', () => {
    const file = specFile(
      'bad.yaml',
      ['name: ok', 'members:', `  - ${TINY}`, '  - missing.yaml', 'seedz: [1]', ''].join('\n'),
    );
    const problems = problemsOf(() => loadEnsembleSpec(file));
    assert.deepEqual(problems, ['5:1 unknown key "seedz" (did you mean "seeds"?)']);
    const missing = specFile(
      'missing.yaml',
      ['members:', `  - ${TINY}`, '  - nothing-here.yaml', ''].join('\n'),
    );
    const [m] = problemsOf(() => loadEnsembleSpec(missing));
    assert.match(m!, /^3:5 cannot read the member config nothing-here\.yaml \(no such file: /);
  });

  it('refuses an ensemble of one run, and one config twice with one seed', () => {
    assert.match(
      problemsOf(() => parseEnsembleSpec('one.yaml', `members: [${TINY}]\n`, tmp))[0]!,
      /^1:10 an ensemble needs two runs or more/,
    );
    assert.match(
      problemsOf(() => parseEnsembleSpec('twice.yaml', `members:\n  - ${TINY}\n  - ${TINY}\n`, tmp))[0]!,
      /^3:5 the same config as members\[0\]/,
    );
    // One config with two seeds is an ensemble.
    assert.equal(
      parseEnsembleSpec('seeds.yaml', `members: [${TINY}]\nseeds: [1, 2]\n`, tmp).members.length,
      1,
    );
  });

  it("loads every run's config with its seed, and refuses a member that reads other pairs at its line, once", () => {
    const file = specFile('apart.yaml', `members:\n  - ${TINY}\n  - ${SIAMESE}\nseeds: [3, 4]\n`);
    const spec = loadEnsembleSpec(file);
    const plans = ensembleRuns(spec.members, spec.seeds);
    // tiny.yaml reads 400 rows, tiny-siamese.yaml 300: other pairs.
    assert.deepEqual(
      problemsOf(() => loadEnsembleRuns(spec, spec.members, plans, spec.set)),
      [
        "3:5 reads other pairs than tiny.yaml: data.limit differs (an ensemble's runs must read the same files with the same split and filters, so that they score the same pairs)",
      ],
    );
    const loaded = loadEnsembleRuns(spec, spec.members, plans, ['data.limit=300']);
    assert.deepEqual(
      loaded.map((l) => [l.config.experiment.name, l.config.experiment.seed, l.config.data.limit]),
      [
        ['tiny', 3, 300],
        ['tiny-siamese', 3, 300],
        ['tiny', 4, 300],
        ['tiny-siamese', 4, 300],
      ],
    );
  });

  it("with explicit files, only the split's validation settings must agree", () => {
    const data = join(PROJECT_ROOT, 'data', 'qqp-synthetic.csv');
    const config = (name: string, split: string) =>
      specFile(
        `${name}.yaml`,
        `extends: ${TINY}\nexperiment: { name: ${name} }\ndata:\n  source: null\n  train: ${data}\n  test: ${data}\n  split: ${split}\n`,
      );
    const a = config('a', '{ train: 0.8, test: 0.2, validation: 0.1 }');
    const b = config('b', '{ train: 0.5, test: 0.5, validation: 0.1 }');
    const c = config('c', '{ validation: 0.2 }');
    const ok = parseEnsembleSpec('ok.yaml', `members: [${a}, ${b}]\n`, tmp);
    assert.equal(loadEnsembleRuns(ok, ok.members, ensembleRuns(ok.members, []), []).length, 2);
    const bad = parseEnsembleSpec('bad.yaml', `members: [${a}, ${c}]\n`, tmp);
    assert.match(
      problemsOf(() => loadEnsembleRuns(bad, bad.members, ensembleRuns(bad.members, []), []))[0]!,
      /data\.split differs/,
    );
  });

  it('the shipped bundled-data spec loads its four runs', () => {
    const spec = loadEnsembleSpec(join(PROJECT_ROOT, 'configs', 'ensembles', 're2-decatt.yaml'));
    const loaded = loadEnsembleRuns(spec, spec.members, ensembleRuns(spec.members, spec.seeds), spec.set);
    assert.deepEqual(
      loaded.map((l) => `${l.config.experiment.name}:${l.config.experiment.seed}`),
      ['re2:2019', 'decatt:2019', 're2:2020', 'decatt:2020'],
    );
  });
});

describe('the shipped spec for the real rows', () => {
  it('configs/shared-qqp/ensembles/re2-siamese-glove.yaml: its members read the same pairs', (t) => {
    if (!existsSync(SHARED_QQP)) {
      t.skip(`needs the developers' real rows in ${SHARED_QQP}`);
      return;
    }
    const spec = loadEnsembleSpec(
      join(PROJECT_ROOT, 'configs', 'shared-qqp', 'ensembles', 're2-siamese-glove.yaml'),
    );
    const loaded = loadEnsembleRuns(spec, spec.members, ensembleRuns(spec.members, spec.seeds), spec.set);
    assert.deepEqual(
      loaded.map((l) => `${l.config.experiment.name}:${l.config.experiment.seed}`),
      [
        'shared-re2-features-glove:2019',
        'shared-siamese-allfeatures-glove:2019',
        'shared-re2-features-glove:2020',
        'shared-siamese-allfeatures-glove:2020',
      ],
    );
  });
});
