import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PROJECT_ROOT } from './helpers/cli.js';

/**
 * The public API as a user's project sees it: the built package (`npm test` builds first) installed
 * from a local path, which npm does by linking node_modules/qqp to the folder, as done here.
 */
describe("the public API: import … from 'qqp'", () => {
  let project: string;

  before(() => {
    project = mkdtempSync(join(tmpdir(), 'qqp-api-'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-project', type: 'module' }));
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(PROJECT_ROOT, join(project, 'node_modules', 'qqp'), 'dir');
  });
  after(() => rmSync(project, { recursive: true, force: true }));

  const node = (script: string) =>
    spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: project, encoding: 'utf8' });

  it('lists the documented functions', () => {
    const r = node("const q = await import('qqp'); console.log(JSON.stringify(Object.keys(q)));");
    assert.equal(r.status, 0, r.stderr);
    const keys = JSON.parse(r.stdout) as string[];
    for (const name of [
      'loadConfig',
      'train',
      'evaluate',
      'evaluateEnsemble',
      'predict',
      'predictFile',
      'openPredictor',
      'exportRun',
      'dedupe',
      'findDuplicates',
      'readPairs',
      'QqpError',
    ]) {
      assert.ok(keys.includes(name), `${name} missing from ${keys.join(', ')}`);
    }
  });

  it('loads a config and reports a bad one with its location, as the CLI does', () => {
    const configs = JSON.stringify(join(PROJECT_ROOT, 'configs'));
    const r = node(
      `import { join } from 'node:path';
       import { ConfigError, loadConfig } from 'qqp';
       const ok = loadConfig(join(${configs}, 'bilstm.yaml'), { overrides: ['training.epochs=2'] });
       let problem;
       try { loadConfig(join(${configs}, 'bilstm.yaml'), { overrides: ['training.epochs=zero'] }); }
       catch (e) { problem = e instanceof ConfigError ? e.problems[0] : String(e); }
       console.log(JSON.stringify({ type: ok.config.model.type, epochs: ok.config.training.epochs, problem }));`,
    );
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { type: string; epochs: number; problem: { path?: string } };
    assert.equal(out.type, 'sequential');
    assert.equal(out.epochs, 2);
    assert.equal(out.problem.path, 'training.epochs');
  });

  it('ships its types: a TypeScript user file type-checks against the package', () => {
    writeFileSync(
      join(project, 'use.ts'),
      `import { type LoadedConfig, loadConfig, type TrainOptions } from 'qqp';
const loaded: LoadedConfig = loadConfig('configs/bilstm.yaml');
const options: TrainOptions = { loaded, experimentsDir: 'experiments' };
const epochs: number = options.loaded!.config.training.epochs;
// @ts-expect-error: a wrong option is refused by the shipped types
const wrong: TrainOptions = { loaded, experimentsDir: 3 };
export { epochs, wrong };
`,
    );
    const tsc = join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(
      process.execPath,
      [
        tsc,
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--skipLibCheck',
        'use.ts',
      ],
      { cwd: project, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});
