import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PROJECT_ROOT, runCli, runCliJson } from '../helpers/cli.js';

// These spawn the built CLI: run `npm run build` first (npm test does).

const CONFIGS = join(PROJECT_ROOT, 'test', 'fixtures', 'configs');
const tmp = mkdtempSync(join(tmpdir(), 'qqp-cli-ensemble-'));
const experimentsDir = join(tmp, 'experiments');
const dirFlag = ['--experiments-dir', experimentsDir];
const spec = join(tmp, 'pair.yaml');
writeFileSync(
  spec,
  `name: pair\nmembers:\n  - ${join(CONFIGS, 'tiny.yaml')}\n  - ${join(CONFIGS, 'tiny-siamese.yaml')}\nseeds: [3, 4]\nset: [data.limit=300, training.epochs=1]\n`,
);
let trained: ReturnType<typeof runCli>;
let ensembleDir: string;

before(() => {
  trained = runCli(['train', spec, ...dirFlag]);
  const [id] = readdirSync(experimentsDir);
  ensembleDir = join(experimentsDir, id ?? 'none');
});
after(() => rmSync(tmp, { recursive: true, force: true }));

function assertNoStack(stderr: string): void {
  assert.doesNotMatch(stderr, /\n\s+at /, `a stack trace in:\n${stderr}`);
}

describe('qqp train ENSEMBLE.yaml', () => {
  it('trains the four runs and prints the mean on the test split with each run beside it', () => {
    assert.equal(trained.code, 0, trained.stderr);
    assert.match(trained.stdout, /^ensemble \S+-pair completed: 4 runs$/m);
    assert.match(trained.stdout, /test split, the mean of the runs' probabilities: \d+ pairs, log loss/);
    assert.match(trained.stdout, /best F1 on validation/);
    assert.equal((trained.stdout.match(/-tiny(-siamese)?-s[34] /g) ?? []).length, 4, trained.stdout);
    assert.match(trained.stderr, /run 1 of 4: .*tiny\.yaml, seed 3/);
    assert.equal(readdirSync(join(ensembleDir, 'members')).length, 4);
    assert.ok(existsSync(join(ensembleDir, 'eval-test.json')));
  });

  it('qqp eval ENSEMBLE: the saved test result, and a validation result saved in the ensemble folder', () => {
    const saved = JSON.parse(readFileSync(join(ensembleDir, 'eval-test.json'), 'utf8'));
    const r = runCliJson<{ members: unknown[]; atHalf: unknown; logLoss: number; savedTo: string }>([
      'eval',
      ensembleDir,
      ...dirFlag,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.members.length, 4);
    assert.deepEqual(r.json.atHalf, saved.atHalf);
    assert.equal(r.json.logLoss, saved.logLoss);
    const v = runCliJson<{ source: { split: string }; savedTo: string }>([
      'eval',
      ensembleDir,
      '--split',
      'validation',
      ...dirFlag,
    ]);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.json.source.split, 'validation');
    assert.equal(v.json.savedTo, join(ensembleDir, 'eval-validation.json'));
    assert.ok(existsSync(v.json.savedTo));
  });

  it('qqp predict ENSEMBLE: the mean of its four runs', () => {
    const args = ['--q1', 'How do I learn Go?', '--q2', 'How can I learn Go?'];
    const viaEnsemble = runCliJson<{ probability: number; members: unknown[] }>([
      'predict',
      ensembleDir,
      ...args,
      ...dirFlag,
    ]);
    assert.equal(viaEnsemble.code, 0, viaEnsemble.stderr);
    assert.equal(viaEnsemble.json.members.length, 4);
    const runs = readdirSync(join(ensembleDir, 'members')).map((d) => join(ensembleDir, 'members', d));
    const viaRuns = runCliJson<{ probability: number }>(['predict', ...runs, ...args, ...dirFlag]);
    assert.equal(viaEnsemble.json.probability, viaRuns.json.probability);
  });

  it('qqp runs lists the ensemble, its runs completed and the test accuracy of the mean', () => {
    const saved = JSON.parse(readFileSync(join(ensembleDir, 'eval-test.json'), 'utf8'));
    const r = runCliJson<{
      runs: unknown[];
      ensembles: { id: string; completed: number; runs: number; testAccuracy: number }[];
    }>(['runs', ...dirFlag]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.runs.length, 0);
    assert.deepEqual(
      r.json.ensembles.map((e) => [e.id, e.completed, e.runs, e.testAccuracy]),
      [[ensembleDir.split('/').pop(), 4, 4, saved.atHalf.accuracy]],
    );
    const text = runCli(['runs', ...dirFlag]);
    assert.match(text.stdout, /-pair +│ pair +│ completed +│ +4 of 4 │/);
  });

  it('commands that take one run refuse an ensemble (exit 6), naming a run to give instead', () => {
    for (const args of [
      ['serve', ensembleDir],
      ['show', ensembleDir],
      ['export', ensembleDir, '--out', join(tmp, 'export')],
    ]) {
      const r = runCli([...args, ...dirFlag]);
      assert.equal(r.code, 6, `${args[0]}: ${r.stderr}`);
      assert.match(r.stderr, /is an ensemble \(4 runs\)/, args[0]);
      assert.match(r.stderr, /members/, args[0]);
      assertNoStack(r.stderr);
    }
  });

  it('bad specs and flags: exit 3 at the line, exit 2 for --seeds misuse; nothing is created', () => {
    const before = readdirSync(experimentsDir).length;
    const bad = join(tmp, 'bad.yaml');
    writeFileSync(
      bad,
      `members:\n  - ${join(CONFIGS, 'tiny.yaml')}\n  - ${join(CONFIGS, 'tiny-siamese.yaml')}\n`,
    );
    const r = runCli(['train', bad, ...dirFlag]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /bad\.yaml:3:5 .*reads other pairs than tiny\.yaml: data\.limit differs/);
    assertNoStack(r.stderr);
    const seeds = runCli(['train', spec, '--seeds', '1,x', ...dirFlag]);
    assert.equal(seeds.code, 2, seeds.stderr);
    assert.match(seeds.stderr, /--seeds 1,x: expected distinct integers/);
    const notEnsemble = runCli(['train', join(CONFIGS, 'tiny.yaml'), '--seeds', '1', ...dirFlag]);
    assert.equal(notEnsemble.code, 2, notEnsemble.stderr);
    assert.match(notEnsemble.stderr, /--seeds is for an ensemble spec/);
    assert.equal(readdirSync(experimentsDir).length, before);
  });

  it('qqp validate checks a spec and its members, each problem at its own file and line', () => {
    const ok = runCli(['validate', join(PROJECT_ROOT, 'configs', 'ensembles', 're2-decatt.yaml')]);
    assert.equal(ok.code, 0, ok.stderr + ok.stdout);
    assert.match(ok.stdout, /^ok {6}.*re2-decatt\.yaml$/m);
    const member = join(tmp, 'broken-member.yaml');
    writeFileSync(member, `extends: ${join(CONFIGS, 'tiny.yaml')}\ntraining:\n  epochs: 0\n`);
    const withBroken = join(tmp, 'with-broken.yaml');
    writeFileSync(withBroken, `members: [${join(CONFIGS, 'tiny.yaml')}, ${member}]\n`);
    const r = runCli(['validate', withBroken]);
    assert.equal(r.code, 3, r.stdout);
    assert.match(r.stdout, /broken-member\.yaml:3:\d+ .*epochs/);
  });
});
